import { type MtdEvent, OrderAcceptedV1, type OrderLine, type PurchaseOrder, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';

const ids = ulidGenerator();

/** A valid accepted order (DESIGN §7's example: a boleta of 2 × 9990), overridable per test. */
export function anAcceptedOrder(
  overrides: Partial<Omit<PurchaseOrder, 'customer'>> & {
    customer?: Partial<PurchaseOrder['customer']>;
  } = {},
): PurchaseOrder {
  const { customer, ...rest } = overrides;
  return {
    orderId: 'PO-1001',
    channel: 'web',
    placedAt: '2026-11-24T10:00:00.000Z',
    currency: 'CLP',
    lines: [aLine()],
    shipping: { region: 'RM', address: 'Av. Siempre Viva 742, Santiago' },
    dispatchBy: '2026-11-25T18:00:00.000Z',
    ...rest,
    customer: { id: 'C-77', name: 'Ana Pérez', email: 'ana@example.cl', ...customer },
  };
}

export function aLine(overrides: Partial<OrderLine> = {}): OrderLine {
  return { sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990, ...overrides };
}

/** The OrderAccepted event of `order`, as the subscription delivers it. */
export function orderAcceptedEvent(order: PurchaseOrder, streamVersion = 2): MtdEvent {
  return {
    type: OrderAcceptedV1.detailType,
    metadata: {
      eventId: ids.next(),
      eventType: OrderAcceptedV1.detailType,
      eventVersion: OrderAcceptedV1.version,
      streamId: Streams.order(order.orderId),
      streamVersion,
      occurredAt: '2026-11-24T10:00:01.000Z',
      correlationId: order.orderId,
      causationId: ids.next(),
      producer: OrderAcceptedV1.source,
      actor: 'partner:web',
    },
    data: { orderId: order.orderId, acceptedAt: '2026-11-24T10:00:01.000Z', order },
  };
}
