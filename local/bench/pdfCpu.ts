/**
 * `npx tsx bench/pdfCpu.ts [--renders 400]`: CPU milliseconds per render of the customer's PDF
 * (`renderDtePdf`, in this thread), for DteIssued events like the bench's: real TEDs stamped with a
 * test CAF, boletas and (every third) facturas of 1 to 5 lines. Warmed up first; `process.cpuUsage()`
 * counts every thread, so V8's GC and compiler threads are in the figure. A profile: add `--cpu-prof`.
 */
import { parseArgs } from 'node:util';
import type { DteIssuedV2 } from '@mtd/contracts';
import { planIssuance, stampTed } from '@mtd/dte';
import { aTestCaf, testIssuer } from '@mtd/dte/testing';
import { renderDtePdf } from '@mtd/notification';

const { values } = parseArgs({ options: { renders: { type: 'string', default: '400' } } });
const renders = Number(values.renders);
const cafs = { 33: aTestCaf(33, 1, 100_000), 39: aTestCaf(39, 1, 100_000) } as const;
const issuedAt = '2026-11-24T13:00:01.000Z';

function anIssuedDte(i: number): DteIssuedV2 {
  const plan = planIssuance(
    {
      orderId: `PO-${i}`,
      channel: 'web',
      placedAt: '2026-11-24T13:00:00.000Z',
      currency: 'CLP' as const,
      customer: {
        id: `C-${i}`,
        name: `Ana Pérez ${i}`,
        email: 'ana@example.cl',
        ...(i % 3 === 0 ? { taxId: '76123456-0' } : {}),
      },
      lines: Array.from({ length: 1 + (i % 5) }, (_, l) => ({
        sku: `SKU-${l}`,
        description: `Artículo ${l}`,
        quantity: 1 + (l % 3),
        unitPrice: 990 + 1000 * l,
      })),
      shipping: { region: 'RM', address: 'Av. Siempre Viva 742, Santiago' },
      dispatchBy: '2026-11-25T18:00:00.000Z',
    },
    testIssuer,
    issuedAt,
  );
  const document = { ...plan.document, folio: i };
  const { amounts } = plan;
  return {
    orderId: document.orderId,
    dteType: plan.dteType,
    folio: i,
    issuedAt,
    net: amounts.net,
    iva: amounts.iva,
    total: amounts.total,
    gross: amounts.gross,
    customer: document.customer,
    lines: amounts.lines,
    issuer: testIssuer,
    xml: '<DTE version="1.0"/>',
    ted: stampTed(document, cafs[plan.dteType], issuedAt),
    caf: null,
    signature: null,
  };
}

const dtes = Array.from({ length: renders }, (_, i) => anIssuedDte(i + 1));
for (const dte of dtes.slice(0, 50)) await renderDtePdf(dte); // compile the renderer and its libraries
const before = process.cpuUsage();
const started = performance.now();
for (const dte of dtes) await renderDtePdf(dte);
const { user, system } = process.cpuUsage(before);
const wall = performance.now() - started;
const tedBytes = dtes.map((dte) => Buffer.byteLength(dte.ted ?? '', 'latin1'));
console.log(
  `renderDtePdf: ${((user + system) / 1000 / renders).toFixed(2)} ms CPU per render ` +
    `(${(wall / renders).toFixed(2)} ms wall; ${renders} renders, TEDs of ${Math.min(...tedBytes)}–${Math.max(...tedBytes)} bytes)`,
);
