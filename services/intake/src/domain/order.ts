import {
  type DomainEvent,
  OrderAcceptedV1,
  OrderReceivedV2,
  OrderRejectedV1,
  type RejectionReason,
} from '@mtd/contracts';

export type OrderReceived = Extract<DomainEvent, { type: typeof OrderReceivedV2.detailType }>;
export type OrderAccepted = Extract<DomainEvent, { type: typeof OrderAcceptedV1.detailType }>;
export type OrderRejected = Extract<DomainEvent, { type: typeof OrderRejectedV1.detailType }>;
export type OrderEvent = OrderReceived | OrderAccepted | OrderRejected;

/**
 * The order stream as intake sees it. `receivedHash` is the content hash of the latest
 * OrderReceived: the verdict (OrderAccepted/OrderRejected) that follows it in the same commit does
 * not repeat the hash, so the state carries it across from the OrderReceived.
 */
export type OrderState =
  | { status: 'absent'; receivedHash: string | undefined }
  | { status: 'accepted'; orderId: string; contentHash: string; acceptedAt: string }
  | {
      status: 'rejected';
      orderId: string;
      contentHash: string;
      rejectedAt: string;
      reasons: RejectionReason[];
      receivedHash: string | undefined;
    };

export const initialState = (): OrderState => ({ status: 'absent', receivedHash: undefined });

export function evolve(state: OrderState, event: DomainEvent): OrderState {
  switch (event.type) {
    case OrderReceivedV2.detailType:
      // An accepted order never receives again (the decider refuses), so only note the hash before a verdict.
      return state.status === 'accepted' ? state : { ...state, receivedHash: event.data.contentHash };
    case OrderAcceptedV1.detailType:
      return {
        status: 'accepted',
        orderId: event.data.orderId,
        // Falls back to '' only for a history without OrderReceived, which intake never writes; a
        // fold must not throw, or the stream could never be read again.
        contentHash: receivedHashOf(state) ?? '',
        acceptedAt: event.data.acceptedAt,
      };
    case OrderRejectedV1.detailType:
      return {
        status: 'rejected',
        orderId: event.data.orderId,
        contentHash: receivedHashOf(state) ?? '',
        rejectedAt: event.data.rejectedAt,
        reasons: event.data.reasons,
        receivedHash: undefined,
      };
    default:
      // Only order events are written to order streams; anything else leaves the state as it is.
      return state;
  }
}

function receivedHashOf(state: OrderState): string | undefined {
  return state.status === 'accepted' ? state.contentHash : state.receivedHash;
}
