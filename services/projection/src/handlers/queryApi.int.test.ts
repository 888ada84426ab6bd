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
import {
  DynamoStoredEvents,
  ed25519LedgerSigner,
  hmacLedgerSalts,
  Ledger,
  ledgerEntries,
  ledgerTable,
} from '@mtd/platform/ledger';
import { verifyLedgerProof } from '@mtd/platform/ledger/proofVerifier';
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
      signer: ed25519LedgerSigner(),
    });
    const events = new DynamoStoredEvents({ client, tableName: 'q-events' });
    projection = createProjection({
      client,
      tables,
      ledger: {
        entries: (options) => ledgerEntries(ledger, options),
        verify: () => ledger.verify(reader),
        checkpoints: () => ledger.checkpoints(),
        prove: (orderId, options) => ledger.proveOrder(orderId, { events, ...options }),
      },
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
    const commits = (await reader.readFeed(undefined, { limit: 100 })).commits;
    // Two checkpoints: after PO-1's first three events, and after all eight.
    await ledger.appendCommits(commits.slice(0, 3));
    await ledger.checkpoint();
    await ledger.appendCommits(commits.slice(3));
    await ledger.checkpoint();
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
    // Money sums are bigints inside; JSON carries them as plain integers (exact at any size).
    const raw = await get('/api/stats');
    expect(raw.type).toMatch(/application\/json/);
    expect(raw.text).toContain('"revenue":19980,');
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

  it('judges dispatch compliance as of a given instant, the same whenever it is asked', async () => {
    const asOf = '2026-11-24T12:00:00.000Z';
    const first = await json(`/api/stats?day=2026-11-24&asOf=${asOf}`);
    expect(first.body.dispatch.asOf).toBe(asOf);
    expect((await json(`/api/stats?day=2026-11-24&asOf=${asOf}`)).body).toEqual(first.body);
    expect((await json(`/api/stats?from=2026-11-24&to=2026-11-24&asOf=${asOf}`)).body.dispatch.asOf).toBe(
      asOf,
    );
    expect(await json('/api/stats?day=2026-11-24&asOf=yesterday')).toMatchObject({
      status: 400,
      body: { message: 'asOf must be an instant like 2026-11-24T15:00:00Z, got "yesterday"' },
    });
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

  it('lists the signed checkpoints newest first, and downloads a proof of an order that verifies offline', async () => {
    const checkpoints = await json('/api/audit/checkpoints');
    expect(checkpoints.body.total).toBe(2);
    expect(checkpoints.body.items.map((c: { treeSize: number }) => c.treeSize)).toEqual([8, 3]);
    expect(checkpoints.body.items[0]).toMatchObject({ origin: 'q-ledger', rootHash: expect.any(String) });
    expect((await json('/api/audit/checkpoints?limit=1')).body.items).toHaveLength(1);

    const download = await projection.queryApi.request('/api/audit/proof/PO-2');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="mtd-proof-PO-2.json"');
    const proof = verifyLedgerProof(await download.text());
    expect(proof).toMatchObject({ ok: true, checkpoint: { treeSize: 8 } });
    expect(proof.ok && proof.events.map((e) => `${e.streamId}@${e.streamVersion}`)).toEqual([
      'order-PO-2@1',
      'order-PO-2@2',
      'dte-PO-2@1',
    ]);

    const redacted = await projection.queryApi.request('/api/audit/proof/PO-1?redact=true');
    expect(redacted.headers.get('content-disposition')).toContain('mtd-proof-PO-1-redacted.json');
    const text = await redacted.text();
    expect(text).not.toContain('@example'); // the customer's email travels as its commitment only
    expect(verifyLedgerProof(text).ok).toBe(true);

    expect(await json('/api/audit/proof/PO-404')).toMatchObject({
      status: 404,
      body: { error: 'NotFound', message: 'no event of order PO-404 is in the ledger' },
    });
    expect((await json('/api/audit/proof/PO-1?redact=maybe')).status).toBe(400);
  });

  it('answers unknown routes with a JSON 404', async () => {
    expect(await json('/api/nothing')).toMatchObject({ status: 404, body: { error: 'NotFound' } });
  });
});
