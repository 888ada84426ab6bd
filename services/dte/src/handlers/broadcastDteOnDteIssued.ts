import { DteIssuedV2 } from '@mtd/contracts';
import type { EventHandler } from '@mtd/platform';
import { attemptBroadcast } from '#src/attemptBroadcast';
import type { DteDeps } from '#src/dteDeps';
import { UnexpectedEventError } from '#src/unexpectedEventError';

/** Subscription `broadcastDteOnDteIssued`: the first attempt to send a new DTE to the tax authority. */
export function broadcastDteOnDteIssued(deps: DteDeps): EventHandler {
  return async (event, context) => {
    if (event.type !== DteIssuedV2.detailType)
      throw new UnexpectedEventError('broadcastDteOnDteIssued', event.type);
    // An external effect: a replayed DteIssued must not send the document again.
    if (context.replayName) return;
    const { orderId, folio } = event.data;
    await attemptBroadcast(
      deps,
      orderId,
      { causationId: event.metadata.eventId, correlationId: orderId, actor: 'system' },
      (state) =>
        state.status === 'issued' && state.folio === folio && state.attempts === 0
          ? {
              command: 'RecordBroadcastAttempt',
              attempt: 1,
              maxAttempts: deps.broadcast.maxAttempts,
              attemptInRound: 1,
            }
          : undefined,
    );
  };
}
