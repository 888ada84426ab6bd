import type { OrderLine, PurchaseOrder } from '@mtd/contracts';

/** A valid order (DESIGN §7) with a RUT whose check digit is right; override what a test is about. */
export function aPurchaseOrder(overrides: Partial<PurchaseOrder> = {}): PurchaseOrder {
  return {
    orderId: 'PO-1001',
    channel: 'web',
    placedAt: '2026-11-24T10:00:00Z',
    currency: 'CLP',
    customer: { id: 'C-77', taxId: '76123456-0', name: 'Ana Pérez', email: 'ana@example.cl' },
    lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 9990, description: 'Tijeras' }],
    shipping: { region: 'RM', address: 'Av. Siempre Viva 742, Santiago' },
    dispatchBy: '2026-11-25T18:00:00Z',
    ...overrides,
  };
}

export function aLine(overrides: Partial<OrderLine> = {}): OrderLine {
  return { sku: 'SKU-2', quantity: 1, unitPrice: 1500, description: 'Pegamento', ...overrides };
}

/** Values are written as given, so a test can put "9990.5" where a number belongs. */
type Loose<T> = { [K in keyof T]?: T[K] extends object ? Loose<T[K]> | unknown : unknown };
export type LooseOrder = Loose<PurchaseOrder> & Record<string, unknown>;

const escapeXml = (value: unknown) =>
  String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const attribute = (name: string, value: unknown) =>
  value === undefined ? '' : ` ${name}="${escapeXml(value)}"`;
const element = (name: string, value: unknown) =>
  value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;

/** The canonical XML of an order, as a partner would write it. */
export function orderXml(order: LooseOrder): string {
  const customer = (order.customer ?? {}) as Record<string, unknown>;
  const shipping = (order.shipping ?? {}) as Record<string, unknown>;
  const lines = (order.lines ?? []) as Record<string, unknown>[];
  return [
    `<PurchaseOrder${attribute('id', order.orderId)}${attribute('channel', order.channel)}${attribute('placedAt', order.placedAt)}${attribute('currency', order.currency)}>`,
    `  <Customer${attribute('id', customer.id)}${attribute('taxId', customer.taxId)}>${element('Name', customer.name)}${element('Email', customer.email)}</Customer>`,
    '  <Lines>',
    ...lines.map(
      (l) =>
        `    <Line${attribute('sku', l.sku)}${attribute('quantity', l.quantity)}${attribute('unitPrice', l.unitPrice)}>${element('Description', l.description)}</Line>`,
    ),
    '  </Lines>',
    `  <Shipping${attribute('region', shipping.region)}>${element('Address', shipping.address)}</Shipping>`,
    `  ${element('DispatchBy', order.dispatchBy)}`,
    '</PurchaseOrder>',
  ].join('\n');
}

export function ordersXml(orders: LooseOrder[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<PurchaseOrders>\n${orders.map(orderXml).join('\n')}\n</PurchaseOrders>\n`;
}
