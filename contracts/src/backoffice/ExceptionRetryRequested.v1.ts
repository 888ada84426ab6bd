import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';

/** Which failed step an operator asks to run again; the owning service reacts. */
export const RetryableStage = z.enum(['dte-issuance', 'dte-broadcast', 'notification']);
export type RetryableStage = z.infer<typeof RetryableStage>;

export const ExceptionRetryRequestedV1 = defineEvent({
  detailType: 'ExceptionRetryRequested',
  version: 1,
  source: Sources.backoffice,
  description: 'An operator asked to retry the failed step of an order in exception (actor = the user).',
  data: z.object({
    orderId: z.string().min(1),
    stage: RetryableStage,
    requestedAt: Timestamp,
    comment: z.string().max(500).optional(),
  }),
  example: {
    orderId: 'PO-1001',
    stage: 'dte-broadcast',
    requestedAt: '2026-11-24T11:00:00.000Z',
    comment: 'SII was down this morning',
  },
});
export type ExceptionRetryRequestedV1 = z.infer<typeof ExceptionRetryRequestedV1.data>;
