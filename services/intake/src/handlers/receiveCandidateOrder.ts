import { type DomainEvent, type RejectionReason, Streams } from '@mtd/contracts';
import { type CommandHandlerDeps, commandHandler, EventTooLargeError } from '@mtd/platform';
import { contentHashOf } from '#adapters/contentHash';
import type { OrderFormat } from '#adapters/orderDocumentParser';
import { evolve, initialState, type OrderState } from '#domain/order';
import { decide, OrderConflictError, type ReceiveOrder } from '#domain/receiveOrder';
import {
  defaultIntakePolicy,
  type IntakePolicy,
  type OrderCandidate,
  orderIdOf,
  unidentifiedReasons,
  validateOrder,
} from '#domain/validateOrder';

/**
 * The event store refuses a commit over 380 KB (one DynamoDB item of 400 KB, less keys and names;
 * platform's DynamoEventStore). Intake measures its commit before appending, so an order that would
 * not fit is refused with its size instead of failing in the store.
 */
export const maxCommitBytes = 380 * 1024;
/** The envelope's metadata the store adds to each event (ids, times, stream, actor), generously. */
const metadataBytesPerEvent = 1024;

/** Intake's dependencies: the command handler's, and optionally the plausibility policy and commit limit. */
export interface IntakeHandlerDeps extends CommandHandlerDeps {
  policy?: Partial<IntakePolicy>;
  /** Defaults to {@link maxCommitBytes}; a smaller store (or a test) may lower it. */
  maxCommitBytes?: number;
}

/** What happened to one order: the single outcome both the HTTP and the batch entry report. */
export type OrderOutcome =
  | { outcome: 'accepted'; orderId: string; duplicate: boolean }
  | { outcome: 'rejected'; orderId: string; duplicate: boolean; problems: RejectionReason[] }
  | { outcome: 'conflict'; orderId: string; message: string }
  | { outcome: 'unidentified'; problems: RejectionReason[] }
  /** Too big to store as one commit: nothing recorded. */
  | { outcome: 'too_large'; orderId: string; bytes: number; limit: number; problems: RejectionReason[] };

export interface CandidateOrderInput {
  candidate: OrderCandidate;
  /** Structural problems the parser found inside this order; they reject it. */
  problems?: RejectionReason[];
  raw: string;
  format: OrderFormat;
  via: 'http' | 'batch';
  batch?: { file: string; index: number };
  /** The request or file run this order arrived in. */
  causationId: string;
}

/** The order's commit would be over the store's item limit. */
class CommitTooLargeError extends Error {
  override readonly name = 'CommitTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the order's record is ${bytes} bytes, over the ${limit}-byte limit of one stored item`);
  }
}

const handle = commandHandler<OrderState>({ initialState, evolve });

/**
 * Validate at the edge, then load, decide and append on `order-<orderId>`. Idempotency is by content
 * hash in the decider, not by cause: every HTTP request has a new id, yet a resend must be a no-op.
 */
export async function receiveCandidateOrder(
  deps: IntakeHandlerDeps,
  input: CandidateOrderInput,
): Promise<OrderOutcome> {
  const { candidate } = input;
  const structural = input.problems ?? [];
  const orderId = orderIdOf(candidate);
  // Without a usable id there is no stream to record it in; the caller answers, nothing is stored.
  if (orderId === undefined) {
    return { outcome: 'unidentified', problems: [...structural, ...unidentifiedReasons(candidate)] };
  }
  const receivedAt = deps.clock.now().toISOString();
  const command: ReceiveOrder = {
    orderId,
    receivedAt,
    via: input.via,
    format: input.format,
    contentHash: contentHashOf(candidate, structural),
    raw: input.raw,
    ...(input.batch ? { batch: input.batch } : {}),
    validation: validateOrder(candidate, {
      receivedAt,
      policy: { ...defaultIntakePolicy, ...deps.policy },
      structural,
    }),
  };
  const limit = deps.maxCommitBytes ?? maxCommitBytes;
  try {
    const result = await handle(
      deps,
      Streams.order(orderId),
      { causationId: input.causationId, correlationId: orderId, actor: actorFor(candidate) },
      (state) => fitting(decide(command, state), limit),
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
    // The store's own check is the backstop of ours (its envelope may count a few bytes more).
    if (error instanceof CommitTooLargeError || error instanceof EventTooLargeError) {
      return tooLarge(orderId, error.bytes, error.limit);
    }
    throw error;
  }
}

function fitting(events: DomainEvent[], limit: number): DomainEvent[] {
  if (events.length === 0) return events;
  const bytes =
    Buffer.byteLength(JSON.stringify(events.map((event) => event.data))) +
    events.length * metadataBytesPerEvent;
  if (bytes > limit) throw new CommitTooLargeError(bytes, limit);
  return events;
}

function tooLarge(orderId: string, bytes: number, limit: number): OrderOutcome {
  return {
    outcome: 'too_large',
    orderId,
    bytes,
    limit,
    problems: [
      {
        path: '(document)',
        code: 'order_too_large',
        message: `order ${orderId} would take ${bytes} bytes to record, over the limit of ${limit} bytes for one stored order; split it into several orders or shorten its texts`,
      },
    ],
  };
}

/** `partner:<channel>`; the channel is only a label here, so anything odd becomes `unknown`. */
function actorFor(candidate: OrderCandidate): string {
  const { channel } = candidate;
  return `partner:${typeof channel === 'string' && /^[\w.-]{1,40}$/.test(channel) ? channel : 'unknown'}`;
}
