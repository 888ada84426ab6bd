import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';
import { PurchaseOrder } from './PurchaseOrder';

export const OrderAcceptedV1 = defineEvent({
  detailType: 'OrderAccepted',
  version: 1,
  source: Sources.intake,
  description: 'A received order passed validation; carries the whole validated order.',
  data: z.object({ orderId: z.string().min(1), acceptedAt: Timestamp, order: PurchaseOrder }),
  example: {
    orderId: 'PO-1001',
    acceptedAt: '2026-11-24T10:00:00.250Z',
    order: {
      orderId: 'PO-1001',
      channel: 'web',
      placedAt: '2026-11-24T10:00:00Z',
      currency: 'CLP',
      customer: { id: 'C-77', taxId: '76123456-0', name: 'Ana Pérez', email: 'ana@example.cl' },
      lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990 }],
      shipping: { region: 'RM', address: 'Av. Siempre Viva 742, Santiago' },
      dispatchBy: '2026-11-25T18:00:00Z',
    },
  },
});
export type OrderAcceptedV1 = z.infer<typeof OrderAcceptedV1.data>;
