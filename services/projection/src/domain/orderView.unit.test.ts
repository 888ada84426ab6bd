import type { MtdEvent } from '@mtd/contracts';
import { describe, expect, it } from 'vitest';
import { evolveOrderView, OrderMismatchError, type OrderView } from '#domain/orderView';
import { computeDayStatistics } from '#domain/statistics';
import { anOrder, seededRandom, shuffledWithDuplicates } from '#src/testing/orderHistory';

const config = { timeZone: 'America/Santiago' };
const fold = (events: readonly MtdEvent[]) =>
  events.reduce<OrderView | undefined>((view, event) => evolveOrderView(view, event, config), undefined);

/** given(events).then(expected view fields) — the projection's given/when/then. */
const given = (events: readonly MtdEvent[]) => ({
  // biome-ignore lint/suspicious/noThenProperty: given/when/then spec object, never awaited.
  then(expected: Partial<OrderView>) {
    expect(fold(events)).toMatchObject(expected);
  },
  thenThrows(errorClass: new (...args: never[]) => Error) {
    expect(() => fold(events)).toThrow(errorClass);
  },
});

const completed = () =>
  anOrder('PO-1001', {
    lines: [
      { sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990 },
      { sku: 'SKU-2', description: 'Pegamento', quantity: 1, unitPrice: 1500 },
    ],
  })
    .received('2026-11-24T13:00:00.000Z')
    .accepted('2026-11-24T13:00:00.500Z')
    .issued('2026-11-24T13:00:02.000Z')
    .broadcastFailed('2026-11-24T13:00:03.000Z', 1, false)
    .broadcast('2026-11-24T13:00:05.000Z', 2)
    .notified('2026-11-24T13:00:04.000Z');

describe('order view', () => {
  it('shows the SII status: received on upload, then the verdict queried by track id', () => {
    const order = anOrder('PO-1002')
      .received('2026-11-24T13:00:00.000Z')
      .accepted('2026-11-24T13:00:00.500Z')
      .issued('2026-11-24T13:00:02.000Z')
      .notified('2026-11-24T13:00:03.000Z');
    given(order.events).then({ stage: 'notified', siiStatus: null });
    order.siiAnswered('2026-11-24T13:00:04.000Z', 'received');
    given(order.events).then({ stage: 'completed', siiStatus: 'received' });
    order.siiAnswered('2026-11-24T13:00:09.000Z', 'accepted-with-objections');
    given(order.events).then({ stage: 'completed', siiStatus: 'accepted-with-objections' });
    // Delivered out of order, the verdict still wins over the earlier upload.
    given([...order.events].reverse()).then({ siiStatus: 'accepted-with-objections' });
  });

  it('follows a full journey to completed with every stage time, amounts and lines', () => {
    given(completed().events).then({
      orderId: 'PO-1001',
      day: '2026-11-24',
      stage: 'completed',
      receivedAt: '2026-11-24T13:00:00.000Z',
      acceptedAt: '2026-11-24T13:00:00.500Z',
      issuedAt: '2026-11-24T13:00:02.000Z',
      broadcastAt: '2026-11-24T13:00:05.000Z',
      notifiedAt: '2026-11-24T13:00:04.000Z',
      completedAt: '2026-11-24T13:00:05.000Z',
      rejectedAt: null,
      exception: null,
      broadcastAttempts: 2,
      dteType: 39,
      folio: 4711,
      total: 21480,
      net: 18050,
      iva: 3430,
      customer: { name: 'Ana Pérez', email: 'ana@example.cl' },
      lines: [
        { sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990, lineTotal: 19980 },
        { sku: 'SKU-2', description: 'Pegamento', quantity: 1, unitPrice: 1500, lineTotal: 1500 },
      ],
      dispatchBy: '2026-11-25T18:00:00.000Z',
      updatedAt: '2026-11-24T13:00:05.000Z',
      listKey: '2026-11-24T13:00:00.000Z#PO-1001',
    });
  });

  it('puts the business day in the configured time zone, not UTC', () => {
    const events = anOrder('PO-NIGHT').received('2026-11-24T02:30:00.000Z').events;
    given(events).then({ day: '2026-11-23', stage: 'received' });
    expect(evolveOrderView(undefined, events[0]!, { timeZone: 'UTC' }).day).toBe('2026-11-24');
  });

  it('derives the stage from facts: a DteIssued seen before its OrderAccepted is already dte-issued', () => {
    const h = anOrder('PO-2').received('2026-11-24T13:00:00.000Z').accepted('2026-11-24T13:00:01.000Z');
    h.issued('2026-11-24T13:00:02.000Z');
    const [received, accepted, issued] = h.events as [MtdEvent, MtdEvent, MtdEvent];
    given([issued]).then({ stage: 'dte-issued', day: null, acceptedAt: null, total: h.total });
    given([issued, received]).then({ stage: 'dte-issued', day: '2026-11-24' });
    given([issued, accepted, received]).then({ stage: 'dte-issued', acceptedAt: '2026-11-24T13:00:01.000Z' });
  });

  it('has notified and broadcast as parallel branches, completed when both happened', () => {
    const h = anOrder('PO-3').received('2026-11-24T13:00:00.000Z').accepted('2026-11-24T13:00:01.000Z');
    h.issued('2026-11-24T13:00:02.000Z').notified('2026-11-24T13:00:03.000Z');
    given(h.events).then({ stage: 'notified', completedAt: null });
    h.broadcast('2026-11-24T13:00:09.000Z');
    given(h.events).then({ stage: 'completed', completedAt: '2026-11-24T13:00:09.000Z' });
  });

  it('records a rejection with its reasons', () => {
    const h = anOrder('PO-4').received('2026-11-24T13:00:00.000Z').rejected('2026-11-24T13:00:00.100Z');
    given(h.events).then({
      stage: 'rejected',
      rejectedAt: '2026-11-24T13:00:00.100Z',
      rejectionReasons: [
        { path: 'lines[0].quantity', code: 'too_small', message: 'quantity must be positive' },
      ],
    });
  });

  it('drops a redelivered event and returns the very same view', () => {
    const events = completed().events;
    const view = fold(events)!;
    for (const event of events) expect(evolveOrderView(view, event, config)).toBe(view);
    expect(view.applied).toHaveLength(events.length);
  });

  it('refuses an event of another order', () => {
    const a = anOrder('PO-A').received('2026-11-24T13:00:00.000Z').events;
    const b = anOrder('PO-B').received('2026-11-24T13:00:00.000Z').events;
    given([...a, ...b]).thenThrows(OrderMismatchError);
  });

  describe('exceptions', () => {
    const accepted = () =>
      anOrder('PO-X').received('2026-11-24T13:00:00.000Z').accepted('2026-11-24T13:00:01.000Z');

    it('opens on a failed issuance and closes when the DTE is issued later, in any arrival order', () => {
      const h = accepted().issuanceFailed('2026-11-24T13:00:02.000Z', 'no folios left');
      given(h.events).then({
        stage: 'accepted',
        exception: { stage: 'dte-issuance', reason: 'no folios left', since: '2026-11-24T13:00:02.000Z' },
      });
      h.retryRequested('2026-11-24T13:05:00.000Z', 'dte-issuance').issued('2026-11-24T13:05:01.000Z');
      given(h.events).then({ stage: 'dte-issued', exception: null });
      given([...h.events].reverse()).then({ stage: 'dte-issued', exception: null });
    });

    it('opens on the final broadcast failure only, and a later broadcast clears it', () => {
      const h = accepted()
        .issued('2026-11-24T13:00:02.000Z')
        .broadcastFailed('2026-11-24T13:00:03.000Z', 1, false);
      given(h.events).then({ exception: null, broadcastAttempts: 1 });
      h.broadcastFailed('2026-11-24T13:00:09.000Z', 2, true, 2);
      given(h.events).then({
        exception: {
          stage: 'dte-broadcast',
          reason: 'SII unavailable (503)',
          since: '2026-11-24T13:00:09.000Z',
        },
        broadcastAttempts: 2,
      });
      h.retryRequested('2026-11-24T14:00:00.000Z', 'dte-broadcast').broadcast('2026-11-24T14:00:01.000Z', 3);
      given([...h.events].reverse()).then({
        exception: null,
        stage: 'broadcast',
        broadcastAttempts: 3,
        retryRequests: [
          { stage: 'dte-broadcast', requestedAt: '2026-11-24T14:00:00.000Z', actor: 'user:operadora' },
        ],
      });
    });

    it('keeps a notification exception open when the success came before the failure', () => {
      const h = accepted().issued('2026-11-24T13:00:02.000Z').notified('2026-11-24T13:00:03.000Z');
      h.notificationFailed('2026-11-24T13:00:04.000Z', 'bounce');
      given([...h.events].reverse()).then({
        exception: { stage: 'notification', reason: 'bounce', since: '2026-11-24T13:00:04.000Z' },
      });
    });
  });

  it('lists at-risk stages until the stage completes, keeping the earliest warning', () => {
    const h = anOrder('PO-R').received('2026-11-24T13:00:00.000Z').accepted('2026-11-24T13:00:01.000Z');
    h.atRisk('2026-11-24T13:10:00.000Z', 'dte-issuance', '2026-11-24T13:05:00.000Z');
    h.atRisk('2026-11-24T13:20:00.000Z', 'dte-issuance', '2026-11-24T13:05:00.000Z');
    const warned = [...h.events].reverse();
    given(warned).then({
      stage: 'accepted',
      atRisk: [
        {
          stage: 'dte-issuance',
          deadline: '2026-11-24T13:05:00.000Z',
          detectedAt: '2026-11-24T13:10:00.000Z',
        },
      ],
    });
    h.issued('2026-11-24T13:21:00.000Z');
    given(h.events).then({ atRisk: [] });
  });

  it('a side event alone yields a pending view, not in any day', () => {
    const h = anOrder('PO-P').retryRequested('2026-11-24T13:00:00.000Z', 'notification');
    given(h.events).then({ stage: 'pending', day: null, listKey: '2026-11-24T13:00:00.000Z#PO-P' });
  });
});

describe('order view and statistics under shuffled, duplicated delivery', () => {
  const histories = () => {
    const ok = completed();
    const failing = anOrder('PO-1002', {
      lines: [{ sku: 'SKU-3', description: 'Lápiz', quantity: 5, unitPrice: 500 }],
    })
      .received('2026-11-24T14:00:00.000Z')
      .accepted('2026-11-24T14:00:01.000Z')
      .issuanceFailed('2026-11-24T14:00:02.000Z')
      .retryRequested('2026-11-24T14:10:00.000Z', 'dte-issuance')
      .issued('2026-11-24T14:10:01.000Z', 4712)
      .broadcastFailed('2026-11-24T14:10:02.000Z', 1, false, 2)
      .broadcastFailed('2026-11-24T14:10:05.000Z', 2, true, 2)
      .notificationFailed('2026-11-24T14:10:03.000Z')
      .atRisk('2026-11-24T14:30:00.000Z', 'dte-broadcast', '2026-11-24T14:20:00.000Z');
    const rejected = anOrder('PO-1003')
      .received('2026-11-24T15:00:00.000Z')
      .rejected('2026-11-24T15:00:00.200Z');
    return [ok.events, failing.events, rejected.events];
  };

  const viewsOf = (events: readonly MtdEvent[]) => {
    const views = new Map<string, OrderView>();
    for (const event of events) {
      const id = event.data.orderId;
      views.set(id, evolveOrderView(views.get(id), event, config));
    }
    return [...views.values()].sort((a, b) => a.orderId.localeCompare(b.orderId));
  };

  it('gives the same views and statistics for 200 random shuffles with duplicates', () => {
    const asOf = new Date('2026-11-25T12:00:00.000Z');
    const all = histories().flat();
    const expectedViews = viewsOf(all);
    const expectedStats = computeDayStatistics('2026-11-24', expectedViews, asOf);
    expect(expectedViews.map((v) => [v.orderId, v.stage])).toEqual([
      ['PO-1001', 'completed'],
      ['PO-1002', 'dte-issued'],
      ['PO-1003', 'rejected'],
    ]);
    expect(expectedViews[1]!.exception?.stage).toBe('dte-broadcast');
    for (let seed = 1; seed <= 200; seed++) {
      const delivered = shuffledWithDuplicates(all, seededRandom(seed));
      const views = viewsOf(delivered);
      expect(views, `seed ${seed}`).toEqual(expectedViews);
      expect(computeDayStatistics('2026-11-24', views, asOf), `seed ${seed}`).toEqual(expectedStats);
    }
  });

  it('gives the same single-order view for 200 shuffles of one full history', () => {
    const events = completed().events;
    const expected = fold(events);
    for (let seed = 1000; seed < 1200; seed++) {
      expect(fold(shuffledWithDuplicates(events, seededRandom(seed))), `seed ${seed}`).toEqual(expected);
    }
  });
});
