import { CustomerNotifiedV1 } from '@mtd/contracts';
import { orderXml, sampleOrder, seededRandom } from '@mtd/local';
import type { DeadLetter } from '@mtd/platform';
import { describe, expect, it } from 'vitest';
import { allEvents, api, authedFetch, eventually, failWhen, postOrder, startTestRuntime } from './harness';

describe('dead letters: show and redrive --all', () => {
  it('shows each dead letter with its attempts and, once the cause is fixed, redrives them all to completion', async () => {
    let broken = true;
    const poisoned = new Set(['DLQ-2', 'DLQ-5']);
    const runtime = await startTestRuntime({
      wrapHandler: (name, handler) =>
        name === 'notifyCustomerOnDteIssued'
          ? failWhen(handler, (event) => broken && poisoned.has(event.data.orderId), 'SMTP relay refused')
          : handler,
    });
    try {
      const random = seededRandom(3);
      const orders = Array.from({ length: 8 }, (_, i) => sampleOrder({ orderId: `DLQ-${i}`, random }));
      for (const o of orders)
        expect((await postOrder(runtime.url, orderXml(o), 'application/xml')).status).toBe(202);
      const dead = await eventually(
        'two dead letters',
        async () => (await api<{ items: DeadLetter[] }>(runtime.url, '/api/dead-letters?status=dead')).items,
        (items) => items.length === 2,
      );
      const shown = await api<DeadLetter>(
        runtime.url,
        `/api/admin/dead-letters/notifyCustomerOnDteIssued/${dead[0]!.eventId}`,
      );
      expect(shown).toMatchObject({ status: 'dead', attempts: 10, lastError: 'Error: SMTP relay refused' });
      expect(shown.history.map((h) => h.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const missing = await authedFetch(
        runtime.url,
        '/api/admin/dead-letters/notifyCustomerOnDteIssued/nope',
      );
      expect(missing.status).toBe(404);

      broken = false;
      const response = await authedFetch(runtime.url, '/api/admin/dead-letters/redrive', { method: 'POST' });
      expect(((await response.json()) as { redriven: unknown[] }).redriven).toHaveLength(2);
      const notified = async () =>
        new Set(
          (await allEvents(runtime.reader))
            .filter((e) => e.type === CustomerNotifiedV1.detailType)
            .map((e) => e.data.orderId),
        );
      await eventually('every order notified', notified, (set) => orders.every((o) => set.has(o.orderId)));
      await eventually(
        'no letters left',
        async () => (await api<{ items: DeadLetter[] }>(runtime.url, '/api/dead-letters')).items.length,
        (n) => n === 0,
      );
      // Idempotent: one notification per order, redriven or not.
      const notifications = (await allEvents(runtime.reader)).filter(
        (e) => e.type === CustomerNotifiedV1.detailType,
      );
      expect(notifications).toHaveLength(orders.length);
    } finally {
      await runtime.cleanup();
    }
  }, 120_000);
});
