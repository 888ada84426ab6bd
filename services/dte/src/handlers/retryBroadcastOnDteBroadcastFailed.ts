import { DteBroadcastFailedV2 } from '@mtd/contracts';
import type { EventHandler } from '@mtd/platform';
import { attemptBroadcast } from '#src/attemptBroadcast';
import type { DteDeps } from '#src/dteDeps';
import { UnexpectedEventError } from '#src/unexpectedEventError';

/**
 * Subscription `retryBroadcastOnDteBroadcastFailed`: the next attempt after a failed one that was
 * not final. Until the attempt is due it answers `{ retryAt }`, a non-blocking backoff the runtime
 * honours without counting a failure.
 */
export function retryBroadcastOnDteBroadcastFailed(deps: DteDeps): EventHandler {
  return async (event, context) => {
    if (event.type !== DteBroadcastFailedV2.detailType) {
      throw new UnexpectedEventError('retryBroadcastOnDteBroadcastFailed', event.type);
    }
    if (context.replayName) return;
    const { orderId, attempt, maxAttempts, final, nextAttemptAt } = event.data;
    if (final) return;
    if (nextAttemptAt && deps.clock.now().getTime() < Date.parse(nextAttemptAt)) {
      return { retryAt: new Date(nextAttemptAt) };
    }
    await attemptBroadcast(
      deps,
      orderId,
      { causationId: event.metadata.eventId, correlationId: orderId, actor: 'system' },
      // Only the latest failure leads to a retry: an older one (redelivered late) finds more attempts.
      (state) =>
        state.status === 'issued' && state.attempts === attempt
          ? {
              command: 'RecordBroadcastAttempt',
              attempt: attempt + 1,
              maxAttempts,
              attemptInRound: attempt + 1 - state.roundStart,
            }
          : undefined,
    );
  };
}
