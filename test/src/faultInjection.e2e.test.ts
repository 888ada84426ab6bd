import {
  CustomerNotifiedV1,
  DteBroadcastFailedV2,
  DteBroadcastV2,
  type EventOf,
  type MtdEvent,
  OrderAcceptedV1,
} from '@mtd/contracts';
import { orderXml, sampleOrder, seededRandom } from '@mtd/local';
import type { DeadLetter } from '@mtd/platform';
import { describe, expect, it } from 'vitest';
import { allEvents, authedFetch, eventually, failWhen, postOrder, startTestRuntime } from './harness';

const byOrder = (events: MtdEvent[], orderId: string) => events.filter((e) => e.data.orderId === orderId);

describe('fault injection', () => {
  it('with the tax authority failing 30% of calls, every order ends broadcast or in exception with its attempts', async () => {
    const maxAttempts = 4;
    const runtime = await startTestRuntime({
      taxAuthority: { failureRate: 0.3, latencyMs: { min: 1, max: 5 } },
      broadcast: { maxAttempts, baseMs: 10, maxMs: 40 },
    });
    try {
      const random = seededRandom(30);
      const orders = Array.from({ length: 60 }, (_, i) => sampleOrder({ orderId: `FAIL-${i}`, random }));
      for (const o of orders)
        expect((await postOrder(runtime.url, orderXml(o), 'application/xml')).status).toBe(202);

      const settled = (events: MtdEvent[], orderId: string) =>
        byOrder(events, orderId).some(
          (e) =>
            // The SII's verdict (after the upload's receipt), or a final failure.
            (e.type === DteBroadcastV2.detailType && e.data.status !== 'received') ||
            (e.type === DteBroadcastFailedV2.detailType && e.data.final),
        );
      const events = await eventually(
        'every order broadcast or in exception',
        () => allEvents(runtime.reader),
        (all) => orders.every((o) => settled(all, o.orderId)),
      );
      let failures = 0;
      let exceptions = 0;
      for (const o of orders) {
        const history = byOrder(events, o.orderId);
        const failed = history.filter(
          (e) => e.type === DteBroadcastFailedV2.detailType,
        ) as EventOf<'DteBroadcastFailed'>[];
        // The upload the SII received (its verdict follows as a second DteBroadcast).
        const ok = history.filter(
          (e) => e.type === DteBroadcastV2.detailType && e.data.status === 'received',
        ) as EventOf<'DteBroadcast'>[];
        failures += failed.length;
        // Attempts are numbered 1..k with no gap and no repeat; success, if any, is the attempt after the last failure.
        expect(failed.map((e) => e.data.attempt)).toEqual(failed.map((_, i) => i + 1));
        if (ok.length > 0) {
          expect(ok).toHaveLength(1);
          expect(ok[0]!.data.attempt).toBe(failed.length + 1);
        } else {
          exceptions++;
          expect(failed).toHaveLength(maxAttempts);
          expect(failed.at(-1)!.data.final).toBe(true);
          const view = (await (await authedFetch(runtime.url, `/api/orders/${o.orderId}`)).json()) as {
            order: { exception: unknown };
          };
          expect(view.order.exception).not.toBeNull();
        }
      }
      // 30% of roughly 85 calls: a seeded run, but the simulator draws its own randomness, so only a sanity bound.
      expect(failures).toBeGreaterThan(5);
      expect(exceptions).toBeLessThan(orders.length);
    } finally {
      await runtime.cleanup();
    }
  });

  it('moves an event whose handler keeps throwing to the dead letters after 10 attempts, and the rest keeps flowing', async () => {
    let broken = true;
    const poisoned = 'POISON-3';
    const runtime = await startTestRuntime({
      wrapHandler: (name, handler) =>
        name === 'notifyCustomerOnDteIssued'
          ? failWhen(
              handler,
              (event) => broken && event.data.orderId === poisoned,
              `mail template crashed for ${poisoned}`,
            )
          : handler,
    });
    try {
      const random = seededRandom(10);
      const orders = Array.from({ length: 12 }, (_, i) => sampleOrder({ orderId: `POISON-${i}`, random }));
      for (const o of orders)
        expect((await postOrder(runtime.url, orderXml(o), 'application/xml')).status).toBe(202);

      const letters = await eventually(
        'the poisoned event in the dead letters',
        async () =>
          (
            (await (await authedFetch(runtime.url, `/api/dead-letters?status=dead`)).json()) as {
              items: DeadLetter[];
            }
          ).items,
        (items) => items.length === 1,
      );
      expect(letters[0]).toMatchObject({
        subscription: 'notifyCustomerOnDteIssued',
        status: 'dead',
        attempts: 10,
      });
      expect(letters[0]!.lastError).toContain(`mail template crashed for ${poisoned}`);
      expect(letters[0]!.history).toHaveLength(10);

      const notifiedOrders = async () =>
        new Set(
          (await allEvents(runtime.reader))
            .filter((e) => e.type === CustomerNotifiedV1.detailType)
            .map((e) => e.data.orderId),
        );
      const others = orders.filter((o) => o.orderId !== poisoned);
      await eventually('the other orders notified', notifiedOrders, (set) =>
        others.every((o) => set.has(o.orderId)),
      );
      expect((await notifiedOrders()).has(poisoned)).toBe(false);

      // Fix the cause, redrive: the order completes.
      broken = false;
      const redrive = await authedFetch(
        runtime.url,
        `/api/dead-letters/notifyCustomerOnDteIssued/${letters[0]!.eventId}/redrive`,
        {
          method: 'POST',
        },
      );
      expect(redrive.status).toBe(200);
      await eventually('the redriven order notified', notifiedOrders, (set) => set.has(poisoned));
      const accepted = (await allEvents(runtime.reader)).filter((e) => e.type === OrderAcceptedV1.detailType);
      expect(accepted).toHaveLength(orders.length);
    } finally {
      await runtime.cleanup();
    }
  });
});
