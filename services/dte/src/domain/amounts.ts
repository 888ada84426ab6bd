import type { DteType, OrderLine } from '@mtd/contracts';

/** IVA rate, 19% (DL 825, Ley sobre Impuesto a las Ventas y Servicios, art. 14), as a ratio of integers. */
const ivaPercent = 19n;

/** An amount that cannot be represented exactly as an integer number of pesos in JavaScript. */
export class AmountOutOfRangeError extends Error {
  override readonly name = 'AmountOutOfRangeError';
  constructor(
    readonly what: string,
    readonly value: number | bigint,
  ) {
    super(`${what} (${String(value)}) is not a safe integer amount of pesos`);
  }
}

export interface DteLine {
  sku: string;
  description: string;
  quantity: number;
  /** IVA-inclusive unit price in pesos. */
  unitPrice: number;
  /** quantity × unitPrice, IVA-inclusive. */
  lineTotal: number;
}

export interface DteAmounts {
  lines: DteLine[];
  net: number;
  iva: number;
  total: number;
}

function safe(what: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) throw new AmountOutOfRangeError(what, value);
  return Number(value);
}

/** quantity × IVA-inclusive unit price, exact (computed in bigint, so an overflow is an error, never a rounding). */
export function lineTotal(line: Pick<OrderLine, 'quantity' | 'unitPrice'>): number {
  return safe('line total', BigInt(line.quantity) * BigInt(line.unitPrice));
}

/**
 * Net amount of an IVA-inclusive total: round(total / 1.19), half up, in integer arithmetic.
 * total / 1.19 = total·100/119, and floor(x + ½) = floor((2·total·100 + 119) / 238). Integer pesos
 * with a half rounded up is how the SII expects DTE amounts (Formato DTE: "MntNeto", "IVA" are
 * whole pesos; IVA = MntNeto × 19% rounded); the IVA is then the remainder so that
 * net + iva = total exactly, which the receipt's MntTotal must equal.
 *
 * @example netOfGross(19990) // 16798 (iva 3192, DESIGN §2)
 */
export function netOfGross(total: number): number {
  if (!Number.isSafeInteger(total) || total < 0) throw new AmountOutOfRangeError('total', total);
  const hundred = 100n + ivaPercent; // 119
  return safe('net', (BigInt(total) * 200n + hundred) / (2n * hundred));
}

/** Lines, net, IVA and total of a retail order whose unit prices include IVA (DESIGN §7). */
export function dteAmounts(lines: readonly OrderLine[]): DteAmounts {
  const dteLines = lines.map((line) => ({
    sku: line.sku,
    description: line.description,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    lineTotal: lineTotal(line),
  }));
  const total = safe(
    'total',
    dteLines.reduce((sum, line) => sum + BigInt(line.lineTotal), 0n),
  );
  const net = netOfGross(total);
  return { lines: dteLines, net, iva: total - net, total };
}

/** SII document types: 33 factura electrónica for a buyer with a RUT, 39 boleta electrónica otherwise. */
export function dteTypeFor(customer: { taxId?: string | undefined }): DteType {
  return customer.taxId ? 33 : 39;
}
