import {
  OrderAcceptedV1,
  OrderReceivedV2,
  OrderRejectedV1,
  type OrderSource,
  type RejectionReason,
} from '@mtd/contracts';
import { deciderSpec } from '@mtd/platform/testing';
import { describe, it } from 'vitest';
import { evolve, initialState, type OrderEvent } from '#domain/order';
import { decide, OrderConflictError, type ReceiveOrder } from '#domain/receiveOrder';
import { aPurchaseOrder } from '#src/testing/orderBuilders';

const spec = deciderSpec({ decide, evolve, initialState });

const hashA = 'a'.repeat(64);
const hashB = 'b'.repeat(64);
const receivedAt = '2026-11-24T10:00:01.000Z';
const order = aPurchaseOrder();
const reasons: RejectionReason[] = [
  { path: 'lines[0].unitPrice', code: 'not_integer', message: 'lines[0].unitPrice must be a whole number' },
  { path: 'customer.email', code: 'required', message: 'customer.email is required' },
];

function receiveOrder(overrides: Partial<ReceiveOrder> = {}): ReceiveOrder {
  return {
    orderId: 'PO-1001',
    receivedAt,
    via: 'http',
    format: 'xml',
    contentHash: hashA,
    raw: '<PurchaseOrder id="PO-1001"/>',
    validation: { ok: true, order },
    ...overrides,
  };
}

function received(contentHash = hashA, at = receivedAt, source: OrderSource = { kind: 'http' }): OrderEvent {
  const raw = '<PurchaseOrder id="PO-1001"/>';
  return {
    type: OrderReceivedV2.detailType,
    data: {
      orderId: 'PO-1001',
      receivedAt: at,
      source,
      format: 'xml',
      contentHash,
      raw,
      rawBytes: raw.length,
    },
  };
}
const accepted = (at = receivedAt): OrderEvent => ({
  type: OrderAcceptedV1.detailType,
  data: { orderId: 'PO-1001', acceptedAt: at, order },
});
const rejected = (at = receivedAt): OrderEvent => ({
  type: OrderRejectedV1.detailType,
  data: { orderId: 'PO-1001', rejectedAt: at, reasons },
});

describe('ReceiveOrder', () => {
  it('records a new valid order as received and accepted, in one decision', () => {
    spec.given([]).when(receiveOrder()).then([received(), accepted()]);
  });

  it('records a new invalid order as received and rejected with every reason', () => {
    spec
      .given([])
      .when(receiveOrder({ validation: { ok: false, reasons } }))
      .then([received(), rejected()]);
  });

  it('keeps the batch position of an order that came in a file', () => {
    const batch = { file: 'orders.xml', index: 3 };
    spec
      .given([])
      .when(receiveOrder({ via: 'batch', batch }))
      .then([received(hashA, receivedAt, { kind: 'batch', ...batch }), accepted()]);
  });

  it('does nothing for an identical resend of an accepted order', () => {
    spec.given([received(), accepted()]).when(receiveOrder()).thenNothing();
  });

  it('does nothing for an identical resend of a rejected order', () => {
    spec
      .given([received(), rejected()])
      .when(receiveOrder({ validation: { ok: false, reasons } }))
      .thenNothing();
  });

  it('refuses different content for an accepted order id as a conflict', () => {
    spec
      .given([received(), accepted()])
      .when(receiveOrder({ contentHash: hashB }))
      .thenThrows(OrderConflictError, /PO-1001 was already accepted with different content/);
  });

  it('takes a corrected order after a rejection as a new attempt', () => {
    const later = '2026-11-24T11:00:00.000Z';
    spec
      .given([received(), rejected()])
      .when(receiveOrder({ contentHash: hashB, receivedAt: later }))
      .then([received(hashB, later), accepted(later)]);
  });

  it('remembers the accepted content after a rejected first attempt', () => {
    const later = '2026-11-24T11:00:00.000Z';
    spec
      .given([received(), rejected(), received(hashB, later), accepted(later)])
      .when(receiveOrder({ contentHash: hashB }))
      .thenNothing();
    spec
      .given([received(), rejected(), received(hashB, later), accepted(later)])
      .when(receiveOrder({ contentHash: hashA }))
      .thenThrows(OrderConflictError);
  });

  it('rejects again a second attempt that is still invalid', () => {
    const later = '2026-11-24T11:00:00.000Z';
    spec
      .given([received(), rejected()])
      .when(receiveOrder({ contentHash: hashB, receivedAt: later, validation: { ok: false, reasons } }))
      .then([received(hashB, later), rejected(later)]);
  });
});
