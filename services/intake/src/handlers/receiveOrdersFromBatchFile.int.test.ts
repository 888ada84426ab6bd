import { OrderAcceptedV1, OrderReceivedV1, OrderRejectedV1, Sources, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOrderDocument } from '#adapters/orderDocumentParser';
import { receiveOrdersFromBatchFile } from '#handlers/receiveOrdersFromBatchFile';
import { aLine, aPurchaseOrder, type LooseOrder, ordersXml, orderXml } from '#src/testing/orderBuilders';
import { aClock } from '#src/testing/testClock';

let engine: TestEngine;
let receive: (file: {
  name: string;
  content: string | Uint8Array;
}) => ReturnType<typeof receiveOrdersFromBatchFile>;

beforeAll(async () => {
  engine = await startTestEngine();
  const deps = { store: engine.storeFor(Sources.intake), clock: aClock(), ids: ulidGenerator() };
  receive = (file) => receiveOrdersFromBatchFile(deps, file);
});
afterAll(async () => {
  await engine.close();
});

const eventsOf = async (orderId: string) => (await engine.reader.readStream(Streams.order(orderId))).events;

/** 50 orders: every 10th has a decimal price, every 25th (from 12) has no id. */
function fiftyOrders(prefix: string): LooseOrder[] {
  return Array.from({ length: 50 }, (_, i) => {
    const order: LooseOrder = aPurchaseOrder({
      orderId: `${prefix}-${i}`,
      lines: [aLine({ sku: `SKU-${i}` })],
    });
    if (i % 10 === 0) return { ...order, lines: [{ ...aLine(), unitPrice: '1500.5' }] };
    if (i % 25 === 12) return { ...order, orderId: undefined };
    return order;
  });
}

describe('receiveOrdersFromBatchFile', () => {
  it('records each order of an XML batch on its own stream; a bad order is rejected alone', async () => {
    const report = await receive({ name: 'b1.xml', content: Buffer.from(ordersXml(fiftyOrders('B1'))) });
    expect(report).toMatchObject({
      file: 'b1.xml',
      status: 'processed',
      total: 50,
      accepted: 43,
      rejected: 5,
      duplicates: 0,
      conflicts: 0,
      unidentified: 2,
      refused: 0,
    });
    expect(report.orders[10]).toEqual({
      index: 10,
      orderId: 'B1-10',
      outcome: 'rejected',
      problems: [expect.objectContaining({ path: 'lines[0].unitPrice', code: 'not_integer' })],
    });
    expect(report.orders[12]).toEqual({
      index: 12,
      outcome: 'unidentified',
      problems: [expect.objectContaining({ path: 'orderId', code: 'required' })],
    });
    expect(report.orders[11]).toEqual({ index: 11, orderId: 'B1-11', outcome: 'accepted' });

    const accepted = await eventsOf('B1-11');
    expect(accepted.map((e) => e.type)).toEqual([OrderReceivedV1.detailType, OrderAcceptedV1.detailType]);
    const received = accepted[0]!;
    expect(received.data).toMatchObject({
      source: { kind: 'batch', file: 'b1.xml', index: 11 },
      format: 'xml',
    });
    // raw is this order's own element, as it was in the file, and reads back as the same order.
    const raw = (received.data as { raw: string }).raw;
    expect(raw).not.toContain('B1-12');
    expect(ordersXml(fiftyOrders('B1'))).toContain(raw);
    expect(parseOrderDocument(raw, 'xml').candidate).toMatchObject({ orderId: 'B1-11' });
    expect((await eventsOf('B1-20')).map((e) => e.type)).toEqual([
      OrderReceivedV1.detailType,
      OrderRejectedV1.detailType,
    ]);
  });

  it('is safe to process again: every order is a duplicate and nothing new is stored', async () => {
    const content = ordersXml(fiftyOrders('B2'));
    await receive({ name: 'b2.xml', content });
    const before = (await engine.reader.readFeed(undefined, { limit: 10_000 })).commits.length;
    const again = await receive({ name: 'b2.xml', content });
    expect(again).toMatchObject({ total: 50, accepted: 0, rejected: 0, duplicates: 48, unidentified: 2 });
    expect(again.orders[10]).toMatchObject({ outcome: 'duplicate', duplicateOf: 'rejected' });
    expect(again.orders[11]).toMatchObject({ outcome: 'duplicate', duplicateOf: 'accepted' });
    expect((await engine.reader.readFeed(undefined, { limit: 10_000 })).commits.length).toBe(before);
  });

  it('reports conflicts, reads JSON batches and keeps the JSON text as raw', async () => {
    await receive({
      name: 'b3.json',
      content: JSON.stringify({ orders: [aPurchaseOrder({ orderId: 'B3-1' })] }),
    });
    const changed = aPurchaseOrder({ orderId: 'B3-1', channel: 'app' });
    const fresh = aPurchaseOrder({ orderId: 'B3-2' });
    const report = await receive({ name: 'b3-again.json', content: JSON.stringify([changed, fresh]) });
    expect(report).toMatchObject({ total: 2, accepted: 1, conflicts: 1 });
    expect(report.orders[0]).toMatchObject({ outcome: 'conflict', problems: [{ code: 'conflict' }] });
    expect((await eventsOf('B3-2'))[0]?.data).toMatchObject({
      format: 'json',
      raw: JSON.stringify(fresh),
      source: { kind: 'batch', file: 'b3-again.json', index: 1 },
    });
  });

  it('refuses an order over 64 KiB inside a batch without recording it', async () => {
    const big = aPurchaseOrder({ orderId: 'B4-1', shipping: { region: 'RM', address: 'x'.repeat(70_000) } });
    const report = await receive({
      name: 'b4.xml',
      content: ordersXml([big, aPurchaseOrder({ orderId: 'B4-2' })]),
    });
    expect(report).toMatchObject({ total: 2, accepted: 1, refused: 1 });
    expect(report.orders[0]).toMatchObject({
      orderId: 'B4-1',
      outcome: 'refused',
      problems: [{ code: 'order_too_large' }],
    });
    expect(await eventsOf('B4-1')).toEqual([]);
  });

  it('reports a file that cannot be read at all as unreadable, recording nothing', async () => {
    const broken = await receive({
      name: 'b5.xml',
      content: `${ordersXml([aPurchaseOrder({ orderId: 'B5-1' })])}<oops`,
    });
    expect(broken).toMatchObject({ status: 'unreadable', total: 0, problems: [{ code: 'malformed_xml' }] });
    const latin1 = await receive({
      name: 'b5.xml',
      content: Buffer.from(ordersXml([aPurchaseOrder()]), 'latin1'),
    });
    expect(latin1).toMatchObject({ status: 'unreadable', problems: [{ code: 'invalid_encoding' }] });
    const huge = await receive({ name: 'b5.json', content: ' '.repeat(10 * 1024 * 1024 + 1) });
    expect(huge).toMatchObject({ status: 'unreadable', problems: [{ code: 'file_too_large' }] });
    expect(await eventsOf('B5-1')).toEqual([]);
  });

  it('rejects an order with a structural problem alone; the rest of the file goes ahead', async () => {
    const good = (id: string) => orderXml(aPurchaseOrder({ orderId: id }));
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<PurchaseOrders>',
      good('B6-1'),
      good('B6-2').replace('<Name>', 'text between elements<Name>'),
      good('B6-3').replace('<Lines>', '<__proto__ polluted="yes"/><Lines>'),
      good('B6-4').replace('<Shipping', '<Customer id="C-2"><Name>Otro</Name></Customer><Shipping'),
      good('B6-5').replace('<Name>Ana Pérez</Name>', '<Name>Ana <i>Pérez</i></Name>'),
      good('B6-6').replace('Tijeras', '&#x200B;Tijeras'),
      '<PurchaseOrde id="B6-7"/>',
      good('B6-8'),
      '</PurchaseOrders>',
    ].join('\n');
    const report = await receive({ name: 'b6.xml', content: xml });
    expect(report).toMatchObject({
      status: 'processed',
      total: 8,
      accepted: 2,
      rejected: 5,
      unidentified: 1,
    });
    const byIndex = report.orders.map((o) => [
      o.orderId,
      o.outcome,
      o.problems?.[0]?.path,
      o.problems?.[0]?.code,
    ]);
    expect(byIndex).toEqual([
      ['B6-1', 'accepted', undefined, undefined],
      ['B6-2', 'rejected', 'customer', 'mixed_content'],
      ['B6-3', 'rejected', '(document)', 'reserved_name'],
      ['B6-4', 'rejected', 'customer', 'duplicate_element'],
      ['B6-5', 'rejected', 'customer.name', 'unexpected_element'],
      ['B6-6', 'rejected', 'lines[0].description', 'forbidden_character'],
      [undefined, 'unidentified', '(document)', 'unexpected_element'],
      ['B6-8', 'accepted', undefined, undefined],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does the same for JSON: a duplicate or reserved key rejects its order only', async () => {
    const order = (id: string) => JSON.stringify(aPurchaseOrder({ orderId: id }));
    const json = `{"orders":[${[
      order('B7-1'),
      order('B7-2').replace('"channel":"web"', '"channel":"web","channel":"app"'),
      order('B7-3').replace('"shipping":{', '"shipping":{"constructor":1,'),
      order('B7-4'),
    ].join(',')}]}`;
    const report = await receive({ name: 'b7.json', content: json });
    expect(report).toMatchObject({ status: 'processed', total: 4, accepted: 2, rejected: 2 });
    expect(report.orders[1]).toMatchObject({ problems: [{ path: 'channel', code: 'duplicate_key' }] });
    expect(report.orders[2]).toMatchObject({
      problems: [{ path: 'shipping.constructor', code: 'reserved_name' }],
    });
    // Each order's raw is its own JSON text as it was in the file.
    expect((await eventsOf('B7-4'))[0]?.data).toMatchObject({ raw: order('B7-4') });
    // Two "orders" keys leave the whole file ambiguous: nothing from it is recorded.
    const ambiguous = await receive({
      name: 'b7b.json',
      content: `{"orders":[${order('B7-5')}],"orders":[]}`,
    });
    expect(ambiguous).toMatchObject({
      status: 'unreadable',
      problems: [{ path: 'orders', code: 'duplicate_key' }],
    });
  });

  it('names a JSON batch entry that is not an order object, in its place', async () => {
    const json = `{"orders":[1,null,"x",[],${JSON.stringify(aPurchaseOrder({ orderId: 'B7-9' }))}]}`;
    const report = await receive({ name: 'b7c.json', content: json });
    expect(report).toMatchObject({ status: 'processed', total: 5, accepted: 1, unidentified: 4 });
    expect(report.orders.slice(0, 4).map((o) => [o.outcome, o.problems?.[0]])).toEqual([
      [
        'unidentified',
        expect.objectContaining({
          code: 'not_an_order',
          message: 'entry 0 of the batch is the number 1, not a JSON object holding an order',
        }),
      ],
      [
        'unidentified',
        expect.objectContaining({
          code: 'not_an_order',
          message: 'entry 1 of the batch is null, not a JSON object holding an order',
        }),
      ],
      [
        'unidentified',
        expect.objectContaining({
          code: 'not_an_order',
          message: 'entry 2 of the batch is the string "x", not a JSON object holding an order',
        }),
      ],
      [
        'unidentified',
        expect.objectContaining({
          code: 'not_an_order',
          message: 'entry 3 of the batch is a list, not a JSON object holding an order',
        }),
      ],
    ]);
  });

  it('keeps each order exactly as received, CDATA and all, and reads the CDATA text', async () => {
    const element = orderXml(aPurchaseOrder({ orderId: 'B8-1' })).replace(
      '<Description>Tijeras</Description>',
      '<Description><![CDATA[Tijeras <acero> &amp; "punta"]]></Description>',
    );
    const file = `<?xml version="1.0" encoding="UTF-8"?>\r\n<PurchaseOrders>\r\n  ${element}\r\n</PurchaseOrders>`;
    const report = await receive({ name: 'b8.xml', content: file });
    expect(report.orders[0]).toMatchObject({ outcome: 'accepted' });
    const [received, accepted] = await eventsOf('B8-1');
    expect(received?.data).toMatchObject({ raw: element });
    expect(accepted?.data).toMatchObject({
      order: { lines: [{ description: 'Tijeras <acero> &amp; "punta"' }] },
    });
    // The raw order is itself a well-formed order document.
    expect(parseOrderDocument(element, 'xml').candidate).toMatchObject({ orderId: 'B8-1' });
  });

  it('refuses a whole file only for what makes it unreadable: deep nesting, reserved names outside orders', async () => {
    const deep = await receive({
      name: 'b9.xml',
      content: `<PurchaseOrders>${'<x>'.repeat(100)}${'</x>'.repeat(100)}</PurchaseOrders>`,
    });
    expect(deep).toMatchObject({ status: 'unreadable', problems: [{ code: 'too_deep' }] });
    const text = await receive({ name: 'b9b.xml', content: '<PurchaseOrders>oops</PurchaseOrders>' });
    expect(text).toMatchObject({ status: 'unreadable', problems: [{ code: 'mixed_content' }] });
  });
});
