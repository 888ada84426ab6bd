import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';
import { DteType } from './DteIssued.v1';

/** The SII's verdict on a rejected envelope or document: its status code and every reason it gave. */
export const SiiRejection = z.object({
  /** e.g. `RCH` (rechazado), `RFR` (error de firma), `RCT` (error de carátula), `RSC` (error de schema). */
  siiStatus: z.string().min(1).max(20),
  reasons: z.array(z.string().min(1).max(500)).min(1).max(50),
});
export type SiiRejection = z.infer<typeof SiiRejection>;

/**
 * v2: a rejection by the SII carries its verdict (`rejection`: status code and reasons, for the operator
 * who must act on it) and the `trackId` of the envelope it judged. Optional fields only; upcast from v1
 * unchanged by `DteBroadcastFailed.v1-to-v2.ts`.
 */
export const DteBroadcastFailedV2 = defineEvent({
  detailType: 'DteBroadcastFailed',
  version: 2,
  source: Sources.dte,
  description:
    'One attempt to send the DTE to the tax authority failed, or the tax authority rejected it (with its reasons). `final` means the attempts are spent or the document was rejected: the order is in exception.',
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
    /** The envelope the SII judged, when it had been received. */
    trackId: z.string().min(1).optional(),
    /** The SII's rejection, when it rejected the envelope or the document. */
    rejection: SiiRejection.optional(),
  }),
  example: {
    orderId: 'PO-1001',
    dteType: 33,
    folio: 4711,
    failedAt: '2026-11-24T10:00:09.000Z',
    attempt: 1,
    maxAttempts: 5,
    error: 'El SII rechazó el envío 1000042 (RFR): Firma del DTE T33F4711 inválida',
    final: true,
    trackId: '1000042',
    rejection: { siiStatus: 'RFR', reasons: ['Firma del DTE T33F4711 inválida'] },
  },
});
export type DteBroadcastFailedV2 = z.infer<typeof DteBroadcastFailedV2.data>;
