import {
  CustomerNotifiedV1,
  DteBroadcastV2,
  DteIssuedV2,
  type MtdEvent,
  OrderAtRiskV1,
  type SubscriptionName,
} from '@mtd/contracts';
import { orderXml, type RuntimeOptions, sampleOrder, seededRandom } from '@mtd/local';
import { EffectInProgressError, isPageHandler, type SubscriptionHandler } from '@mtd/platform';
import { describe, expect, it } from 'vitest';
import { allEvents, eventually, postOrder, startTestRuntime } from './harness';

type EmailSender = Parameters<NonNullable<RuntimeOptions['wrapEmail']>>[0];

/**
 * Every delivery made three times at once, as a standard SQS queue may (the same message twice in a
 * batch, or to parallel invocations). The copies told the effect is in progress are delivered again
 * once the first is done, as SQS would after the visibility timeout: they must be no-ops.
 */
function triple(handler: SubscriptionHandler): SubscriptionHandler {
  const again = async (results: PromiseSettledResult<unknown>[], redeliver: () => Promise<unknown>) => {
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const failure of failures) {
      if (!(failure.reason instanceof EffectInProgressError)) throw failure.reason;
      await redeliver();
    }
  };
  if (isPageHandler(handler))
    return {
      handlePage: async (events, context) => {
        const page = () => handler.handlePage(events, context);
        await again(await Promise.allSettled([page(), page(), page()]), page);
      },
    };
  return async (event, context) => {
    const once = () => handler(event, context);
    const results = await Promise.allSettled([once(), once(), once()]);
    await again(results, once);
    const first = results.find((r) => r.status === 'fulfilled');
    return first?.status === 'fulfilled' ? first.value : undefined;
  };
}

const withOutsideEffects: readonly SubscriptionName[] = [
  // A folio (the ledger is outside the stream); its first delivery reads nothing, betting the stream is new.
  'issueDteOnOrderAccepted',
  'broadcastDteOnDteIssued',
  'retryBroadcastOnDteBroadcastFailed',
  'notifyCustomerOnDteIssued',
  'notifyOperationsOnOrderAtRisk',
];

describe('triple concurrent delivery on the local runtime', () => {
  it('sends one customer email and one tax submission per order, and one operations digest per warning', async () => {
    const sent: { to: string; key: string }[] = [];
    const countingSends = (sender: EmailSender): EmailSender => ({
      send: async (message) => {
        sent.push({ to: message.to.join(','), key: message.idempotencyKey });
        return sender.send(message);
      },
    });
    const runtime = await startTestRuntime({
      broadcast: { maxAttempts: 2, baseMs: 5, maxMs: 20 },
      sla: {
        deadlines: { 'dte-issuance': 60_000, 'dte-broadcast': 300, notification: 60_000 },
        checkEveryMs: 3_600_000,
      },
      wrapHandler: (name, handler) => (withOutsideEffects.includes(name) ? triple(handler) : handler),
      wrapEmail: countingSends,
    });
    try {
      const random = seededRandom(14);
      const orders = Array.from({ length: 8 }, (_, i) => sampleOrder({ orderId: `TRIPLE-${i}`, random }));
      for (const order of orders)
        expect((await postOrder(runtime.url, orderXml(order), 'application/xml')).status).toBe(202);

      const byOrder = (events: MtdEvent[], orderId: string) =>
        events.filter((e) => e.data.orderId === orderId);
      const done = (events: MtdEvent[], orderId: string) =>
        byOrder(events, orderId).some((e) => e.type === CustomerNotifiedV1.detailType) &&
        byOrder(events, orderId).some(
          (e) => e.type === DteBroadcastV2.detailType && e.data.status !== 'received',
        );
      const events = await eventually(
        'every order notified and judged by the SII',
        () => allEvents(runtime.reader),
        (all) => orders.every((o) => done(all, o.orderId)),
      );

      // One email per order, and one CustomerNotified.
      const customerEmails = sent.filter((s) => !s.key.startsWith('ops-at-risk-'));
      expect(customerEmails).toHaveLength(orders.length);
      expect(new Set(customerEmails.map((s) => s.key)).size).toBe(orders.length);
      for (const order of orders) {
        const notified = byOrder(events, order.orderId).filter(
          (e) => e.type === CustomerNotifiedV1.detailType,
        );
        expect(notified).toHaveLength(1);
      }
      // One DteIssued per order, and the folios of each type gapless: the copies took none.
      const issued = events.flatMap((e) => (e.type === DteIssuedV2.detailType ? [e.data] : []));
      expect(issued).toHaveLength(orders.length);
      for (const dteType of new Set(issued.map((d) => d.dteType))) {
        const folios = issued
          .filter((d) => d.dteType === dteType)
          .map((d) => d.folio)
          .sort((a, b) => a - b);
        expect(folios).toEqual(folios.map((_, i) => folios[0]! + i));
      }
      // One submission per document at the tax authority, and one DteBroadcast `received` per order.
      const received = (await (await fetch(`${runtime.taxAuthorityUrl}/dte`)).json()) as {
        folio: number;
        submissions: number;
      }[];
      expect(received).toHaveLength(orders.length);
      expect(received.map((d) => d.submissions)).toEqual(orders.map(() => 1));
      for (const order of orders) {
        const uploads = byOrder(events, order.orderId).filter(
          (e) => e.type === DteBroadcastV2.detailType && e.data.status === 'received',
        );
        expect(uploads).toHaveLength(1);
      }

      // An order the tax authority never takes: in exception, then at risk; one digest lists it.
      await runtime.setTaxFailureRate(1);
      const risky = sampleOrder({ orderId: 'TRIPLE-RISK', random });
      expect((await postOrder(runtime.url, orderXml(risky), 'application/xml')).status).toBe(202);
      await eventually(
        'TRIPLE-RISK at risk',
        () => runtime.checkSla(),
        (raised) => raised.some((r) => r.orderId === 'TRIPLE-RISK'),
      );
      const warnings = await eventually(
        'the warning and its digest',
        async () => ({
          events: (await allEvents(runtime.reader)).filter((e) => e.type === OrderAtRiskV1.detailType),
          digests: sent.filter((s) => s.key.startsWith('ops-at-risk-')),
        }),
        (seen) => seen.events.length > 0 && seen.digests.length > 0,
      );
      expect(warnings.events.map((e) => e.data.orderId)).toEqual(['TRIPLE-RISK']);
      // Nothing else comes: the digest's other copies were told it was in progress, then found it sent.
      await eventually(
        'the warning handled, copies included',
        () => runtime.followers.find((f) => f.name === 'notifyOperationsOnOrderAtRisk')?.handled ?? 0,
        (handled) => handled >= warnings.events.length,
      );
      expect(sent.filter((s) => s.key.startsWith('ops-at-risk-'))).toHaveLength(1);
      expect(sent.filter((s) => s.key.includes('TRIPLE-RISK') && !s.key.startsWith('ops-'))).toHaveLength(1);
    } finally {
      await runtime.cleanup();
    }
  }, 120_000);
});
