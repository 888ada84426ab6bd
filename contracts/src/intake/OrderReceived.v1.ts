import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';

export const OrderReceivedV1 = defineEvent({
  detailType: 'OrderReceived',
  version: 1,
  source: Sources.intake,
  description: 'A raw purchase order arrived (HTTP or batch file) and was recorded before validation.',
  data: z.object({
    orderId: z.string().min(1),
    receivedAt: Timestamp,
    via: z.enum(['http', 'batch']),
    format: z.enum(['xml', 'json']),
    /** sha256 of the canonical order content; an identical resend is recognised by it. */
    contentHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The raw order as received (for a batch, the order's own element), kept for traceability. */
    raw: z.string().max(64 * 1024),
    batch: z.object({ file: z.string(), index: z.number().int().nonnegative() }).optional(),
  }),
  example: {
    orderId: 'PO-1001',
    receivedAt: '2026-11-24T10:00:00.250Z',
    via: 'batch',
    format: 'xml',
    contentHash: 'a'.repeat(64),
    raw: '<PurchaseOrder id="PO-1001">…</PurchaseOrder>',
    batch: { file: 'orders-2026-11-24.xml', index: 3 },
  },
});
export type OrderReceivedV1 = z.infer<typeof OrderReceivedV1.data>;
