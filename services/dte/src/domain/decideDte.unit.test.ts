import {
  type DomainEvent,
  DteBroadcastFailedV2,
  DteBroadcastV2,
  DteIssuanceFailedV1,
  DteIssuedV2,
} from '@mtd/contracts';
import { deciderSpec } from '@mtd/platform/testing';
import { describe, expect, it } from 'vitest';
import { aLine, anAcceptedOrder } from '#src/testing/anAcceptedOrder';
import { testIssuer } from '#src/testing/testIssuer';
import { documentAmounts } from './amounts';
import { type DteCommand, DteTooLargeError, decide, InvalidDteCommandError } from './decideDte';
import { type DteState, evolve, initialState } from './dte';
import type { DteDocument } from './dteXml';

const spec = deciderSpec<DteState, DteCommand>({ decide, evolve, initialState });
const order = anAcceptedOrder();
const at = (s: number) => `2026-11-24T10:00:${String(s).padStart(2, '0')}.000Z`;

const document: DteDocument = {
  orderId: 'PO-1001',
  dteType: 39,
  folio: 7,
  issuedAt: at(1),
  issuer: testIssuer,
  customer: order.customer,
  address: order.shipping.address,
  amounts: documentAmounts(39, order.lines),
};
const caf = { from: 1, to: 100, authorizedOn: '2026-11-01', keyId: 100 };
const signature = {
  signedAt: at(1),
  certificateSha256: 'b'.repeat(64),
  certificateSubject: 'CN=MTD Test Signer',
  certificateNotAfter: '2027-11-24T00:00:00.000Z',
};

const issueDte = (doc: DteDocument = document): DteCommand => ({
  type: 'IssueDte',
  document: doc,
  xml: '<DTE/>',
  ted: '<TED/>',
  caf,
  signature,
});

const dteIssued: DomainEvent = {
  type: DteIssuedV2.detailType,
  data: {
    orderId: 'PO-1001',
    dteType: 39,
    folio: 7,
    issuedAt: at(1),
    net: 16790,
    iva: 3190,
    total: 19980,
    gross: 19980,
    customer: order.customer,
    lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990, lineTotal: 19980 }],
    issuer: {
      rut: testIssuer.rut,
      name: testIssuer.name,
      giro: testIssuer.giro,
      address: testIssuer.address,
      comuna: testIssuer.comuna,
      resolution: testIssuer.resolution,
    },
    xml: '<DTE/>',
    ted: '<TED/>',
    caf,
    signature,
  },
};

const failed = (attempt: number, maxAttempts = 3, final = false): DomainEvent => ({
  type: DteBroadcastFailedV2.detailType,
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

const received = (attempt: number, trackId = 'T-1'): DomainEvent => ({
  type: DteBroadcastV2.detailType,
  data: {
    orderId: 'PO-1001',
    dteType: 39,
    folio: 7,
    broadcastAt: at(attempt + 1),
    attempt,
    trackId,
    status: 'received',
    objections: [],
  },
});

const accepted = (attempt: number, objections: string[] = []): DomainEvent => ({
  type: DteBroadcastV2.detailType,
  data: {
    orderId: 'PO-1001',
    dteType: 39,
    folio: 7,
    broadcastAt: at(30),
    attempt,
    trackId: 'T-1',
    status: objections.length > 0 ? 'accepted-with-objections' : 'accepted',
    siiStatus: 'EPR',
    objections,
  },
});

const attempt = (
  n: number,
  result: { ok: true; trackId: string } | { ok: false; error: string; retryable: boolean },
  type: 'RecordBroadcastAttempt' | 'RequestBroadcastRetry' = 'RecordBroadcastAttempt',
  maxAttempts = 3,
): DteCommand => ({ type, attempt: n, at: at(n + 1), result, maxAttempts, nextAttemptAt: at(n + 10) });

const unavailable = { ok: false, error: 'HTTP 503', retryable: true } as const;

const verdict = (
  v: Extract<DteCommand, { type: 'RecordSiiVerdict' }>['verdict'],
  trackId = 'T-1',
): DteCommand => ({
  type: 'RecordSiiVerdict',
  trackId,
  at: at(30),
  verdict: v,
});

describe('decideDte', () => {
  describe('IssueDte', () => {
    it('issues the DTE with the amounts, type, lines, TED and signature of the document', () => {
      spec.given([]).when(issueDte()).then([dteIssued]);
    });

    it("states a factura's amounts as the document computed them (total = net + IVA, gross apart)", () => {
      const factura = anAcceptedOrder({
        customer: { taxId: '76123456-7' },
        lines: [aLine({ quantity: 1, unitPrice: 680 })],
      });
      const [event] = decide(
        issueDte({
          ...document,
          dteType: 33,
          customer: factura.customer,
          amounts: documentAmounts(33, factura.lines),
        }),
        initialState(),
      );
      expect(event?.type === DteIssuedV2.detailType && event.data).toMatchObject({
        dteType: 33,
        net: 571,
        iva: 108,
        total: 679,
        gross: 680,
      });
    });

    it('is a no-op once issued (a redelivery or a late retry)', () => {
      spec.given([dteIssued]).when(issueDte()).thenNothing();
      spec
        .given([dteIssued, received(1)])
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

    it('refuses an event over the EventBridge limit (checked earlier with an allowance)', () => {
      spec
        .given([])
        .when({ ...issueDte(), xml: `<DTE>${'x'.repeat(251 * 1024)}</DTE>` } as DteCommand)
        .thenThrows(DteTooLargeError, /DteIssued event of order PO-1001/);
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
    it('records an upload the SII received as DteBroadcast received, with its track id', () => {
      spec
        .given([dteIssued])
        .when(attempt(1, { ok: true, trackId: 'T-1' }))
        .then([received(1)]);
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

    it("marks a refused upload final at once, with the SII's verdict: resending cannot help", () => {
      const rejection = { siiStatus: 'UPL-7', reasons: ['Error de schema'] };
      spec
        .given([dteIssued])
        .when({
          ...attempt(1, { ok: false, error: 'refused', retryable: false }),
          result: { ok: false, error: 'refused', retryable: false, rejection },
        } as DteCommand)
        .then([
          {
            ...failed(1, 3, true),
            data: { ...failed(1, 3, true).data, error: 'refused', failedAt: at(2), rejection },
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
        .given([dteIssued, received(1)])
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

    it('can succeed at once and then the SII has the document', () => {
      spec
        .given(spent)
        .when(attempt(4, { ok: true, trackId: 'T-1' }, 'RequestBroadcastRetry', 6))
        .then([received(4)]);
      expect([...spent, received(4)].reduce(evolve, initialState())).toMatchObject({
        status: 'submitted',
        trackId: 'T-1',
        attempts: 4,
      });
    });

    it('is a no-op unless the broadcast is in exception', () => {
      spec
        .given([dteIssued, failed(1)])
        .when(attempt(2, unavailable, 'RequestBroadcastRetry', 5))
        .thenNothing();
      spec
        .given([dteIssued, received(1)])
        .when(attempt(2, unavailable, 'RequestBroadcastRetry', 5))
        .thenNothing();
      spec
        .given(spent)
        .when(attempt(5, unavailable, 'RequestBroadcastRetry', 6))
        .thenNothing();
    });
  });

  describe('RecordSiiVerdict (the status queried by track id)', () => {
    it("records an acceptance, and one with objections with the SII's reparos", () => {
      spec
        .given([dteIssued, received(1)])
        .when(verdict({ kind: 'accepted', siiStatus: 'EPR' }))
        .then([accepted(1)]);
      spec
        .given([dteIssued, received(1)])
        .when(
          verdict({ kind: 'accepted-with-objections', siiStatus: 'EPR', objections: ['Giro no informado'] }),
        )
        .then([accepted(1, ['Giro no informado'])]);
      expect([dteIssued, received(1), accepted(1)].reduce(evolve, initialState())).toMatchObject({
        status: 'broadcast',
        verdict: 'accepted',
        trackId: 'T-1',
      });
    });

    it("turns a rejection into a final failure with the SII's reasons: an operator exception", () => {
      const [event] = decide(
        verdict({ kind: 'rejected', siiStatus: 'RFR', reasons: ['Firma del DTE T39F7 inválida'] }),
        [dteIssued, received(1)].reduce(evolve, initialState()),
      );
      expect(event).toMatchObject({
        type: DteBroadcastFailedV2.detailType,
        data: {
          attempt: 1,
          final: true,
          trackId: 'T-1',
          rejection: { siiStatus: 'RFR', reasons: ['Firma del DTE T39F7 inválida'] },
          error: 'El SII rechazó el envío T-1 (RFR): Firma del DTE T39F7 inválida',
        },
      });
      const state = [dteIssued, received(1), event as DomainEvent].reduce(evolve, initialState());
      expect(state).toMatchObject({ status: 'exception', stage: 'dte-broadcast' });
      // The operator's retry starts a new round from there.
      spec
        .given([dteIssued, received(1), event as DomainEvent])
        .when(attempt(2, { ok: true, trackId: 'T-2' }, 'RequestBroadcastRetry', 4))
        .then([received(2, 'T-2')]);
    });

    it('ignores a verdict on another envelope, or once judged', () => {
      spec
        .given([dteIssued, received(1)])
        .when(verdict({ kind: 'accepted', siiStatus: 'EPR' }, 'T-OLD'))
        .thenNothing();
      spec
        .given([dteIssued, received(1), accepted(1)])
        .when(verdict({ kind: 'accepted', siiStatus: 'EPR' }))
        .thenNothing();
      spec
        .given([dteIssued])
        .when(verdict({ kind: 'accepted', siiStatus: 'EPR' }))
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
      const state = [dteIssued, received(1), accepted(1)].reduce(evolve, initialState());
      expect(evolve(state, dteIssued)).toBe(state);
      expect(evolve(state, failed(1))).toBe(state);
    });
  });
});
