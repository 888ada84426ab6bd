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
  /** quantity × unitPrice, IVA-inclusive: the document's MontoItem (a gross amount, see below). */
  lineTotal: number;
}

/** What the document states: MntNeto, IVA and MntTotal, and the gross lines they come from. */
export interface DteAmounts {
  lines: DteLine[];
  /** MntNeto. */
  net: number;
  /** IVA. */
  iva: number;
  /** MntTotal. */
  total: number;
  /** Σ lineTotal: what the customer was charged (IVA included). Equal to `total` on a boleta. */
  gross: number;
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
 * Net amount of an IVA-inclusive (gross) amount: round(gross / 1.19), half up, in integer arithmetic:
 * gross / 1.19 = 100·gross / 119 and round(x) = ⌊x + ½⌋ = ⌊(200·gross + 119) / 238⌋. (100·gross/119 never
 * ends in exactly .5, so half up and half even agree.)
 *
 * Source: SII, Formato de Documentos Tributarios Electrónicos v2.2 (2019-07-10), field 107 `MntNeto`:
 * "Si está encendido el Indicador de Montos Brutos (=1) entonces el resultado anterior se debe dividir
 * por (1 + tasa de IVA)"; DTE amounts in pesos are whole numbers.
 *
 * @example netOfGross(19990) // 16798
 */
export function netOfGross(gross: number): number {
  if (!Number.isSafeInteger(gross) || gross < 0) throw new AmountOutOfRangeError('gross amount', gross);
  const hundred = 100n + ivaPercent; // 119
  return safe('net', (BigInt(gross) * 200n + hundred) / (2n * hundred));
}

/**
 * IVA of a net amount: round(net × 19%), half up (net × 19 / 100 ends in .5 when net ≡ 50 mod 100).
 *
 * Source: SII, Formato DTE v2.2, field 112 `IVA`: "Valor num. = a Monto neto * tasa IVA", a whole
 * number of pesos.
 *
 * @example ivaOfNet(571) // 108 (571 × 0.19 = 108.49)
 */
export function ivaOfNet(net: number): number {
  if (!Number.isSafeInteger(net) || net < 0) throw new AmountOutOfRangeError('net', net);
  return safe('IVA', (BigInt(net) * ivaPercent * 2n + 100n) / 200n);
}

/**
 * MntNeto, IVA and MntTotal of a document whose lines carry IVA-inclusive retail prices (DESIGN §7),
 * by the SII's rule for its type. The two types differ in what is fixed and where a rounding peso
 * goes:
 *
 * - **Boleta (39).** The lines are gross by definition (EnvioBOLETA_v11.xsd, `MontoItem`:
 *   "Corresponde al Monto Bruto, a menos que IndMntNeto Indique lo Contrario"; MTD never sets
 *   IndMntNeto) and MntTotal is what the customer paid: Σ lines. MntNeto (optional in the boleta
 *   schema, stated so the tax is shown) is round(MntTotal / 1.19) and the IVA is the part of the total
 *   that is tax, MntTotal − MntNeto, so MntNeto + IVA = MntTotal always. The rounding peso goes into
 *   the IVA: in 16% of totals it differs by one peso from round(MntNeto × 19%). LibreDTE computes
 *   boleta totals the same way (`Utils::calculateNetoIVA`).
 * - **Factura (33) with MntBruto = 1.** The lines are gross (IdDoc `MntBruto` 1: "Montos de líneas de
 *   detalle vienen expresados en montos brutos"), and Formato DTE v2.2 fixes the net and the IVA:
 *   MntNeto = round(Σ lines / 1.19) (field 107), IVA = round(MntNeto × 19%) (field 112), MntTotal =
 *   MntNeto + IVA (field 124). The rounding peso goes into the total: in the same 16% of totals no
 *   whole net N has N + round(0.19·N) = Σ lines, and MntTotal is Σ lines ± 1. (The SII does not reject
 *   a document whose IVA ≠ net × rate — Formato DTE §2.2 — but a factura's IVA is the buyer's tax
 *   credit, so MTD states it exactly as the format defines it.)
 *
 * @example documentAmounts(39, [{ …, quantity: 1, unitPrice: 680 }]) // net 571, iva 109, total 680
 * @example documentAmounts(33, [{ …, quantity: 1, unitPrice: 680 }]) // net 571, iva 108, total 679
 */
export function documentAmounts(dteType: DteType, lines: readonly OrderLine[]): DteAmounts {
  const dteLines = lines.map((line) => ({
    sku: line.sku,
    description: line.description,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    lineTotal: lineTotal(line),
  }));
  const gross = safe(
    'total',
    dteLines.reduce((sum, line) => sum + BigInt(line.lineTotal), 0n),
  );
  const net = netOfGross(gross);
  switch (dteType) {
    case 39:
      return { lines: dteLines, net, iva: gross - net, total: gross, gross };
    case 33: {
      const iva = ivaOfNet(net);
      return { lines: dteLines, net, iva, total: safe('total', BigInt(net) + BigInt(iva)), gross };
    }
    default: {
      const unexpected: never = dteType;
      throw new AmountOutOfRangeError(`DTE type ${String(unexpected)}`, 0);
    }
  }
}

/** SII document types: 33 factura electrónica for a buyer with a RUT, 39 boleta electrónica otherwise. */
export function dteTypeFor(customer: { taxId?: string | undefined }): DteType {
  return customer.taxId ? 33 : 39;
}
