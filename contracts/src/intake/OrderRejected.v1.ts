import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';

/** One problem with an order, in words a partner can act on, with where it is. */
export const RejectionReason = z.object({
  /** Where the problem is: `lines[2].quantity`, `customer.email`, `(document)`. */
  path: z.string(),
  code: z.string(),
  message: z.string(),
});
export type RejectionReason = z.infer<typeof RejectionReason>;

export const OrderRejectedV1 = defineEvent({
  detailType: 'OrderRejected',
  version: 1,
  source: Sources.intake,
  description: 'A received order failed validation; lists every reason.',
  data: z.object({
    orderId: z.string().min(1),
    rejectedAt: Timestamp,
    reasons: z.array(RejectionReason).min(1),
  }),
  example: {
    orderId: 'PO-1002',
    rejectedAt: '2026-11-24T10:00:00.250Z',
    reasons: [{ path: 'lines[0].quantity', code: 'too_small', message: 'quantity must be at least 1' }],
  },
});
export type OrderRejectedV1 = z.infer<typeof OrderRejectedV1.data>;
