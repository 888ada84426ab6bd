import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { aLine, anAcceptedOrder } from '#src/testing/anAcceptedOrder';
import { dteAmounts } from './amounts';
import { buildDteXml, type DteDocument, emissionDate, genericConsumerRut } from './dteXml';

const issuer = { rut: '76543210-3', name: 'MTD Retail SpA' };
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

function aDocument(overrides: Partial<DteDocument> = {}): DteDocument {
  const order = anAcceptedOrder();
  return {
    dteType: 39,
    folio: 4711,
    issuedAt: '2026-11-24T10:00:01.123Z',
    issuer,
    customer: order.customer,
    amounts: dteAmounts(order.lines),
    ...overrides,
  };
}

describe('DTE XML', () => {
  it('lays out IdDoc, Emisor, Receptor, Totales and one Detalle per line', () => {
    const order = anAcceptedOrder({
      lines: [aLine(), aLine({ sku: 'SKU-2', description: 'Papel', quantity: 1, unitPrice: 10 })],
    });
    const xml = buildDteXml(aDocument({ amounts: dteAmounts(order.lines) }));
    expect(
      xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><DTE version="1.0"><Documento ID="T39F4711">'),
    ).toBe(true);
    const doc = parser.parse(xml).DTE.Documento;
    expect(doc.Encabezado.IdDoc).toEqual({ TipoDTE: '39', Folio: '4711', FchEmis: '2026-11-24' });
    expect(doc.Encabezado.Emisor).toEqual({ RUTEmisor: '76543210-3', RznSoc: 'MTD Retail SpA' });
    expect(doc.Encabezado.Totales).toEqual({ MntNeto: '16798', IVA: '3192', MntTotal: '19990' });
    expect(doc.Detalle).toHaveLength(2);
    expect(doc.Detalle[1]).toMatchObject({
      NroLinDet: '2',
      NmbItem: 'Papel',
      QtyItem: '1',
      PrcItem: '10',
      MontoItem: '10',
    });
  });

  it('uses the SII generic consumer RUT for a boleta without a tax id, the buyer RUT otherwise', () => {
    const boleta = parser.parse(buildDteXml(aDocument())).DTE.Documento.Encabezado;
    expect(boleta.Receptor).toEqual({ RUTRecep: genericConsumerRut, RznSocRecep: 'Ana Pérez' });
    expect(genericConsumerRut).toBe('66666666-6');
    const customer = anAcceptedOrder({
      customer: { taxId: '76123456-7', name: 'Ferretería Sur Ltda' },
    }).customer;
    const factura = parser.parse(buildDteXml(aDocument({ dteType: 33, customer }))).DTE.Documento.Encabezado;
    expect(factura.Receptor.RUTRecep).toBe('76123456-7');
    expect(factura.IdDoc.MntBruto).toBe('1');
  });

  it('escapes markup in partner text, and the document parses back to the same text', () => {
    const order = anAcceptedOrder({
      customer: { name: 'Pérez & Hijos <Ltda>' },
      lines: [aLine({ description: "Tornillos & tuercas <3/8\"> 'x'" })],
    });
    const xml = buildDteXml(aDocument({ customer: order.customer, amounts: dteAmounts(order.lines) }));
    expect(xml).toContain('<NmbItem>Tornillos &amp; tuercas &lt;3/8&quot;&gt; &apos;x&apos;</NmbItem>');
    expect(xml).toContain('<RznSocRecep>Pérez &amp; Hijos &lt;Ltda&gt;</RznSocRecep>');
    const doc = new XMLParser({ processEntities: true, htmlEntities: false }).parse(xml).DTE.Documento;
    expect(doc.Detalle.NmbItem).toBe("Tornillos & tuercas <3/8\"> 'x'");
    expect(doc.Encabezado.Receptor.RznSocRecep).toBe('Pérez & Hijos <Ltda>');
  });

  it('dates the document in Chile, not in UTC', () => {
    // 02:30 UTC on the 25th is 23:30 on the 24th in Santiago (UTC-3 in summer time).
    expect(emissionDate('2026-11-25T02:30:00.000Z')).toBe('2026-11-24');
    expect(emissionDate('2026-11-25T03:30:00.000Z')).toBe('2026-11-25');
  });
});
