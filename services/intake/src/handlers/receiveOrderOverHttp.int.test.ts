import { OrderAcceptedV1, OrderReceivedV1, OrderRejectedV1, Sources, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeHttpApp } from '#handlers/receiveOrderOverHttp';
import { aLine, aPurchaseOrder, ordersXml, orderXml } from '#src/testing/orderBuilders';
import { aClock } from '#src/testing/testClock';

let engine: TestEngine;
let app: ReturnType<typeof createIntakeHttpApp>;

beforeAll(async () => {
  engine = await startTestEngine();
  app = createIntakeHttpApp({
    store: engine.storeFor(Sources.intake),
    clock: aClock(),
    ids: ulidGenerator(),
  });
});
afterAll(async () => {
  await engine.close();
});

const post = (body: string, contentType = 'application/xml') =>
  app.request('/orders', { method: 'POST', body, headers: { 'content-type': contentType } });
const eventsOf = async (orderId: string) => (await engine.reader.readStream(Streams.order(orderId))).events;

describe('POST /orders', () => {
  it('accepts a valid XML order with 202 after storing OrderReceived and OrderAccepted', async () => {
    const xml = orderXml(aPurchaseOrder({ orderId: 'PO-H1' }));
    const response = await post(xml, 'application/xml; charset=utf-8');
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ orderId: 'PO-H1', status: 'accepted' });
    const events = await eventsOf('PO-H1');
    expect(events.map((e) => e.type)).toEqual([OrderReceivedV1.detailType, OrderAcceptedV1.detailType]);
    const [received, accepted] = events;
    expect(received?.data).toMatchObject({
      orderId: 'PO-H1',
      source: { kind: 'http' },
      format: 'xml',
      raw: xml,
      rawBytes: Buffer.byteLength(xml),
    });
    expect(accepted?.data).toMatchObject({ orderId: 'PO-H1', order: aPurchaseOrder({ orderId: 'PO-H1' }) });
    const requestId = response.headers.get('x-request-id');
    expect(received?.metadata).toMatchObject({
      causationId: requestId,
      correlationId: 'PO-H1',
      actor: 'partner:web',
      streamVersion: 1,
    });
  });

  it('accepts a JSON order', async () => {
    const response = await post(
      JSON.stringify(aPurchaseOrder({ orderId: 'PO-H2', channel: 'marketplace' })),
      'application/json',
    );
    expect(response.status).toBe(202);
    const events = await eventsOf('PO-H2');
    expect(events[0]?.data).toMatchObject({ format: 'json' });
    expect(events[0]?.metadata.actor).toBe('partner:marketplace');
  });

  it('rejects an invalid order with 400 and every problem, and records the rejection', async () => {
    const order = { ...aPurchaseOrder({ orderId: 'PO-H3' }), lines: [{ ...aLine(), unitPrice: '9990.5' }] };
    const response = await post(orderXml(order), 'text/xml');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { problems: unknown[] };
    expect(body).toEqual({
      orderId: 'PO-H3',
      status: 'rejected',
      problems: [expect.objectContaining({ path: 'lines[0].unitPrice', code: 'not_integer' })],
    });
    const events = await eventsOf('PO-H3');
    expect(events.map((e) => e.type)).toEqual([OrderReceivedV1.detailType, OrderRejectedV1.detailType]);
    expect(events[1]?.data).toMatchObject({ reasons: body.problems });
  });

  it('answers an identical resend as the original did, with duplicate: true, and stores nothing new', async () => {
    const accepted = orderXml(aPurchaseOrder({ orderId: 'PO-H4' }));
    expect((await post(accepted)).status).toBe(202);
    const resend = await post(accepted.replace(/\n\s*/g, ''));
    expect(resend.status).toBe(202);
    expect(await resend.json()).toEqual({ orderId: 'PO-H4', status: 'accepted', duplicate: true });
    // The same order as JSON is the same content.
    expect(
      (await post(JSON.stringify(aPurchaseOrder({ orderId: 'PO-H4' })), 'application/json')).status,
    ).toBe(202);
    expect(await eventsOf('PO-H4')).toHaveLength(2);

    const rejected = orderXml(aPurchaseOrder({ orderId: 'PO-H5', currency: 'USD' as 'CLP' }));
    const first = await post(rejected);
    const second = await post(rejected);
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({ ...((await first.json()) as object), duplicate: true });
    expect(await eventsOf('PO-H5')).toHaveLength(2);
  });

  it('refuses different content for an accepted order id with 409', async () => {
    expect((await post(orderXml(aPurchaseOrder({ orderId: 'PO-H6' })))).status).toBe(202);
    const response = await post(
      orderXml(aPurchaseOrder({ orderId: 'PO-H6', lines: [aLine({ quantity: 5 })] })),
    );
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      orderId: 'PO-H6',
      status: 'conflict',
      error: expect.stringContaining('already accepted with different content'),
    });
    expect(await eventsOf('PO-H6')).toHaveLength(2);
  });

  it('accepts a corrected order after a rejection', async () => {
    expect(
      (await post(orderXml(aPurchaseOrder({ orderId: 'PO-H7', dispatchBy: '2020-01-01T00:00:00Z' })))).status,
    ).toBe(400);
    expect((await post(orderXml(aPurchaseOrder({ orderId: 'PO-H7' })))).status).toBe(202);
    expect((await eventsOf('PO-H7')).map((e) => e.type)).toEqual([
      OrderReceivedV1.detailType,
      OrderRejectedV1.detailType,
      OrderReceivedV1.detailType,
      OrderAcceptedV1.detailType,
    ]);
  });

  it('records concurrent identical posts once', async () => {
    const xml = orderXml(aPurchaseOrder({ orderId: 'PO-H8' }));
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(xml)));
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await eventsOf('PO-H8')).toHaveLength(2);
  });

  it('answers 400 without recording anything when the order cannot be identified or read', async () => {
    const noId = await post(orderXml({ ...aPurchaseOrder(), orderId: undefined }));
    expect(noId.status).toBe(400);
    expect(await noId.json()).toEqual({
      error: 'the order has no usable id and was not recorded',
      problems: [expect.objectContaining({ path: 'orderId', code: 'required' })],
    });
    const malformed = await post('<PurchaseOrder id="PO-H9">');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ problems: [{ code: 'malformed_xml' }] });
    const doctype = await post(
      `<!DOCTYPE x [<!ENTITY a "b">]>${orderXml(aPurchaseOrder({ orderId: 'PO-H9' }))}`,
    );
    expect(doctype.status).toBe(400);
    expect(await doctype.json()).toMatchObject({ problems: [{ code: 'doctype_not_allowed' }] });
    const batch = await post(ordersXml([aPurchaseOrder({ orderId: 'PO-H9' })]));
    expect(batch.status).toBe(400);
    const latin1 = await app.request('/orders', {
      method: 'POST',
      body: Buffer.from(orderXml(aPurchaseOrder({ orderId: 'PO-H9' })), 'latin1'),
      headers: { 'content-type': 'application/xml' },
    });
    expect(latin1.status).toBe(400);
    expect(await latin1.json()).toMatchObject({ problems: [{ code: 'invalid_encoding' }] });
    expect(await eventsOf('PO-H9')).toEqual([]);
  });

  it('answers 415 for another content type and 413 for a body over 64 KiB', async () => {
    expect((await post(orderXml(aPurchaseOrder({ orderId: 'PO-H10' })), '__proto__')).status).toBe(415);
    const plain = await post(orderXml(aPurchaseOrder({ orderId: 'PO-H10' })), 'text/plain');
    expect(plain.status).toBe(415);
    expect(await plain.json()).toEqual({
      error: 'unsupported content-type "text/plain": send application/xml, text/xml or application/json',
    });
    const big = orderXml(
      aPurchaseOrder({ orderId: 'PO-H10', shipping: { region: 'RM', address: 'x'.repeat(70_000) } }),
    );
    const tooLarge = await post(big);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({
      error: expect.stringMatching(/^the order is larger than the 64 KiB limit/),
      limit: 64 * 1024,
    });
    // A declared length over the limit is refused whatever the body turns out to be.
    const declared = await app.request('/orders', {
      method: 'POST',
      body: orderXml(aPurchaseOrder({ orderId: 'PO-H10' })),
      headers: { 'content-type': 'application/xml', 'content-length': String(64 * 1024 + 1) },
    });
    expect(declared.status).toBe(413);
    // Without a declared length (chunked), the body is cut off as it passes the limit.
    const stream = new Blob([big]).stream();
    const chunked = await app.request('/orders', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/xml' },
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await eventsOf('PO-H10')).toEqual([]);
  });
});
