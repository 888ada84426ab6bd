import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';
import { DteType } from './DteIssued.v1';

export const DteBroadcastFailedV1 = defineEvent({
  detailType: 'DteBroadcastFailed',
  version: 1,
  source: Sources.dte,
  description:
    'One attempt to send the DTE to the tax authority failed. `final` means the attempts are spent and the order is in exception.',
  data: z.object({
    orderId: z.string().min(1),
    dteType: DteType,
    folio: z.number().int().positive(),
    failedAt: Timestamp,
    attempt: z.number().int().positive(),
    maxAttempts: z.number().int().positive(),
    error: z.string().min(1),
    final: z.boolean(),
    /** When the next attempt is due; absent when `final`. */
    nextAttemptAt: Timestamp.optional(),
  }),
  example: {
    orderId: 'PO-1001',
    dteType: 33,
    folio: 4711,
    failedAt: '2026-11-24T10:00:01.500Z',
    attempt: 1,
    maxAttempts: 5,
    error: 'TaxAuthorityUnavailableError: 503 from the tax authority',
    final: false,
    nextAttemptAt: '2026-11-24T10:00:01.900Z',
  },
});
export type DteBroadcastFailedV1 = z.infer<typeof DteBroadcastFailedV1.data>;
