import { OrderAcceptedV1 } from '@mtd/contracts';
import type { EventHandler } from '@mtd/platform';
import type { DteDeps } from '#src/dteDeps';
import { issueDte } from '#src/issueDte';
import { UnexpectedEventError } from '#src/unexpectedEventError';

/**
 * Subscription `issueDteOnOrderAccepted`: issue the DTE of every accepted order. Internal effects
 * only (a folio and an event), so replays are welcome: the stream makes them no-ops.
 */
export function issueDteOnOrderAccepted(deps: DteDeps): EventHandler {
  return async (event) => {
    if (event.type !== OrderAcceptedV1.detailType)
      throw new UnexpectedEventError('issueDteOnOrderAccepted', event.type);
    const { order } = event.data;
    await issueDte(deps, order, {
      causationId: event.metadata.eventId,
      correlationId: order.orderId,
      actor: 'system',
    });
  };
}
