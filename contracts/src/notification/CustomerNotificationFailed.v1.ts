import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';

export const CustomerNotificationFailedV1 = defineEvent({
  detailType: 'CustomerNotificationFailed',
  version: 1,
  source: Sources.notification,
  description: 'The customer could not be emailed; the order is in exception until a retry succeeds.',
  data: z.object({
    orderId: z.string().min(1),
    failedAt: Timestamp,
    to: z.string(),
    error: z.string().min(1),
  }),
  example: {
    orderId: 'PO-1001',
    failedAt: '2026-11-24T10:00:02.500Z',
    to: 'ana@example',
    error: 'MessageRejected: Email address is not verified',
  },
});
export type CustomerNotificationFailedV1 = z.infer<typeof CustomerNotificationFailedV1.data>;
