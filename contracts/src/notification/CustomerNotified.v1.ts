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
});
export type CustomerNotifiedV1 = z.infer<typeof CustomerNotifiedV1.data>;
