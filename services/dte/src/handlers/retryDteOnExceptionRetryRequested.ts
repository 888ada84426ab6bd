import { ExceptionRetryRequestedV1, OrderAcceptedV1, Streams } from '@mtd/contracts';
import type { EventHandler } from '@mtd/platform';
import { attemptBroadcast } from '#src/attemptBroadcast';
import type { DteDeps } from '#src/dteDeps';
import { issueDte } from '#src/issueDte';
import { UnexpectedEventError } from '#src/unexpectedEventError';

/** An operator asked to re-run the issuance of an order whose accepted order cannot be found. */
export class AcceptedOrderNotFoundError extends Error {
  override readonly name = 'AcceptedOrderNotFoundError';
  constructor(readonly orderId: string) {
    super(`no OrderAccepted for ${orderId}: there is nothing to issue a DTE for`);
  }
}

/**
 * Subscription `retryDteOnExceptionRetryRequested`: an operator's retry of an order in exception.
 * `dte-broadcast` starts a new round of attempts (maxAttempts more, backoff from the start);
 * `dte-issuance` runs the issuance again. A retry of an order not in that exception is a no-op.
 */
export function retryDteOnExceptionRetryRequested(deps: DteDeps): EventHandler {
  return async (event, context) => {
    if (event.type !== ExceptionRetryRequestedV1.detailType) {
      throw new UnexpectedEventError('retryDteOnExceptionRetryRequested', event.type);
    }
    // The retry sends to the tax authority: an external effect, so a replay does nothing.
    if (context.replayName) return;
    const { orderId, stage } = event.data;
    // The operator who asked is the actor of what follows, for the audit log.
    const cause = {
      causationId: event.metadata.eventId,
      correlationId: orderId,
      actor: event.metadata.actor,
    };
    switch (stage) {
      case 'dte-broadcast':
        await attemptBroadcast(deps, orderId, cause, (state) =>
          state.status === 'exception'
            ? {
                command: 'RequestBroadcastRetry',
                attempt: state.attempts + 1,
                maxAttempts: state.attempts + deps.broadcast.maxAttempts,
                attemptInRound: 1,
              }
            : undefined,
        );
        return;
      case 'dte-issuance': {
        // The order travels in OrderAccepted only; DteIssuanceFailed carries no copy of it, so read
        // the published event back from the event store (see README, contract note).
        const { events } = await deps.store.readStream(Streams.order(orderId));
        const accepted = events.findLast((e) => e.type === OrderAcceptedV1.detailType);
        if (!accepted || accepted.type !== OrderAcceptedV1.detailType)
          throw new AcceptedOrderNotFoundError(orderId);
        await issueDte(deps, accepted.data.order, cause);
        return;
      }
      case 'notification':
        return;
      default: {
        const unexpected: never = stage;
        throw new UnexpectedEventError('retryDteOnExceptionRetryRequested', `stage ${String(unexpected)}`);
      }
    }
  };
}
