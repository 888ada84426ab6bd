/**
 * `npx tsx bench/dteCpu.ts [--orders 200]`: CPU milliseconds per order of each piece of
 * DTE work the local choreography does, measured with process.cpuUsage() (all threads, so the XSD
 * validator's and the PDF renderer's workers count): document build (issuance plan: amounts, limits,
 * draft size), TED, XMLDSig, envelope (built and signed), the simulator's checks (XSD validation with the
 * schemas compiled once, as the simulator does; signatures; TEDs),
 * and the PDF. A profile of one component: add `--cpu-prof` to node's options.
 */
import { parseArgs } from 'node:util';
import type { DteIssuedV2 } from '@mtd/contracts';
import {
  buildDteXml,
  documentId,
  planIssuance,
  signElement,
  signedEnvelope,
  stampTed,
  standaloneXml,
  verifyTeds,
  verifyXmlSignatures,
} from '@mtd/dte';
import { compiledSiiSchemaValidator } from '@mtd/dte/siiSchemas';
import { aTestCaf, testAuthority, testCredentials, testIssuer } from '@mtd/dte/testing';
import { renderDtePdf } from '@mtd/notification';
import { aBenchOrder, benchIssuedAt, issuedDteOf } from './dteFixtures';

const { values } = parseArgs({
  options: { orders: { type: 'string', default: '200' } },
});
const orders = Number(values.orders);

const credentials = testCredentials();
const cafs = { 33: aTestCaf(33, 1, 100_000), 39: aTestCaf(39, 1, 100_000) } as const;
const issuedAt = benchIssuedAt;
const authorityKey = testAuthority.publicKey;
// As the simulator does: the schemas compiled once (their compilation is part of the warm-up round).
const schemas = compiledSiiSchemaValidator();

const spent: Record<string, number> = {};
async function timed<T>(component: string, work: () => T | Promise<T>): Promise<T> {
  const before = process.cpuUsage();
  const result = await work();
  const { user, system } = process.cpuUsage(before);
  spent[component] = (spent[component] ?? 0) + (user + system) / 1000;
  return result;
}

// Warm up every module (first calls compile code and load WebAssembly), then measure.
for (const round of ['warm-up', 'measured'] as const) {
  const n = round === 'warm-up' ? Math.min(10, orders) : orders;
  for (const key of Object.keys(spent)) delete spent[key];
  const envelopes: string[] = [];
  const issued: DteIssuedV2[] = [];
  for (let i = 1; i <= n; i++) {
    const plan = await timed('document build', () => planIssuance(aBenchOrder(i), testIssuer, issuedAt));
    const document = { ...plan.document, folio: i };
    const caf = cafs[plan.dteType];
    const ted = await timed('TED', () => stampTed(document, caf, issuedAt));
    const xml = await timed('XMLDSig', () =>
      standaloneXml(
        signElement(
          buildDteXml(document, ted, issuedAt),
          { id: documentId(document.dteType, document.folio), after: 'Documento' },
          credentials,
        ),
      ),
    );
    envelopes.push(
      await timed('envelope', () =>
        signedEnvelope(
          { dteType: plan.dteType, issuer: testIssuer, documents: [xml] },
          credentials,
          issuedAt,
        ),
      ),
    );
    issued.push(issuedDteOf(plan, i, { xml, ted }));
  }
  for (const xml of envelopes) {
    const result = await timed('simulator: XSD', () => schemas.validate(xml));
    if (!result.valid) throw new Error(`an envelope does not validate: ${result.errors.join('; ')}`);
  }
  for (const envelope of envelopes) {
    // As the simulator does: its reception has checked the envelope well-formed.
    const signatures = await timed('simulator: signatures', () =>
      verifyXmlSignatures(envelope, { wellFormed: true }),
    );
    const teds = await timed('simulator: TEDs', () => verifyTeds(envelope, authorityKey));
    if (!signatures.every((s) => s.valid) || teds.some((t) => t.problems.length > 0))
      throw new Error('an envelope does not verify');
  }
  for (const dte of issued) await timed('PDF', () => renderDtePdf(dte));
  if (round === 'measured') {
    const rows = Object.entries(spent).map(([component, ms]) => [component, (ms / n).toFixed(2)] as const);
    const total = Object.values(spent).reduce((a, b) => a + b, 0) / n;
    console.log(`CPU ms per order (${n} orders):`);
    for (const [component, ms] of rows) console.log(`  ${component.padEnd(24)} ${ms.padStart(8)}`);
    console.log(`  ${'total'.padEnd(24)} ${total.toFixed(2).padStart(8)}`);
  }
}
