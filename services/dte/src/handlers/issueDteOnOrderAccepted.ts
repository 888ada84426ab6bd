import { OrderAcceptedV1 } from '@mtd/contracts';
import type { EventHandler } from '@mtd/platform';
import type { DteDeps } from '#src/dteDeps';
import { issueDte } from '#src/issueDte';
import { UnexpectedEventError } from '#src/unexpectedEventError';

/**
 * Subscription `issueDteOnOrderAccepted`: issue the DTE of every accepted order. Internal effects
 * only (a folio and an event), so replays are welcome: the stream makes them no-ops. An order's dte
 * stream is made by its OrderAccepted, so on the event's certain first delivery (`firstDelivery`)
 * the stream is taken as new and not read; a lost bet costs a read and re-decides (see issueDte).
 */
export function issueDteOnOrderAccepted(deps: DteDeps): EventHandler {
  return async (event, context) => {
    if (event.type !== OrderAcceptedV1.detailType)
      throw new UnexpectedEventError('issueDteOnOrderAccepted', event.type);
    const { order } = event.data;
    await issueDte(
      deps,
      order,
      {
        causationId: event.metadata.eventId,
        correlationId: order.orderId,
        actor: 'system',
      },
      { assumeNewStream: context.firstDelivery === true },
    );
  };
}
