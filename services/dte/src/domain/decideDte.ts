import {
  type DataOf,
  type DomainEvent,
  DteBroadcastFailedV2,
  DteBroadcastV2,
  DteIssuanceFailedV1,
  DteIssuedV2,
  type SiiRejection,
} from '@mtd/contracts';
import { type DteState, isBroadcastable } from './dte';
import type { DteDocument } from './dteXml';
import { maxDteIssuedDataBytes } from './issuance';

export type DteIssuedData = DataOf<typeof DteIssuedV2.detailType>;

/**
 * Issue the order's DTE: the document (with the folio reserved for it), stamped and signed. Every
 * figure in the event comes from `document`, computed once by the issuance rule (issuance.ts).
 */
export interface IssueDte {
  type: 'IssueDte';
  document: DteDocument;
  /** The signed DTE, standalone. */
  xml: string;
  /** The TED inside it. */
  ted: string;
  caf: NonNullable<DteIssuedData['caf']>;
  signature: NonNullable<DteIssuedData['signature']>;
}

/** The DTE cannot be issued (a problem no redelivery fixes); the order goes to exception. */
export interface RecordIssuanceFailure {
  type: 'RecordIssuanceFailure';
  orderId: string;
  failedAt: string;
  reason: string;
}

export type BroadcastResult =
  /** The tax authority received the envelope: its track id; the verdict comes later. */
  | { ok: true; trackId: string }
  /** `retryable: false` when the tax authority refused the envelope: resending it cannot help. */
  | { ok: false; error: string; retryable: boolean; rejection?: SiiRejection };

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

/** The SII's verdict on an envelope it received, queried by track id. */
export type SiiVerdict =
  | { kind: 'accepted'; siiStatus: string }
  | { kind: 'accepted-with-objections'; siiStatus: string; objections: string[] }
  | { kind: 'rejected'; siiStatus: string; reasons: string[] };

/** Record the SII's verdict on the envelope `trackId` (a stale track id is a no-op). */
export interface RecordSiiVerdict {
  type: 'RecordSiiVerdict';
  trackId: string;
  at: string;
  verdict: SiiVerdict;
}

export type DteCommand =
  | IssueDte
  | RecordIssuanceFailure
  | RecordBroadcastAttempt
  | RequestBroadcastRetry
  | RecordSiiVerdict;

/** The DteIssued event would break its contract (XML or event over the size limits). */
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

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

function issuedEvent({ document, xml, ted, caf, signature }: IssueDte): DteIssuedData {
  const { issuer, amounts } = document;
  return {
    orderId: document.orderId,
    dteType: document.dteType,
    folio: document.folio,
    issuedAt: document.issuedAt,
    net: amounts.net,
    iva: amounts.iva,
    total: amounts.total,
    gross: amounts.gross,
    customer: document.customer,
    lines: amounts.lines,
    issuer: {
      rut: issuer.rut,
      name: issuer.name,
      giro: issuer.giro,
      address: issuer.address,
      comuna: issuer.comuna,
      resolution: issuer.resolution,
    },
    xml,
    ted,
    caf,
    signature,
  };
}

function issue(command: IssueDte, state: DteState): DomainEvent[] {
  // Issued once: a redelivered OrderAccepted or a late operator retry finds the document there.
  if (!awaitsIssuance(state)) return [];
  const data = issuedEvent(command);
  // Checked before the folio was taken (issuance.ts, with an allowance); this is the exact check.
  const whole = utf8Bytes(JSON.stringify(data));
  if (whole > maxDteIssuedDataBytes) {
    throw new DteTooLargeError(data.orderId, whole, 'DteIssued event', maxDteIssuedDataBytes);
  }
  return [{ type: DteIssuedV2.detailType, data }];
}

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
  // Stale: already sent, not in the state this command acts on, or an attempt that is not the next
  // one (a redelivered trigger whose attempt someone else already recorded).
  if (!isBroadcastable(state) || state.status !== from || command.attempt !== state.attempts + 1) return [];
  const { orderId, dteType, folio } = state;
  const { attempt, at, result, maxAttempts } = command;
  if (result.ok) {
    return [
      {
        type: DteBroadcastV2.detailType,
        data: {
          orderId,
          dteType,
          folio,
          broadcastAt: at,
          attempt,
          trackId: result.trackId,
          status: 'received',
          objections: [],
        },
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
      type: DteBroadcastFailedV2.detailType,
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
        ...(result.rejection ? { rejection: result.rejection } : {}),
      },
    },
  ];
}

/** The SII's words, cut to the contract's limits (50 reasons of 500 characters). */
function siiWords(items: readonly string[]): string[] {
  const kept = items.map((item) => item.trim().slice(0, 500)).filter((item) => item.length > 0);
  return kept.slice(0, 50);
}

function recordVerdict(command: RecordSiiVerdict, state: DteState): DomainEvent[] {
  // Only the verdict on the envelope the stream is waiting for; anything else is stale.
  if (state.status !== 'submitted' || state.trackId !== command.trackId) return [];
  const { orderId, dteType, folio, attempts } = state;
  const { verdict, at, trackId } = command;
  switch (verdict.kind) {
    case 'accepted':
    case 'accepted-with-objections':
      return [
        {
          type: DteBroadcastV2.detailType,
          data: {
            orderId,
            dteType,
            folio,
            broadcastAt: at,
            attempt: attempts,
            trackId,
            status: verdict.kind,
            siiStatus: verdict.siiStatus.slice(0, 20),
            objections: verdict.kind === 'accepted' ? [] : siiWords(verdict.objections),
          },
        },
      ];
    case 'rejected': {
      const reasons = siiWords(verdict.reasons);
      const rejection = {
        siiStatus: verdict.siiStatus.slice(0, 20) || 'RCH',
        reasons: reasons.length > 0 ? reasons : ['(sin detalle)'],
      };
      return [
        {
          type: DteBroadcastFailedV2.detailType,
          data: {
            orderId,
            dteType,
            folio,
            failedAt: at,
            // The verdict is on the attempt that uploaded the envelope; it is final: resending the
            // same document cannot change it (an operator fixes the cause and retries).
            attempt: attempts,
            maxAttempts: Math.max(state.maxAttempts, attempts),
            error: `El SII rechazó el envío ${trackId} (${rejection.siiStatus}): ${rejection.reasons.join('; ')}`,
            final: true,
            trackId,
            rejection,
          },
        },
      ];
    }
    default: {
      const unexpected: never = verdict;
      throw new InvalidDteCommandError(`unknown verdict ${JSON.stringify(unexpected)}`);
    }
  }
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
    case 'RecordSiiVerdict':
      return recordVerdict(command, state);
    default: {
      const unexpected: never = command;
      throw new InvalidDteCommandError(`unknown command ${JSON.stringify(unexpected)}`);
    }
  }
}
