/**
 * `npm run bench:rebuild -- --data DIR`: times `projections rebuild` on an existing data folder
 * (e.g. one left by `npm run bench -- --soak --keep DIR`): events/s, peak RSS, and whether the
 * rebuilt read models equal the live ones (every order view and timeline line, compared item by item).
 * `--cpu-prof FILE` writes a CPU profile of the rebuild alone (not the start or the comparison).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { threadCpuSeconds } from '@mtd/platform';
import { startRuntime } from '../src/runtime';
import { threadsOfProcess } from './cpuParts';
import { callsBetween, countDynamoCalls } from './dynamoCallCounter';

// The runtime's modules are loaded (static imports run first): its memory before any work.
const memoryAfterImports = memoryNow();
const { values } = parseArgs({ options: { data: { type: 'string' }, 'cpu-prof': { type: 'string' } } });
if (!values.data) {
  console.error(
    'usage: npm run bench:rebuild -- --data DIR [--cpu-prof FILE]   (a data folder of a stopped runtime)',
  );
  process.exit(2);
}

/**
 * CPU-seconds of the main thread and of all the others (libuv's pool, where LevelDB reads and
 * writes run; LevelDB's compaction thread; V8's GC helpers), from Linux's /proc; undefined elsewhere.
 */
function cpuOfThreads(): { main: number; others: number } | undefined {
  const main = threadCpuSeconds();
  if (main === undefined) return undefined;
  const others = threadsOfProcess()
    .filter((thread) => thread !== process.pid)
    .reduce((sum, thread) => sum + (threadCpuSeconds(thread) ?? 0), 0);
  return { main, others };
}

/**
 * process.memoryUsage() and, on Linux, how much of the RSS is file pages mapped into the process
 * (LevelDB maps its table files to read them: pages of the store read, shared with the page cache
 * and given back under pressure) rather than the process's own (anonymous) memory.
 */
function memoryNow(): NodeJS.MemoryUsage & { rssFile?: number } {
  const usage = process.memoryUsage();
  try {
    const kb = /RssFile:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? { ...usage, rssFile: Number(kb) * 1024 } : usage;
  } catch {
    return usage;
  }
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

// No SLA timer: it would raise OrderAtRisk for the folder's unfinished orders as the real clock
// passes their deadlines, and events appended during the rebuild reach the live version only until
// the switch, so the comparison below would find differences that are not the rebuild's.
const runtime = await startRuntime({
  dataDir: values.data,
  log: () => {},
  sla: { checkEveryMs: 2 ** 31 - 1 },
});
// Let the live subscriptions finish whatever the folder's last run left.
while (!runtime.followers.every((f) => f.caughtUp)) await new Promise((r) => setTimeout(r, 200));
// A folder from before the keys-only order indexes is upgraded by a rebuild at start: let it end,
// then measure in a fresh process (this one's memory holds what the upgrade left).
if (runtime.projections.progress().status === 'running') {
  const upgrade = await runtime.projections.rebuild();
  await runtime.stop();
  console.log(
    `(the folder was upgraded first: rebuild v${upgrade.version} ${upgrade.status}; measuring in a new process)`,
  );
  if (upgrade.status !== 'done') process.exit(1);
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(again.status ?? 1);
}
const before = runtime.projections.activeTables;

const memoryBefore = memoryNow();
let peak = memoryBefore;
const sampler = setInterval(() => {
  const now = memoryNow();
  if (now.rss > peak.rss) peak = now;
}, 250);
const profiler = values['cpu-prof'] ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
const calls = countDynamoCalls(runtime.client);
const callsBefore = calls.snapshot();
const cpuBefore = process.cpuUsage();
const threadsBefore = cpuOfThreads();
const started = performance.now();
const result = await runtime.projections.rebuild();
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const threadsAfter = cpuOfThreads();
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(values['cpu-prof']!, JSON.stringify(profile));
  profiler.disconnect();
}
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
if (threadsBefore && threadsAfter)
  console.log(
    `CPU by thread         main ${(threadsAfter.main - threadsBefore.main).toFixed(1)} s, others ${(threadsAfter.others - threadsBefore.others).toFixed(1)} s (LevelDB, GC helpers; threads that ended are not counted)`,
  );
console.log(
  `DynamoDB calls        ${Object.entries(rebuildCalls)
    .map(([operation, n]) => `${operation} ${n.toLocaleString('en')}`)
    .join(', ')}`,
);
const split = (m: ReturnType<typeof memoryNow>) =>
  `RSS ${mb(m.rss).padStart(4)} MB: heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)} MB, external ${mb(m.external)} MB (array buffers ${mb(m.arrayBuffers)} MB), the rest ${mb(m.rss - m.heapTotal - m.external)} MB${m.rssFile === undefined ? '' : ` (of the RSS, mapped files ${mb(m.rssFile)} MB)`}`;
console.log(`memory after imports  ${split(memoryAfterImports)}`);
console.log(`memory before         ${split(memoryBefore)}`);
console.log(`memory at peak        ${split(peak)}`);
console.log(
  `order views equal     ${viewDiffs.length === 0 ? 'yes' : `no: ${viewDiffs.length} differ, e.g. ${viewDiffs.slice(0, 3).join(', ')}`} (${viewCount.toLocaleString('en')} views)`,
);
console.log(
  `timeline lines equal  ${lineDiffs.length === 0 ? 'yes' : `no: ${lineDiffs.length} differ`} (${lineCount.toLocaleString('en')} lines)`,
);
process.exit(result.status === 'done' && viewDiffs.length === 0 && lineDiffs.length === 0 ? 0 : 1);
