import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';
import { DteType } from './DteIssued.v1';

/** Where the SII has a sent document: received (track id, verdict pending) or accepted. */
export const SiiReception = z.enum(['received', 'accepted', 'accepted-with-objections']);
export type SiiReception = z.infer<typeof SiiReception>;

/**
 * v2: sending is two facts at the SII, the upload (an envelope received, a track id) and, later, the
 * verdict on it. `status: 'received'` records the upload; `accepted` / `accepted-with-objections`
 * (reparos, listed in `objections`) record the verdict queried by track id. A rejection is a final
 * DteBroadcastFailed v2 with the SII's reasons. Upcast from v1 (which meant "accepted") by
 * `DteBroadcast.v1-to-v2.ts`.
 */
export const DteBroadcastV2 = defineEvent({
  detailType: 'DteBroadcast',
  version: 2,
  source: Sources.dte,
  description:
    'The tax authority received the DTE in an envelope (status received, with its track id) or, queried later by track id, accepted it (accepted, or accepted with objections).',
  data: z.object({
    orderId: z.string().min(1),
    dteType: DteType,
    folio: z.number().int().positive(),
    broadcastAt: Timestamp,
    /** The upload attempt that sent the envelope. */
    attempt: z.number().int().positive(),
    /** The tax authority's track id of the envelope. */
    trackId: z.string().min(1),
    status: SiiReception,
    /** The SII's status code as answered (e.g. `EPR`, `REC`), for the audit trail. */
    siiStatus: z.string().max(20).optional(),
    /** The objections (reparos) of an `accepted-with-objections` verdict, in the SII's words. */
    objections: z.array(z.string().min(1).max(500)).max(50),
  }),
  example: {
    orderId: 'PO-1001',
    dteType: 33,
    folio: 4711,
    broadcastAt: '2026-11-24T10:00:05.000Z',
    attempt: 1,
    trackId: '1000042',
    status: 'received',
    objections: [],
  },
});
export type DteBroadcastV2 = z.infer<typeof DteBroadcastV2.data>;
