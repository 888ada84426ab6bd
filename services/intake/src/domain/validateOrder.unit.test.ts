import type { RejectionReason } from '@mtd/contracts';
import { describe, expect, it } from 'vitest';
import {
  defaultIntakePolicy,
  type OrderCandidate,
  orderIdOf,
  unidentifiedReasons,
  validateOrder as validateAt,
} from '#domain/validateOrder';
import { aLine, aPurchaseOrder } from '#src/testing/orderBuilders';

/** A fixed clock: half a minute after the builder's order was placed. */
const validateOrder = (candidate: OrderCandidate) =>
  validateAt(candidate, { receivedAt: '2026-11-24T10:00:30.000Z', policy: defaultIntakePolicy });

function reasonsOf(candidate: OrderCandidate): RejectionReason[] {
  const result = validateOrder(candidate);
  if (result.ok) throw new Error('expected the order to be rejected');
  return result.reasons;
}

describe('validateOrder', () => {
  it('accepts a valid order as the contract PurchaseOrder', () => {
    expect(validateOrder(aPurchaseOrder())).toEqual({ ok: true, order: aPurchaseOrder() });
  });

  it('accepts a consumer order without a tax id', () => {
    const order = aPurchaseOrder({ customer: { id: 'C-1', name: 'Juan', email: 'juan@example.cl' } });
    expect(validateOrder(order).ok).toBe(true);
  });

  it('reports every problem at once, each with its path and a code', () => {
    const candidate = {
      ...aPurchaseOrder(),
      currency: 'USD',
      placedAt: '2026-11-24T10:00:00-03:00',
      customer: { id: '', taxId: '76123456-7', name: 'Ana' },
      lines: [aLine({ sku: 'SKU-1' }), { sku: 'SKU-2', quantity: 0, unitPrice: '9990.5', description: 'x' }],
    };
    expect(reasonsOf(candidate).map(({ path, code }) => ({ path, code }))).toEqual([
      { path: 'placedAt', code: 'invalid_datetime' },
      { path: 'currency', code: 'unsupported_value' },
      { path: 'customer.id', code: 'empty' },
      { path: 'customer.email', code: 'required' },
      { path: 'lines[1].quantity', code: 'too_small' },
      { path: 'lines[1].unitPrice', code: 'not_integer' },
      { path: 'customer.taxId', code: 'invalid_rut_check_digit' },
    ]);
  });

  it('says what to fix in words a partner can act on', () => {
    const reasons = reasonsOf({
      ...aPurchaseOrder(),
      customer: { ...aPurchaseOrder().customer, taxId: '76123456-7', email: 'ana-at-example' },
      lines: [{ ...aLine(), unitPrice: 9990.5 }],
    });
    expect(reasons).toEqual([
      {
        path: 'customer.email',
        code: 'invalid_email',
        message: 'customer.email must be an email address like ana@example.cl, got "ana-at-example"',
      },
      {
        path: 'lines[0].unitPrice',
        code: 'not_integer',
        message:
          'lines[0].unitPrice must be a whole number without decimals (pesos have no cents), got 9990.5',
      },
      {
        path: 'customer.taxId',
        code: 'invalid_rut_check_digit',
        message:
          'customer.taxId 76123456-7 has a wrong check digit (módulo 11 gives 76123456-0); check the RUT with the customer',
      },
    ]);
  });

  it('refuses a RUT that is not shaped like one with the contract message', () => {
    const reasons = reasonsOf({
      ...aPurchaseOrder(),
      customer: { ...aPurchaseOrder().customer, taxId: '76.123.456-0' },
    });
    expect(reasons).toEqual([
      {
        path: 'customer.taxId',
        code: 'invalid_format',
        message: 'customer.taxId must be a RUT without dots, like 76123456-0, got "76.123.456-0"',
      },
    ]);
  });

  it('refuses a dispatch deadline before the order was placed', () => {
    const reasons = reasonsOf(aPurchaseOrder({ dispatchBy: '2026-11-24T09:59:59Z' }));
    expect(reasons).toEqual([
      expect.objectContaining({ path: 'dispatchBy', code: 'dispatch_before_placed' }),
    ]);
  });

  it('refuses a SKU repeated on two lines, naming both', () => {
    const reasons = reasonsOf(
      aPurchaseOrder({ lines: [aLine({ sku: 'A' }), aLine({ sku: 'B' }), aLine({ sku: 'A' })] }),
    );
    expect(reasons).toEqual([
      {
        path: 'lines[2].sku',
        code: 'duplicate_sku',
        message: 'lines[2].sku A already appears in lines[0]; send one line per SKU with the total quantity',
      },
    ]);
  });

  it('refuses an order without lines, and wrong types', () => {
    expect(reasonsOf(aPurchaseOrder({ lines: [] }))).toEqual([
      { path: 'lines', code: 'too_few', message: 'lines must have at least 1 item' },
    ]);
    expect(reasonsOf({ ...aPurchaseOrder(), lines: [{ ...aLine(), quantity: '2' }] })).toEqual([
      {
        path: 'lines[0].quantity',
        code: 'invalid_type',
        message: 'lines[0].quantity must be a number, got "2"',
      },
    ]);
  });

  it('refuses a total that cannot be represented exactly', () => {
    const reasons = reasonsOf(
      aPurchaseOrder({ lines: [aLine({ quantity: 1_000_000, unitPrice: 2 ** 50 })] }),
    );
    expect(reasons).toEqual([expect.objectContaining({ path: 'lines', code: 'total_too_large' })]);
  });

  it('reports a missing document part as required', () => {
    const { customer: _customer, ...withoutCustomer } = aPurchaseOrder();
    expect(reasonsOf(withoutCustomer)).toEqual([
      { path: 'customer', code: 'required', message: 'customer is required' },
    ]);
  });
});

describe('orderIdOf', () => {
  it('gives the id only when it can name a stream', () => {
    expect(orderIdOf({ orderId: 'PO-1001' })).toBe('PO-1001');
    expect(orderIdOf({ orderId: 'PO 1001' })).toBeUndefined();
    expect(orderIdOf({})).toBeUndefined();
    expect(unidentifiedReasons({})).toEqual([expect.objectContaining({ path: 'orderId', code: 'required' })]);
    expect(unidentifiedReasons({ orderId: 'PO 1001' })).toEqual([
      expect.objectContaining({ path: 'orderId', code: 'invalid_format' }),
    ]);
  });
});
