import { type RejectionReason, Streams } from '@mtd/contracts';
import { type CommandHandlerDeps, commandHandler } from '@mtd/platform';
import { contentHashOf } from '#adapters/contentHash';
import type { OrderFormat } from '#adapters/orderDocumentParser';
import { evolve, initialState, type OrderState } from '#domain/order';
import { decide, OrderConflictError, type ReceiveOrder } from '#domain/receiveOrder';
import { type OrderCandidate, orderIdOf, unidentifiedReasons, validateOrder } from '#domain/validateOrder';

/** What happened to one order: the single outcome both the HTTP and the batch entry report. */
export type OrderOutcome =
  | { outcome: 'accepted'; orderId: string; duplicate: boolean }
  | { outcome: 'rejected'; orderId: string; duplicate: boolean; problems: RejectionReason[] }
  | { outcome: 'conflict'; orderId: string; message: string }
  | { outcome: 'unidentified'; problems: RejectionReason[] };

export interface CandidateOrderInput {
  candidate: OrderCandidate;
  raw: string;
  format: OrderFormat;
  via: 'http' | 'batch';
  batch?: { file: string; index: number };
  /** The request or file run this order arrived in. */
  causationId: string;
}

const handle = commandHandler<OrderState>({ initialState, evolve });

/**
 * Validate at the edge, then load, decide and append on `order-<orderId>`. Idempotency is by content
 * hash in the decider, not by cause: every HTTP request has a new id, yet a resend must be a no-op.
 */
export async function receiveCandidateOrder(
  deps: CommandHandlerDeps,
  input: CandidateOrderInput,
): Promise<OrderOutcome> {
  const { candidate } = input;
  const orderId = orderIdOf(candidate);
  // Without a usable id there is no stream to record it in; the caller answers, nothing is stored.
  if (orderId === undefined) return { outcome: 'unidentified', problems: unidentifiedReasons(candidate) };
  const command: ReceiveOrder = {
    orderId,
    receivedAt: deps.clock.now().toISOString(),
    via: input.via,
    format: input.format,
    contentHash: contentHashOf(candidate),
    raw: input.raw,
    ...(input.batch ? { batch: input.batch } : {}),
    validation: validateOrder(candidate),
  };
  try {
    const result = await handle(
      deps,
      Streams.order(orderId),
      { causationId: input.causationId, correlationId: orderId, actor: actorFor(candidate) },
      (state) => decide(command, state),
      // Most orders are new: append without reading first; a resend finds the stream and re-decides.
      { idempotentByCause: false, assumeNewStream: true },
    );
    const duplicate = result.appended.length === 0;
    const { state } = result;
    switch (state.status) {
      case 'accepted':
        return { outcome: 'accepted', orderId, duplicate };
      case 'rejected':
        return { outcome: 'rejected', orderId, duplicate, problems: state.reasons };
      case 'absent':
        throw new Error(`order ${orderId} is still absent after it was received`);
      default: {
        const unreachable: never = state;
        throw new Error(`unknown order state ${JSON.stringify(unreachable)}`);
      }
    }
  } catch (error) {
    if (error instanceof OrderConflictError) return { outcome: 'conflict', orderId, message: error.message };
    throw error;
  }
}

/** `partner:<channel>`; the channel is only a label here, so anything odd becomes `unknown`. */
function actorFor(candidate: OrderCandidate): string {
  const { channel } = candidate;
  return `partner:${typeof channel === 'string' && /^[\w.-]{1,40}$/.test(channel) ? channel : 'unknown'}`;
}
