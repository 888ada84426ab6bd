import {
  type DomainEvent,
  DteBroadcastFailedV1,
  DteBroadcastV1,
  DteIssuanceFailedV1,
  DteIssuedV1,
  type PurchaseOrder,
} from '@mtd/contracts';
import { deciderSpec } from '@mtd/platform/testing';
import { describe, expect, it } from 'vitest';
import { aLine, anAcceptedOrder } from '#src/testing/anAcceptedOrder';
import { type DteCommand, DteTooLargeError, decide, InvalidDteCommandError } from './decideDte';
import { type DteState, evolve, initialState } from './dte';

const spec = deciderSpec<DteState, DteCommand>({ decide, evolve, initialState });
const order = anAcceptedOrder();
const at = (s: number) => `2026-11-24T10:00:${String(s).padStart(2, '0')}.000Z`;

const issueDte = (o: PurchaseOrder = order): DteCommand => ({
  type: 'IssueDte',
  order: o,
  folio: 7,
  issuedAt: at(1),
  xml: '<DTE/>',
});

const dteIssued: DomainEvent = {
  type: DteIssuedV1.detailType,
  data: {
    orderId: 'PO-1001',
    dteType: 39,
    folio: 7,
    issuedAt: at(1),
    net: 16790,
    iva: 3190,
    total: 19980,
    customer: order.customer,
    lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990, lineTotal: 19980 }],
    xml: '<DTE/>',
  },
};

const failed = (attempt: number, maxAttempts = 3, final = false): DomainEvent => ({
  type: DteBroadcastFailedV1.detailType,
  data: {
    orderId: 'PO-1001',
    dteType: 39,
    folio: 7,
    failedAt: at(attempt + 1),
    attempt,
    maxAttempts,
    error: 'HTTP 503',
    final,
    ...(final ? {} : { nextAttemptAt: at(attempt + 10) }),
  },
});

const broadcast = (attempt: number): DomainEvent => ({
  type: DteBroadcastV1.detailType,
  data: { orderId: 'PO-1001', dteType: 39, folio: 7, broadcastAt: at(attempt + 1), attempt, trackId: 'T-1' },
});

const attempt = (
  n: number,
  result: { ok: true; trackId: string } | { ok: false; error: string; retryable: boolean },
  type: 'RecordBroadcastAttempt' | 'RequestBroadcastRetry' = 'RecordBroadcastAttempt',
  maxAttempts = 3,
): DteCommand => ({ type, attempt: n, at: at(n + 1), result, maxAttempts, nextAttemptAt: at(n + 10) });

const unavailable = { ok: false, error: 'HTTP 503', retryable: true } as const;

describe('decideDte', () => {
  describe('IssueDte', () => {
    it('issues the DTE with the amounts, type and lines of the order', () => {
      spec.given([]).when(issueDte()).then([dteIssued]);
    });

    it('issues a factura for a customer with a RUT', () => {
      const factura = anAcceptedOrder({
        customer: { taxId: '76123456-7' },
        lines: [aLine({ quantity: 1, unitPrice: 19990 })],
      });
      const [event] = decide(issueDte(factura), initialState());
      expect(event?.type === DteIssuedV1.detailType && event.data).toMatchObject({
        dteType: 33,
        net: 16798,
        iva: 3192,
        total: 19990,
      });
    });

    it('is a no-op once issued (a redelivery or a late retry)', () => {
      spec.given([dteIssued]).when(issueDte()).thenNothing();
      spec
        .given([dteIssued, broadcast(1)])
        .when(issueDte())
        .thenNothing();
    });

    it('issues after a recorded issuance failure (operator retry)', () => {
      const failure: DomainEvent = {
        type: DteIssuanceFailedV1.detailType,
        data: { orderId: 'PO-1001', failedAt: at(1), reason: 'too large' },
      };
      spec.given([failure]).when(issueDte()).then([dteIssued]);
    });

    it('refuses an XML over the DteIssued limit', () => {
      spec
        .given([])
        .when({ ...issueDte(), xml: `<DTE>${'x'.repeat(130 * 1024)}</DTE>` } as DteCommand)
        .thenThrows(DteTooLargeError, /DTE XML of order PO-1001/);
    });
  });

  describe('RecordIssuanceFailure', () => {
    const command: DteCommand = {
      type: 'RecordIssuanceFailure',
      orderId: 'PO-1001',
      failedAt: at(1),
      reason: 'too large',
    };
    it('records the failure before issuance, not after', () => {
      spec
        .given([])
        .when(command)
        .then([
          {
            type: DteIssuanceFailedV1.detailType,
            data: { orderId: 'PO-1001', failedAt: at(1), reason: 'too large' },
          },
        ]);
      spec.given([dteIssued]).when(command).thenNothing();
    });
  });

  describe('RecordBroadcastAttempt', () => {
    it('records a success as DteBroadcast', () => {
      spec
        .given([dteIssued])
        .when(attempt(1, { ok: true, trackId: 'T-1' }))
        .then([broadcast(1)]);
    });

    it('records a failure that is not the last with when to try again', () => {
      spec
        .given([dteIssued])
        .when(attempt(1, unavailable))
        .then([failed(1)]);
      spec
        .given([dteIssued, failed(1)])
        .when(attempt(2, unavailable))
        .then([failed(2)]);
    });

    it('marks the last attempt of the round final, without a next attempt', () => {
      spec
        .given([dteIssued, failed(1), failed(2)])
        .when(attempt(3, unavailable))
        .then([failed(3, 3, true)]);
    });

    it('marks a rejection final at once: resending the same document cannot help', () => {
      spec
        .given([dteIssued])
        .when(attempt(1, { ok: false, error: 'HTTP 400', retryable: false }))
        .then([
          {
            ...failed(1, 3, true),
            data: { ...failed(1, 3, true).data, error: 'HTTP 400', failedAt: at(2) },
          } as DomainEvent,
        ]);
    });

    it('ignores stale attempts: not the next number, already broadcast, in exception, or never issued', () => {
      spec
        .given([dteIssued, failed(1)])
        .when(attempt(1, unavailable))
        .thenNothing();
      spec.given([dteIssued]).when(attempt(2, unavailable)).thenNothing();
      spec
        .given([dteIssued, broadcast(1)])
        .when(attempt(2, { ok: true, trackId: 'T-1' }))
        .thenNothing();
      spec
        .given([dteIssued, failed(1), failed(2), failed(3, 3, true)])
        .when(attempt(4, unavailable))
        .thenNothing();
      spec.given([]).when(attempt(1, unavailable)).thenNothing();
    });

    it('refuses a retryable failure without a next attempt time (a handler bug)', () => {
      const { nextAttemptAt: _omitted, ...withoutNext } = attempt(1, unavailable) as Extract<
        DteCommand,
        { type: 'RecordBroadcastAttempt' }
      >;
      spec
        .given([dteIssued])
        .when(withoutNext)
        .thenThrows(InvalidDteCommandError, /nextAttemptAt is required/);
    });
  });

  describe('RequestBroadcastRetry (operator retry from exception)', () => {
    const spent = [dteIssued, failed(1), failed(2), failed(3, 3, true)];

    it('starts a new round: attempt numbers go on, the budget is extended by a round', () => {
      spec
        .given(spent)
        .when(attempt(4, unavailable, 'RequestBroadcastRetry', 6))
        .then([failed(4, 6)]);
      const state = [...spent, failed(4, 6)].reduce(evolve, initialState());
      expect(state).toMatchObject({ status: 'issued', attempts: 4, roundStart: 3, maxAttempts: 6 });
    });

    it('can succeed at once and then the order is broadcast', () => {
      spec
        .given(spent)
        .when(attempt(4, { ok: true, trackId: 'T-1' }, 'RequestBroadcastRetry', 6))
        .then([broadcast(4)]);
      expect([...spent, broadcast(4)].reduce(evolve, initialState())).toMatchObject({
        status: 'broadcast',
        trackId: 'T-1',
      });
    });

    it('is a no-op unless the broadcast is in exception', () => {
      spec
        .given([dteIssued, failed(1)])
        .when(attempt(2, unavailable, 'RequestBroadcastRetry', 5))
        .thenNothing();
      spec
        .given([dteIssued, broadcast(1)])
        .when(attempt(2, unavailable, 'RequestBroadcastRetry', 5))
        .thenNothing();
      spec
        .given(spent)
        .when(attempt(5, unavailable, 'RequestBroadcastRetry', 6))
        .thenNothing();
    });
  });

  describe('evolve', () => {
    it('follows the stream to exception and keeps the document', () => {
      const state = [dteIssued, failed(1), failed(2), failed(3, 3, true)].reduce(evolve, initialState());
      expect(state).toMatchObject({
        status: 'exception',
        stage: 'dte-broadcast',
        folio: 7,
        attempts: 3,
        lastError: 'HTTP 503',
      });
      expect(state).not.toHaveProperty('nextAttemptAt');
    });

    it('ignores events of other streams and duplicates that cannot follow', () => {
      const state = [dteIssued, broadcast(1)].reduce(evolve, initialState());
      expect(evolve(state, dteIssued)).toBe(state);
      expect(evolve(state, failed(1))).toBe(state);
    });
  });
});
