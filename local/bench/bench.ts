/**
 * `npm run bench`: orders through the whole local runtime over HTTP, and in the same run the
 * engine's own limit (raw conditional PutItem/s). Prints one table, writes every figure as JSON.
 *
 *   npm run bench -- --orders 1000 [--rate 20 | --concurrency 32] [--memory] [--soak] [--portal]
 *
 * Without --rate, --concurrency clients send back to back (throughput; latency is then mostly the
 * queue in front of the slowest subscription). --rate N sends N orders/s open loop (latency below
 * saturation). The load client runs in the runtime's process, so CPU figures include it.
 *
 * The figures that travel between machines are the ratios: DynamoDB calls per order, events per
 * order, m, the limit ratio; orders/s and CPU time depend on the machine and what else runs on it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderAtRiskV1 } from '@mtd/contracts';
import type { Commit } from '@mtd/platform';
import { startRuntime, tableNames } from '../src/runtime';
import { orderXml, sampleOrder, seededRandom } from '../src/sampleOrders';
import { benchUsage, parseBenchArgs } from './benchArgs';
import { type BenchResult, formatBenchTable, summariseLatency } from './benchReport';
import { type BudgetPart, budgetPartOf, budgetParts, SiiVerdictCommits } from './callBudget';
import { type CliColdStart, measureCliColdStart } from './cliColdStart';
import { type CpuPart, choreographyAloneLimit, cpuParts, limitRatioCeiling, startCpuParts } from './cpuParts';
import { callsBetween, countDynamoCalls } from './dynamoCallCounter';
import { HopRecorder } from './hopBreakdown';
import { sendOrders } from './loadClient';
import { watchMainThread } from './mainThreadStalls';
import { type DoneOrder, OrderCompletionTracker } from './orderCompletionTracker';
import { openPortal, type PortalSession } from './portalClient';
import { measureRawPutItems } from './rawPutItemRate';
import { startResourceWindow } from './resourceSampler';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let args: ReturnType<typeof parseBenchArgs>;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${benchUsage}`);
  process.exit(2);
}
if (args === 'help') {
  console.log(benchUsage);
  process.exit(0);
}
const options = args;
const mb = (bytes: number) => bytes / 2 ** 20;
const checkEveryMs = 20;
const sampleCommitsKept = 500;
/** Issue 11's acceptance 3: the limit ratio the bench reports a ceiling and an allowance for. */
const limitRatioTarget = 0.5;
const adminPassword = `bench-${Math.random().toString(36).slice(2)}-Aa1!`;

const dataDir = options.keep ?? mkdtempSync(join(tmpdir(), 'mtd-bench-'));
if (options.keep) mkdirSync(options.keep, { recursive: true });
const logLines: string[] = [];
let logCount = 0;
const runtime = await startRuntime({
  dataDir,
  inMemory: options.memory,
  port: 0,
  // Fast and reliable: the bench measures MTD, not the tax authority's latency or its failures.
  taxAuthority: { failureRate: 0, latencyMs: { min: 1, max: 5 } },
  adminPassword,
  // As `npm start` runs: ready for its first order.
  warmUp: true,
  log: (line) => {
    logCount++;
    if (logLines.length < 10) logLines.push(line.split('\n')[0]!.slice(0, 200));
  },
});

// Every call is counted in one part of the budget: the choreography, or the later issue that added it.
const counter = countDynamoCalls(runtime.client, budgetPartOf(tableNames.events, new SiiVerdictCommits()));
const verdictCommits = new SiiVerdictCommits();
const latencies: number[] = [];
/** Orders whose 202 came after the process's first seconds of work (JIT, first uses): steady state. */
const warmUpSeconds = 5;
const latenciesAfterWarmUp: number[] = [];
const outcomes = { completed: 0, rejected: 0, exception: 0 };
let commitsOfDone = 0;
let siiVerdictCommitsOfDone = 0;
let foliosOfDone = 0;
let lastDoneAt = 0;
const soakRss: { orders: number; rssMb: number }[] = [];
// Every follower of the feed: the subscriptions and the audit ledger's writer.
const followerNames = runtime.followers.map((f) => f.name);
const hops = new HopRecorder(followerNames);
const tracker = new OrderCompletionTracker(runtime.followers, (order: DoneOrder) => {
  latencies.push(order.latencyMs);
  if (order.acceptedAt - started >= warmUpSeconds * 1000) latenciesAfterWarmUp.push(order.latencyMs);
  hops.add(order.latencyMs, order.hops, (order.acceptedAt - started) / 1000);
  outcomes[order.outcome]++;
  commitsOfDone += order.commits;
  siiVerdictCommitsOfDone += order.siiVerdictCommits;
  if (order.folio) foliosOfDone++;
  lastDoneAt = performance.now();
  const done = tracker.done;
  if (options.soak && done % 1000 === 0) {
    const rssMb = mb(process.memoryUsage.rss());
    soakRss.push({ orders: done, rssMb });
    console.log(`soak: ${done.toLocaleString('en-US')} orders done, RSS ${Math.round(rssMb)} MB`);
  }
});

let measuring = false;
let events = 0;
let commits = 0;
let ordersAtRisk = 0;
const sampleCommits: Commit[] = [];
const sampling = seededRandom(11);
runtime.onCommit((commit) => {
  tracker.commit(commit, performance.now(), { siiVerdict: verdictCommits.isVerdict(commit.events) });
  if (!measuring) return;
  commits++;
  events += commit.events.length;
  for (const event of commit.events) if (event.type === OrderAtRiskV1.detailType) ordersAtRisk++;
  // A uniform sample of the run's commits (reservoir): the raw PutItems write items of their size.
  if (sampleCommits.length < sampleCommitsKept) sampleCommits.push(commit);
  else {
    const slot = Math.floor(sampling() * commits);
    if (slot < sampleCommitsKept) sampleCommits[slot] = commit;
  }
});
runtime.onOrderChanged((view) => tracker.viewChanged(view, performance.now()));

let portal: PortalSession | undefined;
let portalSkipped: string | undefined;
if (options.portal) {
  try {
    portal = await openPortal(runtime.url, { username: 'admin', password: adminPassword });
  } catch (error) {
    portalSkipped = (error as Error).message;
  }
}

const random = seededRandom(7);
let timedOut = false;
let loadFinished = false;
let allDone: () => void = () => {};
const finished = new Promise<void>((resolve) => {
  allDone = resolve;
});
const deadline = setTimeout(() => {
  timedOut = true;
  allDone();
}, options.deadlineSeconds * 1000);
const checker = setInterval(() => {
  tracker.check(performance.now());
  if (loadFinished && tracker.outstanding === 0) allDone();
}, checkEveryMs);

console.log(
  `bench: ${options.orders} orders, ${options.rate ? `${options.rate}/s paced` : `unpaced, ${options.concurrency} clients`}, engine ${options.memory ? 'in memory' : 'on disk'}…`,
);
const callsBefore = counter.snapshot();
const callsByTableBefore = counter.snapshotByTable();
const callsByPartBefore = counter.snapshotByPart();
measuring = true;
const resources = startResourceWindow();
const cpuWindow = startCpuParts({
  pdfWorker: () => runtime.pdfThreads(),
  taxAuthority: () => runtime.taxAuthorityThreads(),
  dteSigning: () => runtime.signingThreads(),
});
const mainThread = watchMainThread();
const started = performance.now();
const load = await sendOrders({
  url: runtime.url,
  ...(runtime.intakeApiKey ? { apiKey: runtime.intakeApiKey } : {}),
  orders: options.orders,
  rate: options.rate,
  concurrency: options.concurrency,
  orderAt: (index) => {
    const order = sampleOrder({ orderId: `BENCH-${index.toString().padStart(6, '0')}`, random });
    return { orderId: order.orderId, body: orderXml(order), contentType: 'application/xml' };
  },
  onSending: (order) => tracker.expect(order.orderId),
  onAnswer: (order, status, at) => {
    if (status === 202) tracker.accepted(order.orderId, at);
    else tracker.refused(order.orderId);
  },
  stopped: () => timedOut,
});
loadFinished = true;
await finished;
const ended = timedOut ? performance.now() : Math.max(lastDoneAt, load.lastAnswerAt);
measuring = false;
const usage = resources.stop();
const cpuByPart = cpuWindow.stop(usage.cpuSeconds);
const stalls = mainThread.stop();
const callsAfter = counter.snapshot();
const callsByTableAfter = counter.snapshotByTable();
const callsByPartAfter = counter.snapshotByPart();
const slowestCalls = counter.slowest().map((c) => ({ ...c, sentAtSeconds: (c.sentAt - started) / 1000 }));
clearInterval(checker);
clearTimeout(deadline);

const portalResult = portal ? await portal.close() : undefined;
// Once the load is over, while the runtime still runs: the query needs it.
const cliColdStart: CliColdStart = timedOut
  ? { skipped: 'the run hit its deadline' }
  : await measureCliColdStart({ dataDir, password: adminPassword });
await Promise.race([runtime.stop(), new Promise((resolve) => setTimeout(resolve, 30_000))]);
if (!options.keep) rmSync(dataDir, { recursive: true, force: true });

const done = tracker.done;
const seconds = (ended - started) / 1000;
const calls = callsBetween(callsBefore, callsAfter);
const callsByTable = callsBetween(callsByTableBefore, callsByTableAfter);
const callTotal = Object.values(calls).reduce((a, b) => a + b, 0);
const perOrder = (n: number) => (done === 0 ? Number.NaN : n / done);
const rawPutItem = timedOut
  ? { skipped: 'the run hit its deadline' }
  : await measureRawPutItems({ memory: options.memory, puts: options.puts, inFlight: 16, sampleCommits });
const commitsPerOrder = perOrder(commitsOfDone);
const siiVerdictCommitsPerOrder = perOrder(siiVerdictCommitsOfDone);
const folioWritesPerOrder = perOrder(foliosOfDone);
const m = commitsPerOrder + folioWritesPerOrder;
const callsByPart = Object.fromEntries(
  (Object.keys(budgetParts) as BudgetPart[]).map((part) => {
    const byTable = callsBetween(callsByPartBefore[part] ?? {}, callsByPartAfter[part] ?? {});
    const calls = Object.values(byTable).reduce((a, b) => a + b, 0);
    return [
      part,
      {
        ...budgetParts[part],
        calls,
        perOrder: perOrder(calls),
        perOrderByTable: Object.fromEntries(Object.entries(byTable).map(([key, n]) => [key, perOrder(n)])),
      },
    ];
  }),
) as BenchResult['dynamodb']['byPart'];
const ordersPerSecond = done / seconds;
const partMs = (part: CpuPart) => perOrder(cpuByPart.seconds[part]) * 1000;
const ordersPerSecondAtEngineLimit =
  'skipped' in rawPutItem || !(m > 0) ? null : rawPutItem.putsPerSecond / m;

const result: BenchResult = {
  at: new Date().toISOString(),
  machine: {
    node: process.version,
    // glibc's malloc arenas too (package.json sets them like the heap flags; see docs/decisions.md).
    heapFlags: [
      ...(process.env.NODE_OPTIONS ?? '').split(/\s+/),
      ...process.execArgv,
      ...(process.env.MALLOC_ARENA_MAX ? [`MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX}`] : []),
    ]
      .filter((flag) => /^(--max-(old|semi)-space-size|MALLOC_ARENA_MAX)=/.test(flag))
      .join(' '),
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  },
  run: {
    orders: options.orders,
    load: options.rate
      ? `paced at ${options.rate} orders/s (open loop)`
      : `unpaced, ${options.concurrency} clients`,
    rate: options.rate ?? null,
    concurrency: options.rate ? null : options.concurrency,
    engine: options.memory ? 'memory' : 'disk',
    portal: options.portal,
    soak: options.soak,
    deadlineSeconds: options.deadlineSeconds,
    timedOut,
  },
  orders: {
    sent: load.sent,
    accepted: load.accepted,
    refused: load.refused,
    answers: load.statuses,
    done,
    ...outcomes,
    notDone: tracker.outstanding,
  },
  seconds: { window: seconds, intake: (load.lastAnswerAt - started) / 1000 },
  throughput: {
    ordersPerSecond,
    eventsPerSecond: events / seconds,
    events,
    commits,
    eventsPerOrder: perOrder(events),
  },
  latencyMs: summariseLatency(latencies),
  latencyAfterWarmUpMs: { afterSeconds: warmUpSeconds, ...summariseLatency(latenciesAfterWarmUp) },
  hops: hops.summarise(checkEveryMs),
  mainThread: stalls,
  dynamodb: {
    calls: callTotal,
    callsByOperation: calls,
    callsPerOrder: perOrder(callTotal),
    callsPerOrderByOperation: Object.fromEntries(Object.entries(calls).map(([op, n]) => [op, perOrder(n)])),
    callsPerOrderByTable: Object.fromEntries(
      Object.entries(callsByTable).map(([table, n]) => [table, perOrder(n)]),
    ),
    byPart: callsByPart,
    slowest: slowestCalls,
  },
  cpu: {
    seconds: usage.cpuSeconds,
    userSeconds: usage.cpuUserSeconds,
    systemSeconds: usage.cpuSystemSeconds,
    secondsPerOrder: perOrder(usage.cpuSeconds),
    ordersPerCpuSecond: done / usage.cpuSeconds,
    perWallSecond: usage.cpuSeconds / seconds,
    byPart: Object.fromEntries(
      (Object.keys(cpuParts) as CpuPart[]).map((part) => [
        part,
        {
          ...cpuParts[part],
          seconds: cpuByPart.seconds[part],
          msPerOrder: perOrder(cpuByPart.seconds[part]) * 1000,
        },
      ]),
    ) as BenchResult['cpu']['byPart'],
    mainThreadMsPerOrder: perOrder(cpuByPart.mainThreadSeconds) * 1000,
    mainThreadPerWallSecond: cpuByPart.mainThreadSeconds / seconds,
    choreographyMsPerOrderByThread: {
      main: perOrder(cpuByPart.choreographyMainThreadSeconds) * 1000,
      others: perOrder(cpuByPart.choreographyOtherThreadsSeconds) * 1000,
    },
    ...(cpuByPart.unmeasured ? { unmeasured: cpuByPart.unmeasured } : {}),
  },
  memory: {
    peakRssMb: mb(usage.peakRssBytes),
    rssAtStartMb: mb(usage.rssAtStartBytes),
    rssAtEndMb: mb(usage.rssAtEndBytes),
  },
  soak: options.soak
    ? {
        rssMbEvery1000: soakRss,
        rssEndMinusFirst1000Mb: soakRss[0] ? mb(usage.rssAtEndBytes) - soakRss[0].rssMb : null,
      }
    : null,
  portal: options.portal ? (portalResult ?? { skipped: portalSkipped ?? 'not opened' }) : null,
  ordersAtRiskRaised: ordersAtRisk,
  rawPutItem,
  limit: {
    m,
    commitsPerOrder,
    siiVerdictCommitsPerOrder,
    folioWritesPerOrder,
    mChoreography: m - siiVerdictCommitsPerOrder,
    howMIsCounted:
      done === 0
        ? 'not counted: no order was done'
        : `${commitsPerOrder.toFixed(2)} commits per done order (its commits seen by onCommit, by correlation id, up to its last state; ${siiVerdictCommitsPerOrder.toFixed(2)} of them the SII verdict's, issue 15) + ${folioWritesPerOrder.toFixed(2)} folio writes (the share of done orders issued a DTE); without the verdict's commit (the choreography of issue 11): ${(m - siiVerdictCommitsPerOrder).toFixed(2)}`,
    ordersPerSecondAtEngineLimit,
    ratio: ordersPerSecondAtEngineLimit === null ? null : ordersPerSecond / ordersPerSecondAtEngineLimit,
    choreographyAlone: choreographyAloneLimit({
      ordersPerSecond,
      cpuSecondsPerOrder: perOrder(usage.cpuSeconds),
      choreographySecondsPerOrder: perOrder(cpuByPart.seconds.choreography),
      putsPerSecond: 'skipped' in rawPutItem ? null : rawPutItem.putsPerSecond,
      mChoreography: m - siiVerdictCommitsPerOrder,
    }),
    ceiling: {
      target: limitRatioTarget,
      ...limitRatioCeiling({
        cores: cpus().length,
        otherPartsMsPerOrder: partMs('pdfWorker') + partMs('taxAuthority') + partMs('dteSigning'),
        productPartsMsPerOrder: partMs('pdfWorker') + partMs('dteSigning'),
        putsPerSecond: 'skipped' in rawPutItem ? null : rawPutItem.putsPerSecond,
        m,
        mChoreography: m - siiVerdictCommitsPerOrder,
        target: limitRatioTarget,
      }),
    },
  },
  cliColdStart,
  runtimeLog: { lines: logCount, first: logLines },
};

console.log(`\n${formatBenchTable(result)}\n`);
mkdirSync(options.out, { recursive: true });
const file = join(options.out, `bench-${result.at.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`);
const json = `${JSON.stringify(result, null, 2)}\n`;
writeFileSync(file, json);
writeFileSync(join(options.out, 'bench-latest.json'), json);
console.log(`JSON: ${file}`);
process.exit(timedOut || done < load.accepted ? 1 : 0);
