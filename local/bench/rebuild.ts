/**
 * `npm run bench:rebuild -- --data DIR`: times `projections rebuild` on an existing data folder
 * (e.g. one left by `npm run bench -- --soak --keep DIR`): events/s, peak RSS, and whether the
 * rebuilt read models equal the live ones (every order view and timeline line, compared item by item).
 */
import { parseArgs } from 'node:util';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startRuntime } from '../src/runtime';
import { callsBetween, countDynamoCalls } from './dynamoCallCounter';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
if (!values.data) {
  console.error('usage: npm run bench:rebuild -- --data DIR   (a data folder of a stopped runtime)');
  process.exit(2);
}

async function scanAll(
  client: DynamoDBClient,
  table: string,
  key: (item: Record<string, AttributeValue>) => string,
) {
  const items = new Map<string, string>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      // The revision counts writes, which differ between a live fold and a rebuild: compare content.
      const { revision: _revision, ...content } = item;
      items.set(key(item), JSON.stringify(content, Object.keys(content).sort()));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k));
}

const runtime = await startRuntime({ dataDir: values.data, log: () => {} });
// Let the live subscriptions finish whatever the folder's last run left.
while (!runtime.followers.every((f) => f.caughtUp)) await new Promise((r) => setTimeout(r, 200));
const before = runtime.projections.activeTables;

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 250);
const calls = countDynamoCalls(runtime.client);
const callsBefore = calls.snapshot();
const memoryBefore = process.memoryUsage();
const rssBefore = memoryBefore.rss;
const cpuBefore = process.cpuUsage();
const started = performance.now();
const result = await runtime.projections.rebuild();
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
clearInterval(sampler);
const rebuildCalls = callsBetween(callsBefore, calls.snapshot());

// Compared once the rebuild is done, so the comparison's own copies don't count in its RSS. The
// previous version's tables stay in place (nothing writes them: this runtime takes no orders).
const after = runtime.projections.activeTables;
const viewDiffs = differences(
  await scanAll(runtime.client, before.orders, (i) => i.orderId!.S!),
  await scanAll(runtime.client, after.orders, (i) => i.orderId!.S!),
);
const lineDiffs = differences(
  await scanAll(runtime.client, before.timeline, (i) => `${i.orderId!.S}#${i.sk!.S}`),
  await scanAll(runtime.client, after.timeline, (i) => `${i.orderId!.S}#${i.sk!.S}`),
);
const viewCount = (await scanAll(runtime.client, after.orders, (i) => i.orderId!.S!)).size;
const lineCount = (await scanAll(runtime.client, after.timeline, (i) => `${i.orderId!.S}#${i.sk!.S}`)).size;
await runtime.stop();

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
console.log(`rebuild v${result.version}        ${result.status}${result.error ? ` (${result.error})` : ''}`);
console.log(
  `events                ${result.eventsProcessed.toLocaleString('en')} in ${seconds.toFixed(1)} s`,
);
console.log(`events/s              ${Math.round(result.eventsProcessed / seconds).toLocaleString('en')}`);
console.log(
  `CPU                   ${cpuSeconds.toFixed(1)} s: ${Math.round(result.eventsProcessed / cpuSeconds).toLocaleString('en')} events per CPU-second (the figure a busy machine doesn't change much)`,
);
console.log(
  `DynamoDB calls        ${Object.entries(rebuildCalls)
    .map(([operation, n]) => `${operation} ${n.toLocaleString('en')}`)
    .join(', ')}`,
);
console.log(
  `memory before         heap ${mb(memoryBefore.heapUsed)} of ${mb(memoryBefore.heapTotal)} MB, external ${mb(memoryBefore.external)} MB, array buffers ${mb(memoryBefore.arrayBuffers)} MB`,
);
console.log(`RSS                   ${mb(rssBefore)} MB before, peak ${mb(peakRss)} MB`);
console.log(
  `order views equal     ${viewDiffs.length === 0 ? 'yes' : `no: ${viewDiffs.length} differ, e.g. ${viewDiffs.slice(0, 3).join(', ')}`} (${viewCount.toLocaleString('en')} views)`,
);
console.log(
  `timeline lines equal  ${lineDiffs.length === 0 ? 'yes' : `no: ${lineDiffs.length} differ`} (${lineCount.toLocaleString('en')} lines)`,
);
process.exit(result.status === 'done' && viewDiffs.length === 0 && lineDiffs.length === 0 ? 0 : 1);
