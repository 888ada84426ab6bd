import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  commitItem,
  DynamoEventStore,
  dayOf,
  ensureTables,
  eventStoreTable,
  feedDayItem,
  type HandlerContext,
  ulidGenerator,
} from '@mtd/platform';
import { hmacLedgerSalts, Ledger, ledgerEntries, ledgerTable } from '@mtd/platform/ledger';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionTables } from '#adapters/projectionTables';
import { orderStages } from '#domain/orderView';
import { createProjection, type Projection } from '#src/index';
import { anOrder } from '#src/testing/orderHistory';

const context: HandlerContext = { subscription: 'test', attempt: 1 };

describe('query API over dynalite', () => {
  let engine: TestEngine;
  let projection: Projection;

  beforeAll(async () => {
    const tables = { orders: 'q-orders', timeline: 'q-timeline' };
    engine = await startTestEngine({ tables: projectionTables(tables) });
    const { client } = engine;
    await ensureTables(client, [eventStoreTable('q-events'), ledgerTable('q-ledger')]);
    const reader = new DynamoEventStore({ client, tableName: 'q-events' });
    const clock = { now: () => new Date('2026-11-24T15:00:00.000Z') };
    const ledger = new Ledger({
      client,
      tableName: 'q-ledger',
      clock,
      salts: hmacLedgerSalts(Buffer.alloc(32, 7)),
    });
    projection = createProjection({
      client,
      tables,
      ledger: { entries: (options) => ledgerEntries(ledger, options), verify: () => ledger.verify(reader) },
      // 01:00 UTC on the 25th is still the 24th in Santiago: "today" must follow the time zone.
      now: () => new Date('2026-11-25T01:00:00.000Z'),
    });
    const done = anOrder('PO-1', {
      lines: [{ sku: 'SKU-1', description: 'Tijeras, grandes', quantity: 2, unitPrice: 9990 }],
    })
      .received('2026-11-24T13:00:00.000Z')
      .accepted('2026-11-24T13:00:01.000Z')
      .issued('2026-11-24T13:00:02.000Z')
      .broadcast('2026-11-24T13:00:03.000Z')
      .notified('2026-11-24T13:00:04.000Z');
    const stuck = anOrder('PO-2')
      .received('2026-11-24T14:00:00.000Z')
      .accepted('2026-11-24T14:00:01.000Z')
      .issuanceFailed('2026-11-24T14:00:02.000Z');
    // The same events in the event store (one commit each), and the ledger over it.
    const ids = ulidGenerator(clock);
    for (const event of [...done.events, ...stuck.events]) {
      await projection.projectOrderOnEvent.handlePage([event], context);
      const commitId = ids.next();
      await client.send(new PutItemCommand({ TableName: 'q-events', Item: feedDayItem(dayOf(commitId)) }));
      await client.send(
        new PutItemCommand({
          TableName: 'q-events',
          Item: commitItem({
            streamId: event.metadata.streamId,
            version: event.metadata.streamVersion,
            commitId,
            producer: event.metadata.producer,
            envelopes: [event],
          }),
        }),
      );
    }
    await ledger.appendCommits((await reader.readFeed(undefined, { limit: 100 })).commits);
  });
  afterAll(() => engine.close());

  const get = async (path: string) => {
    const response = await projection.queryApi.request(path);
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      text: await response.text(),
    };
  };
  const json = async (path: string) => {
    const r = await get(path);
    return { status: r.status, body: JSON.parse(r.text) };
  };

  it('lists orders in process and by stage', async () => {
    const inProcess = await json('/api/orders');
    expect(inProcess.status).toBe(200);
    expect(inProcess.body.items.map((v: { orderId: string }) => v.orderId)).toEqual(['PO-2']);
    expect(inProcess.body.items[0].exception).toMatchObject({ stage: 'dte-issuance' });
    const completed = await json('/api/orders?stage=completed&limit=1');
    expect(completed.body.items.map((v: { orderId: string }) => v.orderId)).toEqual(['PO-1']);
    // The filter's values come with the list, so the portal keeps no copy of them.
    expect(completed.body.stages).toEqual([...orderStages]);
  });

  it('refuses a bad stage, limit or cursor with 400 and a message', async () => {
    expect(await json('/api/orders?stage=shipped')).toMatchObject({
      status: 400,
      body: { error: 'BadRequest' },
    });
    expect((await json('/api/orders?limit=0')).body.message).toMatch(
      /limit must be a whole number from 1 to 200/,
    );
    expect((await json('/api/orders?cursor=garbage')).body.message).toMatch(/cursor/);
    expect((await json('/api/audit?cursor=x')).status).toBe(400);
  });

  it('returns an order with its timeline, or 404 for an unknown order', async () => {
    const found = await json('/api/orders/PO-1');
    expect(found.status).toBe(200);
    expect(found.body.order).toMatchObject({ orderId: 'PO-1', stage: 'completed', total: 19980 });
    expect(found.body.timeline.map((t: { type: string }) => t.type)).toEqual([
      'OrderReceived',
      'OrderAccepted',
      'DteIssued',
      'DteBroadcast',
      'CustomerNotified',
    ]);
    const missing = await json('/api/orders/PO-404');
    expect(missing).toEqual({
      status: 404,
      body: { error: 'NotFound', message: 'no order PO-404 is known to the projection' },
    });
  });

  it('serves the statistics of a day as JSON (default: today in the time zone) or CSV', async () => {
    const today = await json('/api/stats');
    expect(today.body).toMatchObject({
      day: '2026-11-24',
      orders: 2,
      revenue: 19980,
      averageOrderValue: 19980,
      exceptionsOpen: 1,
    });
    const csv = await get('/api/stats?day=2026-11-24&format=csv');
    expect(csv.type).toMatch(/text\/csv/);
    expect(csv.text).toContain('revenue,19980\n');
    expect(csv.text).toContain('topByQuantity.1.description,"Tijeras, grandes"\n');
    expect(await json('/api/stats?day=24-11-2026')).toMatchObject({
      status: 400,
      body: { message: 'day must be a date like 2026-11-24, got "24-11-2026"' },
    });
    expect((await json('/api/stats?day=2026-11-24&format=xml')).status).toBe(400);
  });

  it('pages the audit ledger, newest first, and verifies it against the event store', async () => {
    const page = await json('/api/audit?limit=3');
    expect(page.body.treeSize).toBe(8);
    expect(page.body.items.map((e: { index: number }) => e.index)).toEqual([7, 6, 5]);
    const next = await json(`/api/audit?limit=10&cursor=${page.body.nextCursor}`);
    expect(next.body.items.map((e: { index: number }) => e.index)).toEqual([4, 3, 2, 1, 0]);
    expect(next.body.nextCursor).toBeUndefined();
    expect((await json('/api/audit/verify')).body).toMatchObject({ ok: true, treeSize: 8, problems: [] });
  });

  it('answers unknown routes with a JSON 404', async () => {
    expect(await json('/api/nothing')).toMatchObject({ status: 404, body: { error: 'NotFound' } });
  });
});
