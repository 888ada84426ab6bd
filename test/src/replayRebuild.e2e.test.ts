import { readdirSync } from 'node:fs';
import { orderXml, sampleOrder, seededRandom } from '@mtd/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, authedFetch, caughtUp, eventually, postOrder, startTestRuntime } from './harness';

type Runtime = Awaited<ReturnType<typeof startTestRuntime>>;

const orderCount = 40;
const orderIds = Array.from({ length: orderCount }, (_, i) => `REPLAY-${i}`);

/** Everything the read side answers about the traffic: views, timelines, stats, audit. */
async function readModels(url: string, day: string, asOf: string) {
  const orders: Record<string, unknown> = {};
  for (const id of orderIds) orders[id] = await api(url, `/api/orders/${id}`);
  return {
    orders,
    // Dispatch compliance judged at one instant, so snapshots taken at different times compare.
    stats: await api(url, `/api/stats?day=${day}&asOf=${asOf}`),
    // The audit ledger is over the store, not a read model: a rebuild must leave it exactly as it was.
    audit: await api<{ ok: boolean; treeSize: number; problems: unknown[] }>(url, '/api/audit/verify').then(
      ({ ok, treeSize, problems }) => ({ ok, treeSize, problems }),
    ),
  };
}

const outboxCount = (runtime: Runtime) => readdirSync(runtime.outbox).length;
const dteCount = async (runtime: Runtime) =>
  ((await (await fetch(`${runtime.taxAuthorityUrl}/dte`)).json()) as unknown[]).length;

describe('replay and projection rebuild over demo-like traffic', () => {
  let runtime: Runtime;
  let startedAt: Date;
  let day: string;
  /** One instant for every snapshot's dispatch compliance (after all the orders completed). */
  let asOf: string;
  beforeAll(async () => {
    runtime = await startTestRuntime();
    startedAt = new Date();
    const random = seededRandom(44);
    for (const orderId of orderIds) {
      const order = sampleOrder({ orderId, random });
      expect((await postOrder(runtime.url, orderXml(order), 'application/xml')).status).toBe(202);
    }
    // Completed (broadcast and notified) and the SII's verdict in: the simulator answers a status query
    // with REC first, so each DTE's acceptance lands as a later event, after the order completed.
    const orders = await eventually(
      'every order completed and accepted by the SII',
      async () =>
        Promise.all(
          orderIds.map(
            async (id) =>
              (
                await api<{ order: { stage: string; siiStatus: string | null } }>(
                  runtime.url,
                  `/api/orders/${id}`,
                )
              ).order,
          ),
        ),
      // Accepted, with or without objections (reparos): either is the SII's final word.
      (all) => all.every((order) => order?.stage === 'completed' && order.siiStatus?.startsWith('accepted')),
    );
    expect(orders).toHaveLength(orderCount);
    await eventually('caught up', () => caughtUp(runtime.url), Boolean);
    const view = await api<{ order: { day: string } }>(runtime.url, `/api/orders/${orderIds[0]}`);
    day = view.order.day;
    asOf = new Date().toISOString();
  }, 180_000);
  afterAll(() => runtime?.cleanup());

  it('a replay of the period sends no email, broadcasts no DTE and leaves the read models equal', async () => {
    const before = await readModels(runtime.url, day, asOf);
    const emails = outboxCount(runtime);
    const dtes = await dteCount(runtime);
    expect(emails).toBeGreaterThanOrEqual(orderCount);
    expect(dtes).toBe(orderCount);

    const response = await authedFetch(runtime.url, '/api/admin/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        from: new Date(startedAt.getTime() - 1000).toISOString(),
        to: new Date().toISOString(),
      }),
    });
    expect(response.status).toBe(200);
    const summary = (await response.json()) as {
      replayName: string;
      subscriptions: { subscription: string; matched: number }[];
      skipped: { subscription: string }[];
    };
    expect(summary.replayName).toMatch(/^replay-/);
    const matched = Object.fromEntries(summary.subscriptions.map((s) => [s.subscription, s.matched]));
    expect(matched.issueDteOnOrderAccepted).toBe(orderCount);
    expect(matched.projectOrderOnEvent).toBeGreaterThan(orderCount * 4);
    expect(summary.skipped.map((s) => s.subscription)).toEqual(
      expect.arrayContaining(['broadcastDteOnDteIssued', 'notifyCustomerOnDteIssued']),
    );
    expect(Object.keys(matched)).not.toContain('notifyCustomerOnDteIssued');

    await eventually('caught up after the replay', () => caughtUp(runtime.url), Boolean);
    expect(outboxCount(runtime)).toBe(emails);
    expect(await dteCount(runtime)).toBe(dtes);
    expect(await readModels(runtime.url, day, asOf)).toEqual(before);

    // Even with --include-external the handlers themselves ignore replayed events.
    const external = await authedFetch(runtime.url, '/api/admin/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        from: startedAt.toISOString(),
        to: new Date().toISOString(),
        toSubscription: 'notifyCustomerOnDteIssued',
        includeExternal: true,
      }),
    });
    const externalSummary = (await external.json()) as { subscriptions: { matched: number }[] };
    expect(externalSummary.subscriptions[0]!.matched).toBe(orderCount);
    await eventually('caught up', () => caughtUp(runtime.url), Boolean);
    expect(outboxCount(runtime)).toBe(emails);
  }, 180_000);

  it('a rebuilt projection equals the live one, and serves after the switch', async () => {
    await eventually('every reader to catch up', () => caughtUp(runtime.url), Boolean);
    const live = await readModels(runtime.url, day, asOf);
    expect(live.audit.ok).toBe(true);
    const start = await authedFetch(runtime.url, '/api/admin/projections/rebuild', { method: 'POST' });
    expect(start.status).toBe(202);
    const done = await eventually(
      'the rebuild done',
      () =>
        api<{
          status: string;
          version: number;
          activeVersion: number;
          eventsProcessed: number;
          eventsPerSecond: number;
        }>(runtime.url, '/api/admin/projections/rebuild'),
      (p) => p.status !== 'running',
    );
    expect(done).toMatchObject({ status: 'done', version: 2, activeVersion: 2 });
    expect(done.eventsProcessed).toBe(live.audit.treeSize);
    expect(done.eventsPerSecond).toBeGreaterThan(0);
    expect(runtime.projections.activeTables.orders).toBe('mtd-projection-orders-v2');

    // Served from v2 now: the same answers, event for event.
    expect(await readModels(runtime.url, day, asOf)).toEqual(live);

    // Live handlers write to v2 after the switch.
    const order = sampleOrder({ orderId: 'AFTER-REBUILD', random: seededRandom(5) });
    expect((await postOrder(runtime.url, orderXml(order), 'application/xml')).status).toBe(202);
    await eventually(
      'the new order completed in v2',
      async () =>
        (await api<{ order?: { stage: string } }>(runtime.url, '/api/orders/AFTER-REBUILD')).order?.stage,
      (stage) => stage === 'completed',
    );
    await eventually('every reader to catch up', () => caughtUp(runtime.url), Boolean);
    const audit = await api<{ ok: boolean; treeSize: number }>(runtime.url, '/api/audit/verify');
    expect(audit.ok).toBe(true);
    expect(audit.treeSize).toBeGreaterThan(live.audit.treeSize);
  }, 180_000);
});
