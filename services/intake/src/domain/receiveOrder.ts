import {
  OrderAcceptedV1,
  OrderReceivedV2,
  OrderRejectedV1,
  type PurchaseOrder,
  type RejectionReason,
} from '@mtd/contracts';
import type { OrderEvent, OrderState } from '#domain/order';

/** The verdict on an order's content, reached at the edge before the decision (validation is pure but not the decider's job). */
export type OrderValidation = { ok: true; order: PurchaseOrder } | { ok: false; reasons: RejectionReason[] };

/** Record a raw order that arrived and its verdict. `receivedAt` and the hash come from the edge. */
export interface ReceiveOrder {
  orderId: string;
  receivedAt: string;
  via: 'http' | 'batch';
  format: 'xml' | 'json';
  /** sha256 of the canonical candidate: equal hashes mean an identical resend. */
  contentHash: string;
  raw: string;
  batch?: { file: string; index: number };
  validation: OrderValidation;
}

/** The order id was already accepted with different content; an accepted order is never replaced. */
export class OrderConflictError extends Error {
  override readonly name = 'OrderConflictError';
  constructor(
    readonly orderId: string,
    readonly acceptedContentHash: string,
    readonly receivedContentHash: string,
  ) {
    super(
      `order ${orderId} was already accepted with different content; an accepted order cannot be changed. ` +
        'Send a new order id, or resend exactly the accepted content',
    );
  }
}

/**
 * absent -> received + verdict, in one commit so no reader ever sees an order without its verdict.
 * The same content again is a no-op whatever the first verdict was (unless a rejected order now
 * passes: plausibility depends on when it arrives). Different content is a conflict
 * once accepted (DTE may already be issued for it), but a fresh attempt after a rejection, because
 * fixing the order and resending it under the same id is what we ask partners to do.
 */
export function decide(command: ReceiveOrder, state: OrderState): OrderEvent[] {
  switch (state.status) {
    case 'absent':
      return receiveWithVerdict(command);
    case 'accepted':
      if (state.contentHash === command.contentHash) return [];
      throw new OrderConflictError(command.orderId, state.contentHash, command.contentHash);
    case 'rejected':
      // The same content is a no-op, unless it now passes: a verdict that depended on the time it
      // arrived (a placedAt ahead of our clock) must not stick to an order that is valid today.
      return state.contentHash === command.contentHash && !command.validation.ok
        ? []
        : receiveWithVerdict(command);
    default: {
      const unreachable: never = state;
      throw new Error(`unknown order state ${JSON.stringify(unreachable)}`);
    }
  }
}

function receiveWithVerdict(command: ReceiveOrder): OrderEvent[] {
  const { orderId, receivedAt, via, format, contentHash, raw, batch, validation } = command;
  const received: OrderEvent = {
    type: OrderReceivedV2.detailType,
    data: {
      orderId,
      receivedAt,
      source: via === 'batch' && batch ? { kind: 'batch', ...batch } : { kind: 'http' },
      format,
      contentHash,
      raw,
      rawBytes: new TextEncoder().encode(raw).length,
    },
  };
  const verdict: OrderEvent = validation.ok
    ? { type: OrderAcceptedV1.detailType, data: { orderId, acceptedAt: receivedAt, order: validation.order } }
    : {
        type: OrderRejectedV1.detailType,
        data: { orderId, rejectedAt: receivedAt, reasons: validation.reasons },
      };
  return [received, verdict];
}
