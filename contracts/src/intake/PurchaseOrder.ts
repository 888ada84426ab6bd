import { z } from 'zod';
import { Money, Timestamp } from '../envelope';

/** Chilean RUT: digits, a dash and a check digit (0-9 or K). The check digit itself is verified by intake. */
export const TaxId = z.string().regex(/^\d{1,8}-[\dkK]$/, 'must be a RUT without dots, like 76123456-0');

export const OrderLine = z.object({
  sku: z.string().min(1).max(64),
  description: z.string().min(1).max(500),
  quantity: z.number().int().positive().max(1_000_000),
  /** IVA-inclusive retail unit price in pesos. */
  unitPrice: Money,
});
export type OrderLine = z.infer<typeof OrderLine>;

export const Customer = z.object({
  id: z.string().min(1).max(64),
  /** Present for a business buyer (factura, DTE 33); absent for a consumer (boleta, DTE 39). */
  taxId: TaxId.optional(),
  name: z.string().min(1).max(200),
  email: z.email(),
});
export type Customer = z.infer<typeof Customer>;

/** The canonical purchase order partners write to (DESIGN §7), as carried by OrderAccepted. */
export const PurchaseOrder = z.object({
  orderId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, . _ or -'),
  channel: z.string().min(1).max(40),
  placedAt: Timestamp,
  currency: z.literal('CLP'),
  customer: Customer,
  lines: z.array(OrderLine).min(1).max(500),
  shipping: z.object({ region: z.string().min(1).max(40), address: z.string().min(1).max(500) }),
  dispatchBy: Timestamp,
});
export type PurchaseOrder = z.infer<typeof PurchaseOrder>;
