/**
 * What the DTE micro-benchmarks (dteCpu.ts, pdfCpu.ts, signingCpu.ts) work on: orders like the
 * bench's — a boleta or (every third) a factura, 1 to 5 lines — and the DteIssued event of one.
 */
import type { DteIssuedV2 } from '@mtd/contracts';
import type { planIssuance } from '@mtd/dte';
import { testIssuer } from '@mtd/dte/testing';

/** The fixed instant the benchmarks issue, stamp and sign at (no benchmark depends on the date). */
export const benchIssuedAt = '2026-11-24T13:00:01.000Z';

/** Order `i`; `text` sets the customer's name and each line's description (e.g. text to escape). */
export function aBenchOrder(
  i: number,
  text: { customerName?: string; description?: (line: number) => string } = {},
) {
  const { customerName = 'Ana Pérez', description = (line: number) => `Artículo ${line}` } = text;
  return {
    orderId: `PO-${i}`,
    channel: 'web',
    placedAt: '2026-11-24T13:00:00.000Z',
    currency: 'CLP' as const,
    customer: {
      id: `C-${i}`,
      name: customerName,
      email: 'ana@example.cl',
      ...(i % 3 === 0 ? { taxId: '76123456-0' } : {}),
    },
    lines: Array.from({ length: 1 + (i % 5) }, (_, line) => ({
      sku: `SKU-${line}`,
      description: description(line),
      quantity: 1 + (line % 3),
      unitPrice: 990 + 1000 * line,
    })),
    shipping: { region: 'RM', address: 'Av. Siempre Viva 742, Santiago' },
    dispatchBy: '2026-11-25T18:00:00.000Z',
  };
}

/** The DteIssued event of a planned document given its folio, signed XML and TED. */
export function issuedDteOf(
  plan: ReturnType<typeof planIssuance>,
  folio: number,
  signed: { xml: string; ted: string },
): DteIssuedV2 {
  const { amounts } = plan;
  return {
    orderId: plan.document.orderId,
    dteType: plan.dteType,
    folio,
    issuedAt: benchIssuedAt,
    net: amounts.net,
    iva: amounts.iva,
    total: amounts.total,
    gross: amounts.gross,
    customer: plan.document.customer,
    lines: amounts.lines,
    issuer: testIssuer,
    xml: signed.xml,
    ted: signed.ted,
    caf: null,
    signature: null,
  };
}
