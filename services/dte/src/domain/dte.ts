import {
  type DomainEvent,
  DteBroadcastFailedV2,
  DteBroadcastV2,
  DteIssuanceFailedV1,
  DteIssuedV2,
  type DteType,
} from '@mtd/contracts';

/** The DTE aggregate: one `dte-<orderId>` stream per order (DESIGN §2). */

/** What the stream knows of an issued document. */
export interface IssuedDocument {
  orderId: string;
  dteType: DteType;
  folio: number;
  /** The signed DTE, standalone (XML declaration included). */
  xml: string;
  issuedAt: string;
}

/** Where the broadcast stands: attempt numbers keep counting across operator rounds. */
export interface BroadcastProgress {
  /** Attempts (uploads) made so far, over every round. */
  attempts: number;
  /** Attempts made before the current round began (0 in the first round). */
  roundStart: number;
  /** The attempt number at which the current round is spent (attempt >= maxAttempts is final). */
  maxAttempts: number;
  lastAttemptAt?: string;
  lastError?: string;
  /** When the next attempt of the current round is due. */
  nextAttemptAt?: string;
}

/** The SII's verdict on a document it accepted. */
export type Acceptance = { verdict: 'accepted' | 'accepted-with-objections'; objections: string[] };

export type DteState =
  | { status: 'none' }
  | ({ status: 'issued' } & IssuedDocument & BroadcastProgress)
  /** The SII received the envelope (track id) and has not given its verdict yet. */
  | ({ status: 'submitted'; trackId: string; submittedAt: string } & IssuedDocument & BroadcastProgress)
  /** The SII accepted the document (possibly with objections). */
  | ({ status: 'broadcast'; trackId: string; broadcastAt: string } & Acceptance &
      IssuedDocument &
      BroadcastProgress)
  | ({ status: 'exception'; stage: 'dte-broadcast' } & IssuedDocument & BroadcastProgress)
  | { status: 'exception'; stage: 'dte-issuance'; orderId: string; reason: string; failedAt: string };

export const initialState = (): DteState => ({ status: 'none' });

/** The events written to a dte stream. */
export const dteEventTypes = [
  DteIssuedV2.detailType,
  DteIssuanceFailedV1.detailType,
  DteBroadcastV2.detailType,
  DteBroadcastFailedV2.detailType,
] as const;
export type DteEvent = Extract<DomainEvent, { type: (typeof dteEventTypes)[number] }>;

export function isDteEvent(event: DomainEvent): event is DteEvent {
  return (dteEventTypes as readonly string[]).includes(event.type);
}

/** A document the broadcast can (re)send: issued, or in broadcast exception. */
export type BroadcastableState =
  | Extract<DteState, { status: 'issued' }>
  | Extract<DteState, { stage: 'dte-broadcast' }>;

export function isBroadcastable(state: DteState): state is BroadcastableState {
  return state.status === 'issued' || (state.status === 'exception' && state.stage === 'dte-broadcast');
}

/** A document whose stream holds an issued DTE, whatever became of its broadcast. */
export type DocumentState = Exclude<DteState, { status: 'none' } | { stage: 'dte-issuance' }>;

function documentOf(state: IssuedDocument): IssuedDocument {
  const { orderId, dteType, folio, xml, issuedAt } = state;
  return { orderId, dteType, folio, xml, issuedAt };
}

function progressOf(state: BroadcastProgress): BroadcastProgress {
  const { attempts, roundStart, maxAttempts, lastAttemptAt, lastError } = state;
  return {
    attempts,
    roundStart,
    maxAttempts,
    ...(lastAttemptAt ? { lastAttemptAt } : {}),
    ...(lastError ? { lastError } : {}),
  };
}

/**
 * Folds one event into the state. Events from other streams leave it unchanged; an event that
 * cannot follow the current state (decide never emits one) leaves it unchanged too, so a
 * duplicated or foreign history never corrupts the fold.
 */
export function evolve(state: DteState, event: DomainEvent): DteState {
  if (!isDteEvent(event)) return state;
  switch (event.type) {
    case DteIssuedV2.detailType: {
      if (state.status !== 'none' && !(state.status === 'exception' && state.stage === 'dte-issuance'))
        return state;
      const { orderId, dteType, folio, xml, issuedAt } = event.data;
      return {
        status: 'issued',
        orderId,
        dteType,
        folio,
        xml,
        issuedAt,
        attempts: 0,
        roundStart: 0,
        maxAttempts: 0,
      };
    }
    case DteIssuanceFailedV1.detailType: {
      if (state.status !== 'none' && !(state.status === 'exception' && state.stage === 'dte-issuance'))
        return state;
      const { orderId, reason, failedAt } = event.data;
      return { status: 'exception', stage: 'dte-issuance', orderId, reason, failedAt };
    }
    case DteBroadcastFailedV2.detailType: {
      // A failed upload (issued / in exception), or the SII's rejection of a received one (submitted).
      if (!isBroadcastable(state) && state.status !== 'submitted') return state;
      const { attempt, maxAttempts, failedAt, error, final, nextAttemptAt } = event.data;
      const progress: BroadcastProgress = {
        attempts: attempt,
        // A failure recorded while in exception is the first attempt of an operator's new round.
        roundStart: state.status === 'exception' ? attempt - 1 : state.roundStart,
        maxAttempts,
        lastAttemptAt: failedAt,
        lastError: error,
        ...(!final && nextAttemptAt ? { nextAttemptAt } : {}),
      };
      return final
        ? { status: 'exception', stage: 'dte-broadcast', ...documentOf(state), ...progress }
        : { status: 'issued', ...documentOf(state), ...progress };
    }
    case DteBroadcastV2.detailType: {
      const { attempt, broadcastAt, trackId, status, objections } = event.data;
      if (status === 'received') {
        if (!isBroadcastable(state)) return state;
        return {
          status: 'submitted',
          ...documentOf(state),
          attempts: attempt,
          roundStart: state.status === 'exception' ? attempt - 1 : state.roundStart,
          maxAttempts: state.maxAttempts,
          lastAttemptAt: broadcastAt,
          ...(state.lastError ? { lastError: state.lastError } : {}),
          trackId,
          submittedAt: broadcastAt,
        };
      }
      // A verdict on the envelope received (or, upcast from v1, an acceptance with no receipt before it).
      if (state.status !== 'submitted' && !isBroadcastable(state)) return state;
      if (state.status === 'submitted' && state.trackId !== trackId) return state;
      return {
        status: 'broadcast',
        ...documentOf(state),
        ...progressOf(state),
        attempts: Math.max(state.attempts, attempt),
        roundStart: state.status === 'exception' ? attempt - 1 : state.roundStart,
        lastAttemptAt: broadcastAt,
        trackId,
        broadcastAt,
        verdict: status,
        objections,
      };
    }
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}
