import { OrderAcceptedV1 } from '@mtd/contracts';
import type { NewEvent } from '../eventStore';

/**
 * A valid OrderAccepted ready to append to `order-<orderId>`: the event platform tests feed through
 * the store and the subscriptions. `eventId` is a ULID the caller makes (ids are inputs).
 */
export function anOrderAccepted(orderId: string, eventId: string): NewEvent {
  const at = '2026-11-24T10:00:00.000Z';
  return {
    type: OrderAcceptedV1.detailType,
    data: {
      orderId,
      acceptedAt: at,
      order: {
        orderId,
        channel: 'web',
        placedAt: at,
        currency: 'CLP',
        customer: { id: 'C-1', name: 'Ana', email: 'ana@example.cl' },
        lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 1, unitPrice: 9990 }],
        shipping: { region: 'RM', address: 'Santiago' },
        dispatchBy: at,
      },
    },
    metadata: {
      eventId,
      occurredAt: at,
      correlationId: orderId,
      causationId: `req-${orderId}`,
      actor: 'system',
    },
  };
}
