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
import { aBenchOrder, benchIssuedAt, issuedDteOf } from './dteFixtures';

const { values } = parseArgs({ options: { renders: { type: 'string', default: '400' } } });
const renders = Number(values.renders);
const cafs = { 33: aTestCaf(33, 1, 100_000), 39: aTestCaf(39, 1, 100_000) } as const;
const issuedAt = benchIssuedAt;

function anIssuedDte(i: number): DteIssuedV2 {
  const plan = planIssuance(aBenchOrder(i, { customerName: `Ana Pérez ${i}` }), testIssuer, issuedAt);
  const ted = stampTed({ ...plan.document, folio: i }, cafs[plan.dteType], issuedAt);
  return issuedDteOf(plan, i, { xml: '<DTE version="1.0"/>', ted });
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
