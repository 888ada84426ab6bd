import type { PurchaseOrder } from '@mtd/contracts';

/** Products a demo shop sells: IVA-inclusive retail prices in pesos. */
export const catalogue = [
  { sku: 'SKU-TIJ-01', description: 'Tijeras de oficina', unitPrice: 9990 },
  { sku: 'SKU-CUA-02', description: 'Cuaderno universitario 100 hojas', unitPrice: 2490 },
  { sku: 'SKU-LAP-03', description: 'Lápiz grafito HB (caja 12)', unitPrice: 3590 },
  { sku: 'SKU-MOC-04', description: 'Mochila escolar & deportiva', unitPrice: 24990 },
  { sku: 'SKU-CAL-05', description: 'Calculadora científica', unitPrice: 15990 },
  { sku: 'SKU-RES-06', description: 'Resma papel carta 500 hojas', unitPrice: 4990 },
  { sku: 'SKU-DES-07', description: 'Destacadores <pastel> x6', unitPrice: 3290 },
  { sku: 'SKU-AGE-08', description: 'Agenda 2027 tapa dura', unitPrice: 7990 },
] as const;

const names = [
  'Ana Pérez',
  'José Muñoz',
  'Camila Rojas',
  'Matías González',
  'Valentina Díaz',
  'Benjamín Soto',
];
/** Valid RUTs (check digit computed), for business buyers who get a factura (DTE 33). */
const businessRuts = ['76123456-0', '77654321-7', '96511460-2', '12345678-5'];

export interface SampleOrderOptions {
  orderId: string;
  /** Seeded randomness, so a run is reproducible. */
  random: () => number;
  placedAt?: Date;
  business?: boolean;
}

export function sampleOrder({
  orderId,
  random,
  placedAt = new Date(),
  business,
}: SampleOrderOptions): PurchaseOrder {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const lineCount = 1 + Math.floor(random() * 3);
  const skus = new Set<string>();
  const lines = [];
  while (lines.length < lineCount) {
    const product = pick(catalogue);
    if (skus.has(product.sku)) continue;
    skus.add(product.sku);
    lines.push({ ...product, quantity: 1 + Math.floor(random() * 4) });
  }
  const name = pick(names);
  const isBusiness = business ?? random() < 0.3;
  return {
    orderId,
    channel: pick(['web', 'app', 'store']),
    placedAt: placedAt.toISOString(),
    currency: 'CLP',
    customer: {
      id: `C-${Math.floor(random() * 10_000)}`,
      ...(isBusiness ? { taxId: pick(businessRuts) } : {}),
      name,
      email: `${name
        .split(' ')[0]!
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()}.${orderId.toLowerCase()}@example.cl`,
    },
    lines,
    shipping: { region: pick(['RM', 'V', 'VIII']), address: 'Av. Siempre Viva 742, Santiago' },
    dispatchBy: new Date(placedAt.getTime() + 26 * 3600_000).toISOString(),
  };
}

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The canonical XML partners send (DESIGN §7). */
export function orderXml(order: PurchaseOrder): string {
  const c = order.customer;
  return [
    `<PurchaseOrder id="${xmlEscape(order.orderId)}" channel="${xmlEscape(order.channel)}" placedAt="${order.placedAt}" currency="${order.currency}">`,
    `  <Customer id="${xmlEscape(c.id)}"${c.taxId ? ` taxId="${c.taxId}"` : ''}><Name>${xmlEscape(c.name)}</Name><Email>${xmlEscape(c.email)}</Email></Customer>`,
    '  <Lines>',
    ...order.lines.map(
      (l) =>
        `    <Line sku="${xmlEscape(l.sku)}" quantity="${l.quantity}" unitPrice="${l.unitPrice}"><Description>${xmlEscape(l.description)}</Description></Line>`,
    ),
    '  </Lines>',
    `  <Shipping region="${xmlEscape(order.shipping.region)}"><Address>${xmlEscape(order.shipping.address)}</Address></Shipping>`,
    `  <DispatchBy>${order.dispatchBy}</DispatchBy>`,
    '</PurchaseOrder>',
  ].join('\n');
}

export function batchXml(orders: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<PurchaseOrders>\n${orders.join('\n')}\n</PurchaseOrders>\n`;
}

/** Ways partners get orders wrong; each yields at least one rejection reason. */
export const defects = {
  noLines: (o: PurchaseOrder) => ({ ...o, lines: [] }),
  badEmail: (o: PurchaseOrder) => ({ ...o, customer: { ...o.customer, email: 'not-an-email' } }),
  negativeQuantity: (o: PurchaseOrder) => ({
    ...o,
    lines: o.lines.map((l, i) => (i === 0 ? { ...l, quantity: -2 } : l)),
  }),
  badRut: (o: PurchaseOrder) => ({ ...o, customer: { ...o.customer, taxId: '76123456-9' } }),
  wrongCurrency: (o: PurchaseOrder) => ({ ...o, currency: 'USD' as 'CLP' }),
} as const;

/** Re-exported: the one implementation lives in the platform. */
export { seededRandom } from '@mtd/platform';
