import type { MtdEvent } from '@mtd/contracts';
import { ensureTables, type HandlerContext } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionTables } from '#adapters/projectionTables';
import { evolveOrderView, type OrderView } from '#domain/orderView';
import { createProjection, type Projection } from '#src/index';
import { anOrder, seededRandom, shuffledWithDuplicates } from '#src/testing/orderHistory';

const context: HandlerContext = { subscription: 'projectOrderOnEvent', attempt: 1 };

function historyOf(orderId: string): MtdEvent[] {
  return anOrder(orderId, {
    lines: [{ sku: 'SKU-9', description: 'Cuaderno', quantity: 3, unitPrice: 1990 }],
  })
    .received('2026-11-24T13:00:00.000Z')
    .accepted('2026-11-24T13:00:01.000Z')
    .issued('2026-11-24T13:00:02.000Z')
    .broadcastFailed('2026-11-24T13:00:03.000Z', 1, false)
    .broadcast('2026-11-24T13:00:06.000Z', 2)
    .notificationFailed('2026-11-24T13:00:04.000Z')
    .retryRequested('2026-11-24T13:10:00.000Z', 'notification')
    .notified('2026-11-24T13:10:01.000Z').events;
}

const foldAll = (events: MtdEvent[]) =>
  events.reduce<OrderView | undefined>(
    (v, e) => evolveOrderView(v, e, { timeZone: 'America/Santiago' }),
    undefined,
  );

describe('projectOrderOnEvent on dynalite', () => {
  let engine: TestEngine;
  let projection: Projection;
  let secondWriter: Projection;
  const changed: OrderView[] = [];

  beforeAll(async () => {
    const tables = { orders: 'orders', timeline: 'timeline', audit: 'audit' };
    engine = await startTestEngine({ tables: projectionTables(tables) });
    projection = createProjection({
      client: engine.client,
      tables,
      onOrderChanged: (view) => changed.push(view),
    });
    secondWriter = createProjection({ client: engine.client, tables });
  });
  afterAll(() => engine.close());

  it('stores the same view as the pure fold for shuffled, duplicated and concurrent delivery', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const orderId = `PO-S${seed}`;
      const history = historyOf(orderId);
      const delivered = shuffledWithDuplicates(history, seededRandom(seed));
      // Pages of 1–3 events, two at a time, through two writers with caches of their own (two
      // Lambdas): the conditional page writes must retry the views the other writer changed.
      const random = seededRandom(seed + 100);
      const pages: MtdEvent[][] = [];
      for (let i = 0; i < delivered.length; ) {
        const size = 1 + Math.floor(random() * 3);
        pages.push(delivered.slice(i, i + size));
        i += size;
      }
      for (let i = 0; i < pages.length; i += 2) {
        await Promise.all(
          [projection, secondWriter].map((writer, j) =>
            pages[i + j] ? writer.projectOrderOnEvent.handlePage(pages[i + j]!, context) : undefined,
          ),
        );
      }
      const stored = await projection.queries.getOrder(orderId);
      expect(stored, `seed ${seed}`).toEqual(foldAll(history));
      expect(stored).toMatchObject({
        stage: 'completed',
        exception: null,
        total: 5970,
        broadcastAttempts: 2,
      });
      const timeline = await projection.queries.timeline(orderId);
      expect(timeline.map((t) => `${t.streamId}:${t.streamVersion}`)).toHaveLength(history.length);
      expect(timeline.map((t) => t.occurredAt)).toEqual([...timeline.map((t) => t.occurredAt)].sort());
    }
  });

  it('folds a page of many orders in batched writes, and two writers with pages of the same orders agree', async () => {
    // Tables of its own: these orders would change the listings the other tests check.
    const tables = { orders: 'orders-many', timeline: 'timeline-many', audit: 'audit-many' };
    await ensureTables(engine.client, projectionTables(tables));
    const projection = createProjection({ client: engine.client, tables });
    const secondWriter = createProjection({ client: engine.client, tables });
    // 130 orders: a page's views go out in TransactWriteItems of at most 100.
    const histories = Array.from({ length: 130 }, (_, i) => historyOf(`PO-M${String(i).padStart(3, '0')}`));
    const all = histories.flat();
    const random = seededRandom(42);
    const delivered = shuffledWithDuplicates(all, random);
    const half = Math.floor(delivered.length / 2);
    // The same events, cut differently, through two writers at once: the second sees every view the
    // first changed under it, and its conditions fail and retry.
    await Promise.all([
      projection.projectOrderOnEvent.handlePage(delivered.slice(0, half), context),
      secondWriter.projectOrderOnEvent.handlePage(delivered.slice(half / 2, half + half / 2), context),
    ]);
    await secondWriter.projectOrderOnEvent.handlePage(delivered.slice(half), context);
    for (const history of histories) {
      const orderId = history[0]!.data.orderId;
      expect(await projection.queries.getOrder(orderId), orderId).toEqual(foldAll(history));
    }
  });

  it('folds pages that touch more orders than the view cache holds, as the sole writer (a rebuild) and as one of many', async () => {
    for (const handler of ['rebuildOrderOnEvent', 'projectOrderOnEvent'] as const) {
      const tables = { orders: `orders-${handler}`, timeline: `timeline-${handler}`, audit: 'unused' };
      await ensureTables(engine.client, projectionTables(tables));
      // A cache of 1 view; every page touches 2 orders, one of them cached from the page before.
      const small = createProjection({ client: engine.client, tables, viewCacheSize: 1, heldViews: 1 });
      const histories = Array.from({ length: 9 }, (_, i) => historyOf(`PO-C${handler.length}-${i}`));
      const pages: MtdEvent[][] = [];
      for (let i = 0; i + 1 < histories.length; i++) {
        // The rest of order i's history, and the first half of order i+1's.
        const current = histories[i]!;
        const next = histories[i + 1]!;
        const firstHalf = (h: MtdEvent[]) => h.slice(0, Math.ceil(h.length / 2));
        pages.push([
          ...(i === 0 ? current : current.slice(Math.ceil(current.length / 2))),
          ...firstHalf(next),
        ]);
      }
      pages.push(histories.at(-1)!.slice(Math.ceil(histories.at(-1)!.length / 2)));
      for (const page of pages) await small[handler].handlePage(page, context);
      if (handler === 'rebuildOrderOnEvent') await small.rebuildOrderOnEvent.flush();
      for (const history of histories) {
        const orderId = history[0]!.data.orderId;
        expect(await small.queries.getOrder(orderId), `${handler} ${orderId}`).toEqual(foldAll(history));
      }
    }
  });

  it('as the sole writer, holds views of orders in flight until they leave the cache or a flush, then writes the pure fold', async () => {
    const tables = { orders: 'orders-held', timeline: 'timeline-held', audit: 'unused' };
    await ensureTables(engine.client, projectionTables(tables));
    const written: string[] = [];
    const rebuilt = createProjection({
      client: engine.client,
      tables,
      viewCacheSize: 3,
      heldViews: 3,
      onOrderChanged: (view) => written.push(view.orderId),
    });
    // 8 orders in flight (each without its last event, the email that completes it), shuffled and
    // duplicated across pages of 5: more orders than the cache holds, so some leave it (written)
    // and come back (read again).
    const histories = Array.from({ length: 8 }, (_, i) => historyOf(`PO-H${i}`));
    const inFlight = histories.map((history) => history.slice(0, -1));
    const delivered = shuffledWithDuplicates(inFlight.flat(), seededRandom(7));
    for (let i = 0; i < delivered.length; i += 5)
      await rebuilt.rebuildOrderOnEvent.handlePage(delivered.slice(i, i + 5), context);
    expect(written.length).toBeGreaterThan(0);
    const behind = [];
    for (const events of inFlight) {
      const stored = await rebuilt.queries.getOrder(events[0]!.data.orderId);
      if (JSON.stringify(stored) !== JSON.stringify(foldAll(events))) behind.push(stored);
    }
    // The orders still in the cache: not written yet, or written as they stood when they left it.
    expect(behind.length).toBeGreaterThan(0);
    expect(behind.length).toBeLessThanOrEqual(3);
    await rebuilt.rebuildOrderOnEvent.flush();
    for (const events of inFlight) {
      const orderId = events[0]!.data.orderId;
      expect(await rebuilt.queries.getOrder(orderId), orderId).toEqual(foldAll(events));
    }
    // The last events complete the orders: a completed order's view is written at once, no flush.
    written.length = 0;
    await rebuilt.rebuildOrderOnEvent.handlePage(
      histories.map((history) => history.at(-1)!),
      context,
    );
    expect(written.sort()).toEqual(histories.map((h) => h[0]!.data.orderId).sort());
    for (const history of histories) {
      const orderId = history[0]!.data.orderId;
      const stored = await rebuilt.queries.getOrder(orderId);
      expect(stored?.stage, orderId).toBe('completed');
      expect(stored, orderId).toEqual(foldAll(history));
    }
    // A view still held cannot be written as one writer among others until it is flushed.
    await rebuilt.rebuildOrderOnEvent.handlePage([histories[0]![0]!], context);
    const next = historyOf('PO-H9');
    await rebuilt.rebuildOrderOnEvent.handlePage(next.slice(0, 1), context);
    await expect(rebuilt.projectOrderOnEvent.handlePage(next.slice(1), context)).rejects.toThrow(/flush/);
    await rebuilt.rebuildOrderOnEvent.flush();
    await rebuilt.projectOrderOnEvent.handlePage(next.slice(1), context);
    expect(await rebuilt.queries.getOrder('PO-H9')).toEqual(foldAll(next));
  });

  it('as the sole writer, holds more views than it caches as one writer among others, and gives them back at the flush', async () => {
    const tables = { orders: 'orders-many-held', timeline: 'timeline-many-held', audit: 'unused' };
    await ensureTables(engine.client, projectionTables(tables));
    const written: string[] = [];
    const rebuilt = createProjection({
      client: engine.client,
      tables,
      viewCacheSize: 2,
      heldViews: 10,
      onOrderChanged: (view) => written.push(view.orderId),
    });
    const histories = Array.from({ length: 10 }, (_, i) => historyOf(`PO-M${i}`));
    const half = (h: MtdEvent[]) => Math.ceil(h.length / 2);
    await rebuilt.rebuildOrderOnEvent.handlePage(
      histories.flatMap((h) => h.slice(0, half(h))),
      context,
    );
    // Ten views held (more than the live cache's 2): none written yet.
    expect(written).toEqual([]);
    await rebuilt.rebuildOrderOnEvent.flush();
    expect(written.sort()).toEqual(histories.map((h) => h[0]!.data.orderId).sort());
    // As one writer among others (a cache of 2 again), the rest of each history folds onto what
    // the flush wrote.
    for (const history of histories)
      await rebuilt.projectOrderOnEvent.handlePage(history.slice(half(history)), context);
    for (const history of histories) {
      const orderId = history[0]!.data.orderId;
      expect(await rebuilt.queries.getOrder(orderId), orderId).toEqual(foldAll(history));
    }
  });

  it('as the sole writer, folds a long feed of interleaved orders through a small cache into the pure fold', async () => {
    const tables = { orders: 'orders-feed', timeline: 'timeline-feed', audit: 'unused' };
    await ensureTables(engine.client, projectionTables(tables));
    const rebuilt = createProjection({ client: engine.client, tables, viewCacheSize: 20, heldViews: 20 });
    // 150 orders whose events are spread over a window of the feed (as a busy store writes them),
    // duplicated here and there, in pages of 30: orders leave the cache and come back many times.
    const histories = Array.from({ length: 150 }, (_, i) => historyOf(`PO-F${String(i).padStart(3, '0')}`));
    const random = seededRandom(11);
    const feed = histories
      .flatMap((history, i) => history.map((event) => ({ event, at: i + random() * 60 })))
      .sort((a, b) => a.at - b.at)
      .flatMap(({ event }) => (random() < 0.1 ? [event, event] : [event]));
    for (let i = 0; i < feed.length; i += 30)
      await rebuilt.rebuildOrderOnEvent.handlePage(feed.slice(i, i + 30), context);
    await rebuilt.rebuildOrderOnEvent.flush();
    for (const history of histories) {
      const orderId = history[0]!.data.orderId;
      expect(await rebuilt.queries.getOrder(orderId), orderId).toEqual(foldAll(history));
    }
  });

  it('calls onOrderChanged after each write but not for a redelivery, and folds replays alike', async () => {
    const [received, accepted] = historyOf('PO-CB') as [MtdEvent, MtdEvent];
    changed.length = 0;
    await projection.projectOrderOnEvent.handlePage([received], context);
    await projection.projectOrderOnEvent.handlePage([received], context);
    await projection.projectOrderOnEvent.handlePage([accepted], { ...context, replayName: 'rebuild-1' });
    expect(changed.map((v) => [v.orderId, v.stage])).toEqual([
      ['PO-CB', 'received'],
      ['PO-CB', 'accepted'],
    ]);
  });

  it('lists orders in process and by stage, paginated and stably sorted', async () => {
    const ids = ['PO-L1', 'PO-L2', 'PO-L3', 'PO-L4', 'PO-L5'];
    for (const [i, id] of ids.entries()) {
      const h = anOrder(id).received(`2026-11-24T15:0${i}:00.000Z`).accepted(`2026-11-24T15:0${i}:01.000Z`);
      for (const e of h.events) await projection.projectOrderOnEvent.handlePage([e], context);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await projection.queries.listOrders({
        stage: 'accepted',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((v) => v.orderId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['PO-CB', ...ids]);
    const inProcess = await projection.queries.listOrders({ limit: 100 });
    expect(inProcess.items.map((v) => v.orderId)).toEqual(['PO-CB', ...ids]);
    expect(inProcess.items.every((v) => v.stage !== 'completed')).toBe(true);
    const done = await projection.queries.listOrders({ stage: 'completed' });
    expect(done.items.map((v) => v.orderId).sort()).toEqual([
      'PO-S1',
      'PO-S2',
      'PO-S3',
      'PO-S4',
      'PO-S5',
      'PO-S6',
    ]);
  });

  it('computes the day statistics from the stored views', async () => {
    const stats = await projection.queries.statsForDay('2026-11-24', new Date('2026-11-26T00:00:00.000Z'));
    expect(stats.orders).toBe(6 + 1 + 5);
    expect(stats.byStage.completed).toBe(6);
    expect(stats.byStage.accepted).toBe(6);
    expect(stats.revenue).toBe(6n * 5970n);
    expect(stats.averageOrderValue).toBe(5970n);
    expect(stats.topProductsByQuantity[0]).toEqual({
      sku: 'SKU-9',
      description: 'Cuaderno',
      quantity: 18,
      revenue: 6n * 5970n,
    });
  });
});
