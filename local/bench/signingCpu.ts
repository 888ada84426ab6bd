/**
 * `npx tsx bench/signingCpu.ts [--orders 1000] [--keys /tmp/signing-keys.json]`: CPU milliseconds per
 * order of dte's signing alone (TED, the document's XMLDSig, the envelope built and signed: what the
 * signing thread does per order), in this thread, warmed up first, and the SHA-256 of everything it
 * signed. With `--keys`, the issuer's credentials and the CAFs are read from that file (written there
 * on the first run), so the hash is comparable across runs and across changes: a change to the signer
 * that should not change a byte of its output must print the same hash. A profile: add `--cpu-prof`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  buildDteXml,
  type Caf,
  documentId,
  planIssuance,
  type SigningCredentials,
  signElement,
  signedEnvelope,
  stampTed,
  standaloneXml,
} from '@mtd/dte';
import { aTestCaf, testCredentials, testIssuer } from '@mtd/dte/testing';
import { aBenchOrder, benchIssuedAt } from './dteFixtures';

const { values } = parseArgs({
  options: { orders: { type: 'string', default: '1000' }, keys: { type: 'string' } },
});
const orders = Number(values.orders);
const issuedAt = benchIssuedAt;

interface Keys {
  credentials: SigningCredentials;
  cafs: Record<33 | 39, Caf>;
}
const freshKeys = (): Keys => ({
  credentials: testCredentials(),
  cafs: { 33: aTestCaf(33, 1, 100_000), 39: aTestCaf(39, 1, 100_000) },
});
let keys: Keys;
if (values.keys && existsSync(values.keys)) keys = JSON.parse(readFileSync(values.keys, 'utf8')) as Keys;
else {
  keys = freshKeys();
  if (values.keys) writeFileSync(values.keys, JSON.stringify(keys), { mode: 0o600 });
}

const plans = Array.from({ length: orders }, (_, k) => {
  const plan = planIssuance(
    // Text to escape in the customer's name and the lines.
    aBenchOrder(k + 1, {
      customerName: 'Ana Pérez & <Cía>',
      description: (line) => `Artículo ${line} "x" 'y'`,
    }),
    testIssuer,
    issuedAt,
  );
  return { dteType: plan.dteType, document: { ...plan.document, folio: k + 1 } };
});
const output = createHash('sha256');
function sign(list: typeof plans): void {
  for (const { dteType, document } of list) {
    const ted = stampTed(document, keys.cafs[dteType], issuedAt);
    const xml = standaloneXml(
      signElement(
        buildDteXml(document, ted, issuedAt),
        { id: documentId(document.dteType, document.folio), after: 'Documento' },
        keys.credentials,
      ),
    );
    output
      .update(xml)
      .update(signedEnvelope({ dteType, issuer: testIssuer, documents: [xml] }, keys.credentials, issuedAt));
  }
}

sign(plans.slice(0, 100)); // compile the signer and its libraries; hashed too, the same each run
const before = process.cpuUsage();
sign(plans);
const { user, system } = process.cpuUsage(before);
console.log(
  `signing: ${((user + system) / 1000 / orders).toFixed(2)} ms CPU per order (${orders} orders: TED, document, envelope); output sha-256 ${output.digest('hex').slice(0, 16)}${values.keys ? '' : ' (fresh keys: pass --keys to compare runs)'}`,
);
