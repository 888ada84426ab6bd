import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';

/** Where a received order came from: its own HTTP request, or one order of a batch file. */
export const OrderSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http') }),
  z.object({ kind: z.literal('batch'), file: z.string().min(1), index: z.number().int().nonnegative() }),
]);
export type OrderSource = z.infer<typeof OrderSource>;

/**
 * v2: `via` + optional `batch` (which could disagree) become one `source` union, and `rawBytes`
 * states the size limits are enforced on (v1's `raw` limit counted characters). Upcast from v1 by
 * `OrderReceived.v1-to-v2.ts`.
 */
export const OrderReceivedV2 = defineEvent({
  detailType: 'OrderReceived',
  version: 2,
  source: Sources.intake,
  description: 'A raw purchase order arrived (HTTP or batch file) and was recorded before validation.',
  data: z.object({
    orderId: z.string().min(1),
    receivedAt: Timestamp,
    source: OrderSource,
    format: z.enum(['xml', 'json']),
    /** sha256 of the canonical order content; an identical resend is recognised by it. */
    contentHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The raw order as received (for a batch, the order's own element), kept for traceability. */
    raw: z.string().max(64 * 1024),
    /** UTF-8 size of `raw`. */
    rawBytes: z.number().int().nonnegative(),
  }),
  example: {
    orderId: 'PO-1001',
    receivedAt: '2026-11-24T10:00:00.250Z',
    source: { kind: 'batch', file: 'orders-2026-11-24.xml', index: 3 },
    format: 'xml',
    contentHash: 'a'.repeat(64),
    raw: '<PurchaseOrder id="PO-1001">…</PurchaseOrder>',
    rawBytes: 47,
  },
});
export type OrderReceivedV2 = z.infer<typeof OrderReceivedV2.data>;
