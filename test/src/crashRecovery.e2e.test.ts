import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerNotifiedV1, DteIssuedV1, OrderAcceptedV1, OrderReceivedV1 } from '@mtd/contracts';
import { batchXml, orderXml, sampleOrder, seededRandom } from '@mtd/local';
import { DynamoEventStore, fromEventBridgeEvent, toEventBridgeEvent } from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';
import { evolveOrderView, type OrderView } from '@mtd/projection';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildRuntime, stopChild } from './childRuntime';
import { allEvents, authedFetch, caughtUp, eventually, orderHeaders } from './harness';

describe('kill -9 mid-flow', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('completes every order that got its 202 or was dropped in the inbox, with no effect twice and no event skipped', async () => {
    const random = seededRandom(99);
    const orders = Array.from({ length: 240 }, (_, i) => sampleOrder({ orderId: `CRASH-${i}`, random }));
    // Batch files, as a partner's file drop: 8 files of 10 orders. A file renamed into the inbox is
    // accepted; every order in it must complete however the kill falls.
    const batches = Array.from({ length: 8 }, (_, f) => ({
      name: `crash-batch-${f}.xml`,
      orders: Array.from({ length: 10 }, (_, i) => sampleOrder({ orderId: `CRASH-B${f}-${i}`, random })),
    }));
    const inbox = join(dataDir, 'inbox');
    const drop = (batch: (typeof batches)[number]) => {
      const partial = join(dataDir, `${batch.name}.part`);
      writeFileSync(partial, batchXml(batch.orders.map(orderXml)));
      renameSync(partial, join(inbox, batch.name));
    };
    const first = await startChildRuntime(dataDir);
    const acknowledged = new Set<string>();
    let next = 0;
    let target = first.url;
    let killed = false;
    // Clients keep sending while the process dies; what fails in flight is simply not acknowledged.
    const senders = Array.from({ length: 8 }, async () => {
      while (next < orders.length && !killed) {
        const order = orders[next++]!;
        try {
          const response = await fetch(`${target}/orders`, {
            method: 'POST',
            body: orderXml(order),
            headers: orderHeaders('application/xml'),
          });
          if (response.status === 202) acknowledged.add(order.orderId);
        } catch {
          // connection refused or reset by the kill
        }
      }
    });
    // Half the files go in while the orders flow, the rest just before the kill.
    for (const batch of batches.slice(0, 4)) drop(batch);
    await eventually(
      '80 orders acknowledged before the kill',
      () => acknowledged.size,
      (n) => n >= 80,
      60_000,
    );
    for (const batch of batches.slice(4)) drop(batch);
    await stopChild(first.child, 'SIGKILL');
    killed = true;
    await Promise.all(senders);
    expect(first.child.signalCode).toBe('SIGKILL');
    // Files in flight at the kill: still in the inbox, or taken into processing/ but not done.
    const inFlight = batches.filter((b) => !existsSync(join(inbox, 'done', `${b.name}.report.json`)));
    expect(inFlight.length).toBeGreaterThan(0);
    for (const batch of batches) for (const order of batch.orders) acknowledged.add(order.orderId);

    const second = await startChildRuntime(dataDir);
    target = second.url;
    const stageOf = async (orderId: string) => {
      const response = await authedFetch(second.url, `/api/orders/${orderId}`);
      if (response.status !== 200) return 'unknown';
      return ((await response.json()) as { order: { stage: string } }).order.stage;
    };
    const get = async (path: string) => JSON.stringify(await (await authedFetch(second.url, path)).json());
    await eventually(
      'a report in done/ for every batch file',
      () => batches.filter((b) => existsSync(join(inbox, 'done', `${b.name}.report.json`))).length,
      (n) => n === batches.length,
      120_000,
    );
    for (const orderId of acknowledged) {
      try {
        await eventually(
          `${orderId} to complete`,
          () => stageOf(orderId),
          (s) => s === 'completed',
          120_000,
        );
      } catch (error) {
        // Everything about a stalled order, so a rare failure can be understood from the log alone.
        throw new Error(
          [
            (error as Error).message,
            `order: ${await get(`/api/orders/${orderId}`)}`,
            `dead letters: ${await get('/api/dead-letters')}`,
            `health: ${await get('/api/health')}`,
            `runtime output: ${second.output().slice(-4000)}`,
          ].join('\n'),
        );
      }
    }
    // Settled: no delivery waiting for a later attempt (the SII verdicts are polled that way, and
    // each appends an event after the feed looked caught up), and every reader caught up.
    const settled = async () => {
      const waiting = (await (await authedFetch(second.url, '/api/dead-letters?status=retrying')).json()) as {
        items: unknown[];
      };
      return waiting.items.length === 0 && (await caughtUp(second.url));
    };
    await eventually('every delivery to settle', settled, Boolean, 120_000);
    const views = new Map<string, unknown>();
    for (const orderId of acknowledged) {
      views.set(
        orderId,
        ((await (await authedFetch(second.url, `/api/orders/${orderId}`)).json()) as { order: unknown })
          .order,
      );
    }
    const audit = (await (await authedFetch(second.url, `/api/audit/verify`)).json()) as {
      ok: boolean;
      treeSize: number;
    };
    await stopChild(second.child, 'SIGTERM');

    // The store is the ground truth: open it once the runtime is gone (LevelDB takes one process).
    const dynamo = await startDynalite({ path: join(dataDir, 'dynamodb') });
    const events = await allEvents(new DynamoEventStore({ client: dynamo.client, tableName: 'mtd-events' }));
    await dynamo.close();
    const count = (type: string, orderId: string) =>
      events.filter((e) => e.type === type && e.data.orderId === orderId).length;
    for (const orderId of acknowledged) {
      expect(count(OrderReceivedV1.detailType, orderId), orderId).toBe(1);
      expect(count(OrderAcceptedV1.detailType, orderId), orderId).toBe(1);
      expect(count(DteIssuedV1.detailType, orderId), orderId).toBe(1);
      expect(count(CustomerNotifiedV1.detailType, orderId), orderId).toBe(1);
    }
    const issued = events.filter((e) => e.type === DteIssuedV1.detailType);
    for (const dteType of [33, 39]) {
      const folios = issued
        .filter((e) => e.data.dteType === dteType)
        .map((e) => e.data.folio)
        .sort((a, b) => a - b);
      expect(folios).toEqual(folios.map((_, i) => i + 1));
    }
    // Every view is exactly the fold of its order's stored events: no update lost across the crash.
    for (const orderId of acknowledged) {
      const recount = events
        .filter((e) => e.data.orderId === orderId)
        .reduce<OrderView | undefined>(
          (view, e) => evolveOrderView(view, fromEventBridgeEvent(toEventBridgeEvent(e))),
          undefined,
        );
      expect(views.get(orderId), orderId).toEqual(recount);
    }
    const notified = events.filter((e) => e.type === CustomerNotifiedV1.detailType);
    expect(readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(
      notified.length,
    );
    // Every stored event is in the audit ledger exactly once: none skipped, none twice.
    expect(audit.ok).toBe(true);
    expect(audit.treeSize).toBe(events.length);
  });
});
