import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';

export const DteIssuanceFailedV1 = defineEvent({
  detailType: 'DteIssuanceFailed',
  version: 1,
  source: Sources.dte,
  description: 'The DTE could not be issued for an accepted order; the order is in exception.',
  data: z.object({ orderId: z.string().min(1), failedAt: Timestamp, reason: z.string().min(1) }),
  example: {
    orderId: 'PO-1001',
    failedAt: '2026-11-24T10:00:01.123Z',
    reason: 'the DTE XML would exceed 128 KiB',
  },
});
export type DteIssuanceFailedV1 = z.infer<typeof DteIssuanceFailedV1.data>;
