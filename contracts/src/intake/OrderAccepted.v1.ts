import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';
import { PurchaseOrder } from './PurchaseOrder';

export const OrderAcceptedV1 = defineEvent({
  detailType: 'OrderAccepted',
  version: 1,
  source: Sources.intake,
  description: 'A received order passed validation; carries the whole validated order.',
  data: z.object({ orderId: z.string().min(1), acceptedAt: Timestamp, order: PurchaseOrder }),
});
export type OrderAcceptedV1 = z.infer<typeof OrderAcceptedV1.data>;
