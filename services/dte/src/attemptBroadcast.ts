import type { Cause } from '@mtd/platform';
import { backoffDelayMs } from '@mtd/platform';
import {
  type DteSubmission,
  TaxAuthorityRejectedError,
  TaxAuthorityUnavailableError,
} from '#adapters/taxAuthorityClient';
import { type BroadcastResult, decide } from '#domain/decideDte';
import { type BroadcastableState, isBroadcastable } from '#domain/dte';
import type { DteDeps } from '#src/dteDeps';
import { handleDte, loadDte } from '#src/dteStream';

/** Which attempt to make now, decided from the stream; undefined when there is none to make. */
export interface AttemptPlan {
  command: 'RecordBroadcastAttempt' | 'RequestBroadcastRetry';
  attempt: number;
  maxAttempts: number;
  /** 1 for the first attempt of a round: the backoff grows within a round. */
  attemptInRound: number;
}

/**
 * One broadcast attempt: send the DTE to the tax authority, then record the outcome. Looks at the
 * stream first so a redelivered or stale trigger sends nothing. If the process dies after the tax
 * authority accepted but before the append, the redelivered trigger sends again; the tax authority
 * answers a resend of the same (type, folio) with the original receipt, so the effect is once.
 */
export async function attemptBroadcast(
  deps: DteDeps,
  orderId: string,
  cause: Cause,
  plan: (state: BroadcastableState) => AttemptPlan | undefined,
): Promise<void> {
  const { streamId, state, handled } = await loadDte(deps, orderId, cause);
  if (handled || !isBroadcastable(state)) return;
  const next = plan(state);
  if (!next) return;

  const result = await submit(deps, state);
  const now = deps.clock.now();
  const delay = backoffDelayMs(next.attemptInRound, deps.broadcast, deps.random);
  await handleDte(deps, streamId, cause, (current) =>
    decide(
      {
        type: next.command,
        attempt: next.attempt,
        at: now.toISOString(),
        result,
        maxAttempts: next.maxAttempts,
        nextAttemptAt: new Date(now.getTime() + delay).toISOString(),
      },
      current,
    ),
  );
}

async function submit(deps: DteDeps, { dteType, folio, xml }: DteSubmission): Promise<BroadcastResult> {
  try {
    const { trackId } = await deps.taxAuthority.submit({ dteType, folio, xml });
    return { ok: true, trackId };
  } catch (error) {
    if (error instanceof TaxAuthorityUnavailableError)
      return { ok: false, error: error.message, retryable: true };
    if (error instanceof TaxAuthorityRejectedError)
      return { ok: false, error: error.message, retryable: false };
    throw error;
  }
}
