import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';
import { DteType } from './DteIssued.v1';

export const DteBroadcastV1 = defineEvent({
  detailType: 'DteBroadcast',
  version: 1,
  source: Sources.dte,
  description: 'The tax authority accepted the DTE.',
  data: z.object({
    orderId: z.string().min(1),
    dteType: DteType,
    folio: z.number().int().positive(),
    broadcastAt: Timestamp,
    attempt: z.number().int().positive(),
    /** The tax authority's receipt id. */
    trackId: z.string().min(1),
  }),
  example: {
    orderId: 'PO-1001',
    dteType: 33,
    folio: 4711,
    broadcastAt: '2026-11-24T10:00:02.000Z',
    attempt: 2,
    trackId: 'SII-0001',
  },
});
export type DteBroadcastV1 = z.infer<typeof DteBroadcastV1.data>;
