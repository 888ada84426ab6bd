import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';

export const CustomerNotifiedV1 = defineEvent({
  detailType: 'CustomerNotified',
  version: 1,
  source: Sources.notification,
  description: 'The customer was emailed their tax document.',
  data: z.object({
    orderId: z.string().min(1),
    notifiedAt: Timestamp,
    channel: z.literal('email'),
    to: z.email(),
    subject: z.string(),
    /** The mail system's message id (SES MessageId, or the outbox file name locally). */
    messageId: z.string().min(1),
  }),
  example: {
    orderId: 'PO-1001',
    notifiedAt: '2026-11-24T10:00:02.500Z',
    channel: 'email',
    to: 'ana@example.cl',
    subject: 'Tu factura electrónica N° 4711 – pedido PO-1001',
    messageId: 'PO-1001-01JDQ2Z3M4N5P6Q7R8S9T0V1W2.eml',
  },
});
export type CustomerNotifiedV1 = z.infer<typeof CustomerNotifiedV1.data>;
