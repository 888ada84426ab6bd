import {
  type DataOf,
  type DomainEvent,
  DteBroadcastFailedV1,
  DteBroadcastV1,
  DteIssuanceFailedV1,
  DteIssuedV1,
  type PurchaseOrder,
} from '@mtd/contracts';
import { dteAmounts, dteTypeFor } from './amounts';
import { type DteState, isBroadcastable } from './dte';
import { maxDteXmlBytes, xmlBytes } from './dteXml';

export type DteIssuedData = DataOf<typeof DteIssuedV1.detailType>;

/** Issue the order's DTE with a folio already reserved for it and its XML already built. */
export interface IssueDte {
  type: 'IssueDte';
  order: PurchaseOrder;
  folio: number;
  issuedAt: string;
  xml: string;
}

/** The DTE cannot be issued (a problem no redelivery fixes); the order goes to exception. */
export interface RecordIssuanceFailure {
  type: 'RecordIssuanceFailure';
  orderId: string;
  failedAt: string;
  reason: string;
}

export type BroadcastResult =
  | { ok: true; trackId: string }
  /** `retryable: false` when the tax authority rejected the document: resending it cannot help. */
  | { ok: false; error: string; retryable: boolean };

interface BroadcastAttempt {
  /** The attempt number: one more than the attempts the stream holds, over every round. */
  attempt: number;
  /** When the attempt finished. */
  at: string;
  result: BroadcastResult;
  /** The attempt number at which the current round is spent. */
  maxAttempts: number;
  /** When to try again if this attempt failed and was not the last. */
  nextAttemptAt?: string;
}

/** The outcome of one automatic attempt (the first, or a backoff retry) of the current round. */
export interface RecordBroadcastAttempt extends BroadcastAttempt {
  type: 'RecordBroadcastAttempt';
}

/**
 * The outcome of the first attempt of a new round an operator asked for from exception. Attempt
 * numbers keep counting (a round of 5 after 5 spent attempts is attempts 6..10, maxAttempts 10), so
 * every attempt in the stream has its own number and "attempt = attempts + 1" still tells a fresh
 * attempt from a stale redelivery; what resets is the round's budget and its backoff.
 */
export interface RequestBroadcastRetry extends BroadcastAttempt {
  type: 'RequestBroadcastRetry';
}

export type DteCommand = IssueDte | RecordIssuanceFailure | RecordBroadcastAttempt | RequestBroadcastRetry;

/** The document would break the DteIssued contract (XML over its size limit). */
export class DteTooLargeError extends Error {
  override readonly name = 'DteTooLargeError';
  constructor(
    readonly orderId: string,
    readonly bytes: number,
    readonly what: string,
    readonly limit: number,
  ) {
    super(`the ${what} of order ${orderId} would be ${bytes} bytes, over the ${limit}-byte limit`);
  }
}

/** A command that cannot be right whatever the state (a handler bug, not a race). */
export class InvalidDteCommandError extends Error {
  override readonly name = 'InvalidDteCommandError';
}

/** Whether the state still lacks an issued document (never issued, or its issuance failed). */
export function awaitsIssuance(state: DteState): boolean {
  return state.status === 'none' || (state.status === 'exception' && state.stage === 'dte-issuance');
}

/**
 * Why this document cannot be issued, or undefined. A problem here is permanent for the order, so
 * the handler checks it (with the widest folio) before reserving a folio, which must never be left
 * unused: the XML must fit the DteIssued contract, and the whole event EventBridge's entry limit.
 */
export function issuanceProblem(event: DteIssuedData): DteTooLargeError | undefined {
  const xml = xmlBytes(event.xml);
  if (xml > maxDteXmlBytes) return new DteTooLargeError(event.orderId, xml, 'DTE XML', maxDteXmlBytes);
  const whole = xmlBytes(JSON.stringify(event));
  if (whole > maxDteIssuedDataBytes) {
    return new DteTooLargeError(event.orderId, whole, 'DteIssued event', maxDteIssuedDataBytes);
  }
  return undefined;
}

/** EventBridge's 256 KB entry limit (DESIGN §2), less room for the envelope metadata. */
export const maxDteIssuedDataBytes = 250 * 1024;

function issuedEvent({ order, folio, issuedAt, xml }: IssueDte): DteIssuedData {
  const { lines, net, iva, total } = dteAmounts(order.lines);
  return {
    orderId: order.orderId,
    dteType: dteTypeFor(order.customer),
    folio,
    issuedAt,
    net,
    iva,
    total,
    customer: order.customer,
    lines,
    xml,
  };
}

function issue(command: IssueDte, state: DteState): DomainEvent[] {
  // Issued once: a redelivered OrderAccepted or a late operator retry finds the document there.
  if (!awaitsIssuance(state)) return [];
  const data = issuedEvent(command);
  const problem = issuanceProblem(data);
  if (problem) throw problem;
  return [{ type: DteIssuedV1.detailType, data }];
}

/** The DteIssued an IssueDte would emit, for checking it before a folio is reserved. */
export const draftIssuedEvent = issuedEvent;

function failIssuance(command: RecordIssuanceFailure, state: DteState): DomainEvent[] {
  if (!awaitsIssuance(state)) return [];
  const { orderId, failedAt, reason } = command;
  return [{ type: DteIssuanceFailedV1.detailType, data: { orderId, failedAt, reason } }];
}

function recordAttempt(
  command: BroadcastAttempt,
  state: DteState,
  from: 'issued' | 'exception',
): DomainEvent[] {
  // Stale: already broadcast, not in the state this command acts on, or an attempt that is not the
  // next one (a redelivered trigger whose attempt someone else already recorded).
  if (!isBroadcastable(state) || state.status !== from || command.attempt !== state.attempts + 1) return [];
  const { orderId, dteType, folio } = state;
  const { attempt, at, result, maxAttempts } = command;
  if (result.ok) {
    return [
      {
        type: DteBroadcastV1.detailType,
        data: { orderId, dteType, folio, broadcastAt: at, attempt, trackId: result.trackId },
      },
    ];
  }
  const final = !result.retryable || attempt >= maxAttempts;
  if (!final && !command.nextAttemptAt) {
    throw new InvalidDteCommandError(
      `attempt ${attempt} of ${maxAttempts} failed and is not final: nextAttemptAt is required`,
    );
  }
  return [
    {
      type: DteBroadcastFailedV1.detailType,
      data: {
        orderId,
        dteType,
        folio,
        failedAt: at,
        attempt,
        maxAttempts,
        error: result.error,
        final,
        ...(final ? {} : { nextAttemptAt: command.nextAttemptAt }),
      },
    },
  ];
}

/** decide(command, state) -> events; [] when the command is a no-op in this state. */
export function decide(command: DteCommand, state: DteState): DomainEvent[] {
  switch (command.type) {
    case 'IssueDte':
      return issue(command, state);
    case 'RecordIssuanceFailure':
      return failIssuance(command, state);
    case 'RecordBroadcastAttempt':
      return recordAttempt(command, state, 'issued');
    case 'RequestBroadcastRetry':
      return recordAttempt(command, state, 'exception');
    default: {
      const unexpected: never = command;
      throw new InvalidDteCommandError(`unknown command ${JSON.stringify(unexpected)}`);
    }
  }
}
