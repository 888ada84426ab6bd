import { OrderAtRiskV1, Sources } from '@mtd/contracts';
import { type Clock, type HandlerContext, ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionTables } from '#adapters/projectionTables';
import type { SlaPolicy } from '#domain/sla';
import { createRaiseOrdersAtRiskOnSchedule } from '#handlers/raiseOrdersAtRiskOnSchedule';
import { createProjection, type Projection } from '#src/index';
import type { ListOrdersOptions } from '#src/projectionQueries';
import { anOrder } from '#src/testing/orderHistory';

const context: HandlerContext = { subscription: 'projectOrderOnEvent', attempt: 1 };
/** Every test judges at this fixed instant, never at today's date. */
const clock: Clock = { now: () => new Date('2026-11-24T11:00:00.000Z') };
const policy: SlaPolicy = {
  deadlines: { 'dte-issuance': 2 * 60_000, 'dte-broadcast': 5 * 60_000, notification: 5 * 60_000 },
  broadcastRetry: { maxAttempts: 3, baseMs: 1_000, maxMs: 10_000, attemptTimeoutMs: 1_000 },
};

describe('the SLA watcher on dynalite', () => {
  let engine: TestEngine;
  let projection: Projection;
  const listings: ListOrdersOptions[] = [];

  const project = async (builder: ReturnType<typeof anOrder>) => {
    for (const event of builder.events) await projection.projectOrderOnEvent.handlePage([event], context);
  };
  const watcher = (watermark: Date | undefined) =>
    createRaiseOrdersAtRiskOnSchedule({
      queries: {
        ...projection.queries,
        // Pages of one, so a run has to follow the cursor across pages.
        listOrders: (options) => {
          listings.push(options);
          return projection.queries.listOrders({ ...options, limit: 1 });
        },
      },
      store: engine.storeFor(Sources.projection),
      clock,
      ids: ulidGenerator(clock),
      policy,
      watermark: async () => watermark,
    });

  beforeAll(async () => {
    const tables = { orders: 'orders', timeline: 'timeline', audit: 'audit' };
    engine = await startTestEngine({ tables: projectionTables(tables), clock });
    projection = createProjection({ client: engine.client, tables });
    // Accepted at 10:00 and never issued (as far as the views know), dispatch days ahead.
    for (const id of ['PO-OLD-1', 'PO-OLD-2'])
      await project(anOrder(id).received('2026-11-24T10:00:00.000Z').accepted('2026-11-24T10:00:00.500Z'));
    // Accepted at 10:59:30: too recent for any deadline at 11:00, so never even read.
    for (const id of ['PO-NEW-1', 'PO-NEW-2', 'PO-NEW-3'])
      await project(anOrder(id).received('2026-11-24T10:59:30.000Z').accepted('2026-11-24T10:59:30.500Z'));
  });
  afterAll(() => engine.close());

  it('judges nothing and says so when the watermark is unknown', async () => {
    listings.length = 0;
    expect(await watcher(undefined)()).toEqual({ status: 'watermark-unknown', ordersRead: 0, raised: [] });
    expect(listings).toEqual([]);
  });

  it('raises nothing during a backlog: the views are an hour stale, the watermark before every deadline', async () => {
    const check = await watcher(new Date('2026-11-24T10:01:00.000Z'))();
    expect(check).toMatchObject({
      status: 'judged',
      appliedUpTo: '2026-11-24T10:01:00.000Z',
      judgedUpTo: '2026-11-24T10:01:00.000Z',
      raised: [],
    });
    // Candidates are orders first seen by 10:01 − 2 min: none.
    expect(check.ordersRead).toBe(0);
    expect((await engine.reader.readStream('sla-PO-OLD-1')).events).toEqual([]);
  });

  it('raises once the watermark passes the deadlines, reading only the orders old enough', async () => {
    listings.length = 0;
    const check = await watcher(new Date('2026-11-24T10:59:00.000Z'))();
    // Two candidates in pages of one: the run follows the cursor, always with the same cutoff.
    expect(listings.length).toBeGreaterThanOrEqual(2);
    expect(listings[0]?.cursor).toBeUndefined();
    expect(listings.slice(1).every((l) => typeof l.cursor === 'string')).toBe(true);
    expect(new Set(listings.map((l) => l.firstFactBy?.toISOString()))).toEqual(
      new Set(['2026-11-24T10:57:00.000Z']),
    );
    expect(check.ordersRead).toBe(2);
    expect(check.raised.map((r) => `${r.orderId} ${r.stage}`)).toEqual([
      'PO-OLD-1 dte-broadcast',
      'PO-OLD-1 dte-issuance',
      'PO-OLD-1 notification',
      'PO-OLD-2 dte-broadcast',
      'PO-OLD-2 dte-issuance',
      'PO-OLD-2 notification',
    ]);
    const sla = await engine.reader.readStream('sla-PO-OLD-1');
    expect(sla.events.map((e) => e.type)).toEqual(Array(3).fill(OrderAtRiskV1.detailType));
    expect(sla.events.find((e) => (e.data as { stage?: string }).stage === 'dte-issuance')?.data).toEqual({
      orderId: 'PO-OLD-1',
      stage: 'dte-issuance',
      deadline: '2026-11-24T10:02:00.500Z',
      detectedAt: '2026-11-24T11:00:00.000Z',
    });

    // The views have not folded the warnings yet: the stream itself keeps the next run from repeating them.
    expect((await watcher(new Date('2026-11-24T10:59:00.000Z'))()).raised).toEqual([]);
  });

  it('lists only orders first seen by the cutoff, page by page, oldest first', async () => {
    const firstFactBy = new Date('2026-11-24T10:59:30.000Z');
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await projection.queries.listOrders({
        limit: 2,
        firstFactBy,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((v) => v.orderId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    // Received exactly at the cutoff counts as first seen by it.
    expect(seen).toEqual(['PO-OLD-1', 'PO-OLD-2', 'PO-NEW-1', 'PO-NEW-2', 'PO-NEW-3']);
    expect(pages).toBeLessThanOrEqual(3);
    const earlier = await projection.queries.listOrders({
      limit: 2,
      firstFactBy: new Date('2026-11-24T10:59:29.999Z'),
    });
    expect(earlier.items.map((v) => v.orderId)).toEqual(['PO-OLD-1', 'PO-OLD-2']);
    const next = await projection.queries.listOrders({
      limit: 2,
      firstFactBy: new Date('2026-11-24T10:59:29.999Z'),
      ...(earlier.nextCursor ? { cursor: earlier.nextCursor } : {}),
    });
    expect(next.items).toEqual([]);
  });
});
