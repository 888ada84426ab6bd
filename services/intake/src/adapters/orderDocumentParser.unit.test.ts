import { describe, expect, it } from 'vitest';
import { contentHashOf } from '#adapters/contentHash';
import {
  maxOrderBytes,
  maxOrdersPerBatch,
  OrderDocumentError,
  PayloadTooLargeError,
  parseBatchDocument,
  parseOrderDocument,
} from '#adapters/orderDocumentParser';
import { defaultIntakePolicy, type OrderCandidate, validateOrder } from '#domain/validateOrder';
import { aLine, aPurchaseOrder, ordersXml, orderXml } from '#src/testing/orderBuilders';

const validate = (candidate: OrderCandidate) =>
  validateOrder(candidate, { receivedAt: '2026-11-24T10:00:30.000Z', policy: defaultIntakePolicy });
const candidateOf = (text: string, format: 'xml' | 'json') => parseOrderDocument(text, format).candidate;

function problemCodeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof OrderDocumentError) return error.problems[0]?.code;
    throw error;
  }
  throw new Error('expected an OrderDocumentError');
}

describe('parseOrderDocument (XML)', () => {
  it('maps the canonical XML into the order, converting numbers', () => {
    const candidate = candidateOf(orderXml(aPurchaseOrder()), 'xml');
    expect(candidate).toEqual(aPurchaseOrder());
  });

  it('maps the DESIGN §7 example verbatim, including its Spanish text', () => {
    const xml = `<PurchaseOrder id="PO-1001" channel="web" placedAt="2026-11-24T10:00:00Z" currency="CLP">
  <Customer id="C-77" taxId="76123456-7"><Name>Ana Pérez</Name><Email>ana@example.cl</Email></Customer>
  <Lines>
    <Line sku="SKU-1" quantity="2" unitPrice="9990"><Description>Tijeras</Description></Line>
  </Lines>
  <Shipping region="RM"><Address>Av. Siempre Viva 742, Santiago</Address></Shipping>
  <DispatchBy>2026-11-25T18:00:00Z</DispatchBy>
</PurchaseOrder>`;
    expect(candidateOf(xml, 'xml')).toEqual(
      aPurchaseOrder({ customer: { ...aPurchaseOrder().customer, taxId: '76123456-7' } }),
    );
  });

  it('keeps a decimal price as text so validation names the field', () => {
    const order = {
      ...aPurchaseOrder(),
      lines: [aLine(), { ...aLine({ sku: 'SKU-3' }), unitPrice: '9990.5' }],
    };
    const validation = validate(candidateOf(orderXml(order), 'xml'));
    expect(validation).toEqual({
      ok: false,
      reasons: [
        {
          path: 'lines[1].unitPrice',
          code: 'not_integer',
          message:
            'lines[1].unitPrice must be a whole number without decimals (pesos have no cents), got "9990.5"',
        },
      ],
    });
  });

  it('decodes the predefined entities and character references once', () => {
    const order = aPurchaseOrder({
      customer: { ...aPurchaseOrder().customer, name: 'Pérez & Hijos <Ltda> "A"' },
    });
    const xml = orderXml(order).replace('Pérez', 'P&#233;rez');
    expect(candidateOf(xml, 'xml')).toEqual(order);
    const doubled = orderXml(order).replace('&amp;', '&amp;amp;');
    expect(candidateOf(doubled, 'xml')).toMatchObject({
      customer: { name: 'Pérez &amp; Hijos <Ltda> "A"' },
    });
  });

  it('reports missing parts by their JSON path', () => {
    const xml = '<PurchaseOrder id="PO-1" channel="web"><Lines/></PurchaseOrder>';
    const validation = validate(candidateOf(xml, 'xml'));
    expect(validation.ok ? [] : validation.reasons.map((r) => r.path)).toEqual([
      'placedAt',
      'currency',
      'customer',
      'lines',
      'shipping',
      'dispatchBy',
    ]);
  });

  it('refuses DOCTYPE and ENTITY declarations before parsing (no entity expansion)', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${orderXml(aPurchaseOrder()).replace('Tijeras', '&lol2;')}`;
    expect(problemCodeOf(() => parseOrderDocument(bomb, 'xml'))).toBe('doctype_not_allowed');
    const xxe = '<!doctype PurchaseOrder SYSTEM "file:///etc/passwd"><PurchaseOrder id="x"/>';
    expect(problemCodeOf(() => parseOrderDocument(xxe, 'xml'))).toBe('doctype_not_allowed');
  });

  it('refuses an undeclared entity: the document is not well-formed', () => {
    const xml = orderXml(aPurchaseOrder()).replace('Tijeras', '&lol;');
    expect(problemCodeOf(() => parseOrderDocument(xml, 'xml'))).toBe('malformed_xml');
  });

  it('refuses malformed XML with the line and column', () => {
    const error = (() => {
      try {
        parseOrderDocument('<PurchaseOrder id="x">\n<Customer></PurchaseOrder>', 'xml');
      } catch (e) {
        return e as OrderDocumentError;
      }
    })();
    expect(error).toBeInstanceOf(OrderDocumentError);
    expect(error?.problems[0]).toMatchObject({ path: '(document)', code: 'malformed_xml' });
    expect(error?.problems[0]?.message).toMatch(/at line 2, column/);
  });

  it('refuses another root, and a batch on the single-order entry', () => {
    expect(problemCodeOf(() => parseOrderDocument('<Invoice/>', 'xml'))).toBe('unexpected_root');
    expect(problemCodeOf(() => parseOrderDocument(ordersXml([aPurchaseOrder()]), 'xml'))).toBe(
      'batch_not_accepted',
    );
  });

  it('refuses an order over 64 KiB', () => {
    const big = orderXml(aPurchaseOrder({ shipping: { region: 'RM', address: 'x'.repeat(maxOrderBytes) } }));
    expect(() => parseOrderDocument(big, 'xml')).toThrow(PayloadTooLargeError);
  });
});

describe('parseOrderDocument (JSON)', () => {
  it('reads the same fields in camelCase, with "id" as an alias of "orderId"', () => {
    const { orderId, ...rest } = aPurchaseOrder();
    expect(candidateOf(JSON.stringify({ id: orderId, ...rest }), 'json')).toEqual(aPurchaseOrder());
  });

  it('ignores fields outside the contract', () => {
    const json = JSON.stringify({ ...aPurchaseOrder(), notes: 'leave at the door', __proto__x: 1 });
    expect(candidateOf(json, 'json')).toEqual(aPurchaseOrder());
  });

  it('hashes the same order the same in XML and JSON, whatever the formatting', () => {
    const fromXml = candidateOf(orderXml(aPurchaseOrder()), 'xml');
    const fromJson = candidateOf(JSON.stringify(aPurchaseOrder(), null, 2), 'json');
    expect(contentHashOf(fromXml)).toBe(contentHashOf(fromJson));
    expect(contentHashOf(fromJson)).toMatch(/^[0-9a-f]{64}$/);
    const changed = candidateOf(JSON.stringify(aPurchaseOrder({ channel: 'app' })), 'json');
    expect(contentHashOf(changed)).not.toBe(contentHashOf(fromJson));
  });

  it('refuses malformed JSON, a non-object and a batch', () => {
    expect(problemCodeOf(() => parseOrderDocument('{"orderId":', 'json'))).toBe('malformed_json');
    expect(problemCodeOf(() => parseOrderDocument('"PO-1"', 'json'))).toBe('not_an_order');
    expect(problemCodeOf(() => parseOrderDocument('[]', 'json'))).toBe('batch_not_accepted');
    expect(problemCodeOf(() => parseOrderDocument('{"orders":[]}', 'json'))).toBe('batch_not_accepted');
  });
});

describe('parseBatchDocument', () => {
  it('reads every order of an XML batch and keeps each one raw, its own bytes as sent', () => {
    const orders = [aPurchaseOrder(), aPurchaseOrder({ orderId: 'PO-1002', lines: [aLine()] })];
    const parsed = parseBatchDocument(ordersXml(orders), 'xml');
    expect(parsed.map((p) => p.candidate)).toEqual(orders);
    expect(parsed[1]?.raw).toMatch(/^<PurchaseOrder id="PO-1002"/);
    expect(parsed[1]?.raw).not.toContain('PO-1001');
    // The raw element parses back to the same order.
    expect(candidateOf(parsed[1]!.raw, 'xml')).toEqual(orders[1]);
  });

  it('reads a batch of one and an empty batch', () => {
    expect(parseBatchDocument(ordersXml([aPurchaseOrder()]), 'xml')).toHaveLength(1);
    expect(parseBatchDocument('<PurchaseOrders></PurchaseOrders>', 'xml')).toEqual([]);
    expect(parseBatchDocument(orderXml(aPurchaseOrder()), 'xml')).toHaveLength(1);
  });

  it('reads JSON batches as { orders } or a top-level array', () => {
    const orders = [aPurchaseOrder(), aPurchaseOrder({ orderId: 'PO-1002' })];
    expect(parseBatchDocument(JSON.stringify({ orders }), 'json').map((p) => p.candidate)).toEqual(orders);
    const parsed = parseBatchDocument(JSON.stringify(orders), 'json');
    expect(parsed.map((p) => p.raw)).toEqual(orders.map((o) => JSON.stringify(o)));
  });

  it('keeps an order that is not an object as an unidentified candidate, not a failed batch', () => {
    expect(parseBatchDocument('[42, {"orderId":"PO-1"}]', 'json').map((p) => p.candidate)).toEqual([
      {},
      { orderId: 'PO-1' },
    ]);
  });

  it('refuses more than 5,000 orders and a DOCTYPE in a batch', () => {
    const many = `<PurchaseOrders>${'<PurchaseOrder id="x"/>'.repeat(maxOrdersPerBatch + 1)}</PurchaseOrders>`;
    expect(problemCodeOf(() => parseBatchDocument(many, 'xml'))).toBe('too_many_orders');
    expect(
      problemCodeOf(() =>
        parseBatchDocument(JSON.stringify(new Array(maxOrdersPerBatch + 1).fill({})), 'json'),
      ),
    ).toBe('too_many_orders');
    expect(problemCodeOf(() => parseBatchDocument('<!DOCTYPE x><PurchaseOrders/>', 'xml'))).toBe(
      'doctype_not_allowed',
    );
  });

  it('refuses a batch file over 10 MiB', () => {
    expect(() => parseBatchDocument(' '.repeat(10 * 1024 * 1024 + 1), 'xml')).toThrow(PayloadTooLargeError);
  });
});
