import { DteIssuedV2, type MtdEvent, type PurchaseOrder } from '@mtd/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledSiiSchemaValidator, validateSiiXml } from '#src/siiSchemaValidator';
import { aLine, anAcceptedOrder, orderAcceptedEvent } from '#src/testing/anAcceptedOrder';
import { startDteRig } from '#src/testing/dteTestRig';
import { fakeTaxAuthority } from '#src/testing/fakeTaxAuthority';
import { verifyTeds, verifyXmlSignatures } from '#src/testing/independentVerifier';

/**
 * Acceptance 1 and 2 of issue 15: every document and envelope the dte service produces — issued and
 * sent through its real handlers — is valid against the SII's XSDs (libxml2), and its TED and XMLDSig
 * signatures verify with independent verifiers; changing one amount breaks both.
 */

const lines60 = Array.from({ length: 60 }, (_, i) =>
  aLine({
    sku: `SKU-${i + 1}`,
    description: `Artículo ${i + 1} – ñandú & «cía»`,
    quantity: (i % 3) + 1,
    unitPrice: 990 + i,
  }),
);
type OrderOverrides = Parameters<typeof anAcceptedOrder>[0] & {};
/** Every optional field the document can carry: customer code, e-mail, address. */
const full = (o: OrderOverrides) => anAcceptedOrder(o);
/** None: a customer code over 20 characters, an e-mail over 80 and an address over 70 are left out. */
const bare = (o: OrderOverrides) =>
  anAcceptedOrder({
    ...o,
    shipping: { region: 'RM', address: `Calle ${'larga '.repeat(20)}` },
    customer: { id: `C-${'9'.repeat(30)}`, email: `${'a'.repeat(80)}@example.cl`, ...o.customer },
  });

const cases: [string, PurchaseOrder][] = [
  ['factura, 1 line, optional fields', full({ orderId: 'PO-F1', customer: { taxId: '76123456-k' } })],
  [
    'factura, 60 lines, optional fields',
    full({ orderId: 'PO-F60', customer: { taxId: '76123456-7' }, lines: lines60 }),
  ],
  [
    'factura, 1 line, no optional field',
    bare({ orderId: 'PO-F1B', customer: { taxId: '9876543-2', name: 'Comercial O\'Higgins "Sur" & Cía' } }),
  ],
  [
    'factura, 60 lines, no optional field',
    bare({ orderId: 'PO-F60B', customer: { taxId: '9876543-2' }, lines: lines60 }),
  ],
  ['boleta, 1 line, optional fields', full({ orderId: 'PO-B1' })],
  ['boleta, 60 lines, optional fields', full({ orderId: 'PO-B60', lines: lines60 })],
  ['boleta, 1 line, no optional field', bare({ orderId: 'PO-B1B', customer: { name: 'Ñuñoa Ltda. ☃' } })],
  ['boleta, 60 lines, no optional field', bare({ orderId: 'PO-B60B', lines: lines60 })],
];

describe('SII documents and envelopes, as the dte service produces them', () => {
  const fake = fakeTaxAuthority();
  // The simulator's validator (schemas compiled once, libxml2-wasm) must judge exactly as xmllint does.
  const compiled = compiledSiiSchemaValidator();
  afterAll(() => compiled.close());
  let rig: Awaited<ReturnType<typeof startDteRig>>;
  const issued = new Map<string, Extract<MtdEvent, { type: 'DteIssued' }>>();
  const envelopes = new Map<string, string>();

  beforeAll(async () => {
    rig = await startDteRig(fake.authority);
    for (const [, order] of cases) {
      await rig.handlers.issueDteOnOrderAccepted(orderAcceptedEvent(order), rig.context('issue'));
      const events = await rig.settle(order.orderId);
      const event = events.find((e) => e.type === DteIssuedV2.detailType);
      if (event?.type !== DteIssuedV2.detailType) throw new Error(`no DteIssued for ${order.orderId}`);
      issued.set(order.orderId, event);
      const submission = fake.submissions.find(
        (s) => s.folio === event.data.folio && s.dteType === event.data.dteType,
      );
      if (!submission) throw new Error(`no envelope sent for ${order.orderId}`);
      envelopes.set(order.orderId, submission.envelope);
    }
  }, 120_000);
  afterAll(() => rig.close());

  it.each(cases)(
    '%s: the envelope is valid against its XSD, and a factura on its own against DTE_v10',
    async (_name, order) => {
      const { data } = issued.get(order.orderId)!;
      const envelope = envelopes.get(order.orderId)!;
      const schema = data.dteType === 33 ? 'EnvioDTE' : 'EnvioBOLETA';
      expect(envelope).toContain(`<${schema} xmlns="http://www.sii.cl/SiiDte" version="1.0">`);
      expect(await validateSiiXml(envelope, schema)).toEqual({ valid: true, errors: [] });
      expect(compiled.validate(envelope, schema)).toEqual({ valid: true, errors: [] });
      // A boleta has no standalone schema (EnvioBOLETA_v11 defines it inside its envelope).
      if (data.dteType === 33) {
        expect(await validateSiiXml(data.xml, 'DTE')).toEqual({ valid: true, errors: [] });
        expect(compiled.validate(data.xml, 'DTE')).toEqual({ valid: true, errors: [] });
      }
      expect(data.lines).toHaveLength(order.lines.length);
    },
  );

  it.each(cases)('%s: the TED and every signature verify independently', async (_name, order) => {
    const { data } = issued.get(order.orderId)!;
    const envelope = envelopes.get(order.orderId)!;
    expect(verifyTeds(data.xml)).toEqual([{ folio: String(data.folio), problems: [] }]);
    expect(await verifyXmlSignatures(data.xml)).toEqual([
      { reference: `#T${data.dteType}F${data.folio}`, valid: true },
    ]);
    // In the envelope: the document's own signature still holds, and the envelope's covers the set.
    expect(await verifyXmlSignatures(envelope)).toEqual([
      { reference: `#T${data.dteType}F${data.folio}`, valid: true },
      { reference: '#SetDoc', valid: true },
    ]);
    expect(data.ted).toBe(/<TED version="1.0">[\s\S]*<\/TED>/.exec(data.xml)?.[0]);
  });

  it('changing one amount breaks both the TED and the signature', async () => {
    const { data } = issued.get('PO-F1')!;
    const total = String(data.total);
    // The total as the document states it: the TED no longer matches it, the signature no longer holds.
    const documentTotal = data.xml.replace(
      `<MntTotal>${total}</MntTotal>`,
      `<MntTotal>${data.total - 1}</MntTotal>`,
    );
    expect(verifyTeds(documentTotal)[0]?.problems).toEqual([
      `MNT/MntTotal: the TED says ${total}, the document ${data.total - 1}`,
    ]);
    expect((await verifyXmlSignatures(documentTotal))[0]?.valid).toBe(false);
    // The total inside the TED: its FRMT no longer verifies, and neither does the document's signature.
    const tedTotal = data.xml.replace(`<MNT>${total}</MNT>`, `<MNT>${data.total - 1}</MNT>`);
    expect(verifyTeds(tedTotal)[0]?.problems).toContain(
      'FRMT does not verify against the DD with the CAF key',
    );
    expect((await verifyXmlSignatures(tedTotal))[0]?.valid).toBe(false);
    // And a line amount: the signature breaks (the TED carries only the total).
    const line = data.xml.replace(
      /<MontoItem>(\d+)<\/MontoItem>/,
      (_m, n) => `<MontoItem>${Number(n) + 1}</MontoItem>`,
    );
    expect((await verifyXmlSignatures(line))[0]?.valid).toBe(false);
  });

  it('the validator is real: it reports a document that breaks the schema', async () => {
    const { data } = issued.get('PO-F1')!;
    const broken = data.xml.replace(/<GiroEmis>[^<]*<\/GiroEmis>/, '');
    const result = await validateSiiXml(broken, 'DTE');
    expect(result.valid).toBe(false);
    const expected =
      /Element '\{http:\/\/www\.sii\.cl\/SiiDte\}Acteco': This element is not expected\. Expected is \( \{http:\/\/www\.sii\.cl\/SiiDte\}GiroEmis \)/;
    expect(result.errors.join('\n')).toMatch(expected);
    const again = compiled.validate(broken, 'DTE');
    expect(again.valid).toBe(false);
    expect(again.errors.join('\n')).toMatch(expected);
    // And a document that is not even well-formed: refused with the parser's reason, not thrown.
    const truncated = compiled.validate(data.xml.slice(0, 200), 'DTE');
    expect(truncated.valid).toBe(false);
    expect(truncated.errors.length).toBeGreaterThan(0);
  });

  it('states the amounts by the rule of each type and carries the TED, the CAF and the certificate', () => {
    const factura = issued.get('PO-F1')!.data;
    expect(factura).toMatchObject({ dteType: 33, net: 16790, iva: 3190, total: 19980, gross: 19980 });
    expect(factura.caf).toEqual({ from: 1, to: 1000, authorizedOn: '2026-11-01', keyId: 100 });
    expect(factura.signature?.certificateSubject).toContain('CN=MTD Test Signer');
    expect(factura.xml).toContain('<RUTRecep>76123456-K</RUTRecep>');
    const boleta = issued.get('PO-B60')!.data;
    expect(boleta.total).toBe(boleta.gross);
    expect(boleta.net + boleta.iva).toBe(boleta.total);
    // A 60-line signed document is far from the 128 KB contract limit: no claim check needed.
    expect(Buffer.byteLength(JSON.stringify(boleta))).toBeLessThan(64 * 1024);
  });
});
