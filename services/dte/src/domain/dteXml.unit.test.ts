import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { aLine, anAcceptedOrder } from '#src/testing/anAcceptedOrder';
import { testIssuer } from '#src/testing/testIssuer';
import { documentAmounts } from './amounts';
import {
  buildDd,
  buildDteXml,
  type DteDocument,
  emissionDate,
  genericConsumerRut,
  siiRut,
  siiTimestamp,
  xmlText,
} from './dteXml';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

function aDocument(overrides: Partial<DteDocument> = {}): DteDocument {
  const order = anAcceptedOrder();
  return {
    orderId: order.orderId,
    dteType: 39,
    folio: 4711,
    issuedAt: '2026-11-24T10:00:01.123Z',
    issuer: testIssuer,
    customer: order.customer,
    address: order.shipping.address,
    amounts: documentAmounts(39, order.lines),
    ...overrides,
  };
}

const parse = (xml: string) => parser.parse(xml).DTE;

describe('DTE XML', () => {
  it('lays out a boleta as EnvioBOLETA_v11 wants: IndServicio, RznSocEmisor, the generic consumer', () => {
    const order = anAcceptedOrder({
      lines: [aLine(), aLine({ sku: 'SKU-2', description: 'Papel', quantity: 1, unitPrice: 10 })],
    });
    const xml = buildDteXml(
      aDocument({ amounts: documentAmounts(39, order.lines) }),
      '<TED/>',
      '2026-11-24T10:00:01Z',
    );
    expect(
      xml.startsWith('<DTE xmlns="http://www.sii.cl/SiiDte" version="1.0"><Documento ID="T39F4711">'),
    ).toBe(true);
    const doc = parse(xml).Documento;
    expect(doc.Encabezado.IdDoc).toEqual({
      TipoDTE: '39',
      Folio: '4711',
      FchEmis: '2026-11-24',
      IndServicio: '3',
    });
    expect(doc.Encabezado.Emisor).toMatchObject({
      RUTEmisor: '76543210-3',
      RznSocEmisor: 'Comercial MTD SpA',
    });
    expect(doc.Encabezado.Emisor).not.toHaveProperty('Acteco');
    expect(doc.Encabezado.Receptor.RUTRecep).toBe(genericConsumerRut);
    expect(doc.Encabezado.Totales).toEqual({ MntNeto: '16798', IVA: '3192', MntTotal: '19990' });
    expect(doc.Detalle).toHaveLength(2);
    expect(doc.Detalle[1]).toMatchObject({
      NroLinDet: '2',
      NmbItem: 'Papel',
      QtyItem: '1',
      PrcItem: '10',
      MontoItem: '10',
    });
    expect(doc.TmstFirma).toBe('2026-11-24T07:00:01');
  });

  it('lays out a factura as DTE_v10 wants: MntBruto, FmaPago, GiroEmis, Acteco, TasaIVA, the buyer RUT', () => {
    const order = anAcceptedOrder({
      customer: { taxId: '76123456-k' },
      lines: [aLine({ quantity: 1, unitPrice: 680 })],
    });
    const doc = parse(
      buildDteXml(
        aDocument({ dteType: 33, customer: order.customer, amounts: documentAmounts(33, order.lines) }),
        '<TED/>',
        '2026-11-24T10:00:01Z',
      ),
    ).Documento;
    expect(doc['@_ID']).toBe('T33F4711');
    expect(doc.Encabezado.IdDoc).toMatchObject({ TipoDTE: '33', MntBruto: '1', FmaPago: '1' });
    expect(doc.Encabezado.Emisor).toMatchObject({
      RznSoc: 'Comercial MTD SpA',
      GiroEmis: testIssuer.giro,
      Acteco: '479100',
    });
    // The SII's RUTType wants an upper-case check digit.
    expect(doc.Encabezado.Receptor.RUTRecep).toBe('76123456-K');
    expect(doc.Encabezado.Receptor.CorreoRecep).toBe('ana@example.cl');
    expect(doc.Encabezado.Totales).toEqual({ MntNeto: '571', TasaIVA: '19', IVA: '108', MntTotal: '679' });
    expect(doc.Detalle.MontoItem).toBe('680');
  });

  it('leaves optional fields out when the order lacks them or they would not fit', () => {
    const doc = parse(
      buildDteXml(
        aDocument({ address: undefined, customer: { ...aDocument().customer, id: 'C'.repeat(21) } }),
        '<TED/>',
        '2026-11-24T10:00:01Z',
      ),
    ).Documento;
    expect(doc.Encabezado.Receptor).not.toHaveProperty('DirRecep');
    expect(doc.Encabezado.Receptor).not.toHaveProperty('CdgIntRecep');
  });

  it('escapes what partners write and keeps the document Latin-1', () => {
    const customer = { ...aDocument().customer, name: 'Tom & <Jerry> "el" ☃' };
    const xml = buildDteXml(aDocument({ customer }), '<TED/>', '2026-11-24T10:00:01Z');
    expect(xml).toContain('<RznSocRecep>Tom &amp; &lt;Jerry&gt; "el" &#9731;</RznSocRecep>');
    expect([...xml].every((c) => (c.codePointAt(0) ?? 0) <= 0xff)).toBe(true);
  });

  it('builds the DD the TED signs: RSR and IT1 cut to 40 Latin-1 characters, the CAF verbatim', () => {
    const customer = { ...aDocument().customer, name: `Ñandú ☃ ${'x'.repeat(60)}` };
    const dd = buildDd(aDocument({ customer }), '<CAF version="1.0"><DA/></CAF>', '2026-11-24T10:00:01Z');
    expect(dd).toBe(
      `<DD><RE>76543210-3</RE><TD>39</TD><F>4711</F><FE>2026-11-24</FE><RR>66666666-6</RR><RSR>Ñandú ? ${'x'.repeat(32)}</RSR><MNT>19980</MNT><IT1>Tijeras</IT1><CAF version="1.0"><DA/></CAF><TSTED>2026-11-24T07:00:01</TSTED></DD>`,
    );
  });

  it('dates the document in Chile: a late evening order keeps its Chilean date', () => {
    // 2026-11-25T01:30Z is 22:30 on the 24th in Santiago (UTC-3 in summer).
    expect(emissionDate('2026-11-25T01:30:00.000Z')).toBe('2026-11-24');
    expect(siiTimestamp('2026-11-25T01:30:00.000Z')).toBe('2026-11-24T22:30:00');
    // In winter Santiago is UTC-4.
    expect(emissionDate('2026-07-01T03:30:00.000Z')).toBe('2026-06-30');
  });

  it('writes RUTs without dots and with an upper-case K', () => {
    expect(siiRut('12.345.678-k')).toBe('12345678-K');
    expect(xmlText(`a'b"c`)).toBe(`a'b"c`);
  });
});
