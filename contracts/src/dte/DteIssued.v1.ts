import { z } from 'zod';
import { defineEvent, Money, Sources, Timestamp } from '../envelope';
import { Customer } from '../intake/PurchaseOrder';

export const DteType = z.union([z.literal(33), z.literal(39)]);
export type DteType = z.infer<typeof DteType>;

export const DteIssuedV1 = defineEvent({
  detailType: 'DteIssued',
  version: 1,
  source: Sources.dte,
  description: 'The electronic tax document was issued: folio allocated, amounts computed, XML built.',
  data: z.object({
    orderId: z.string().min(1),
    dteType: DteType,
    folio: z.number().int().positive(),
    issuedAt: Timestamp,
    net: Money,
    iva: Money,
    total: Money,
    customer: Customer,
    lines: z.array(
      z.object({
        sku: z.string(),
        description: z.string(),
        quantity: z.number().int().positive(),
        unitPrice: Money,
        lineTotal: Money,
      }),
    ),
    xml: z.string().max(128 * 1024),
  }),
  example: {
    orderId: 'PO-1001',
    dteType: 33,
    folio: 4711,
    issuedAt: '2026-11-24T10:00:01.123Z',
    net: 16790,
    iva: 3190,
    total: 19980,
    customer: { id: 'C-77', taxId: '76123456-0', name: 'Ana Pérez', email: 'ana@example.cl' },
    lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990, lineTotal: 19980 }],
    xml: '<DTE version="1.0">…</DTE>',
  },
});
export type DteIssuedV1 = z.infer<typeof DteIssuedV1.data>;
