import type { BudgetPart } from './callBudget';
import type { CliColdStart } from './cliColdStart';
import type { CpuPart } from './cpuParts';
import type { CallsByOperation } from './dynamoCallCounter';
import type { HopBreakdown } from './hopBreakdown';
import type { MainThreadStalls } from './mainThreadStalls';
import type { RawPutItemResult } from './rawPutItemRate';

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Every figure of one run; the JSON file is exactly this. */
export interface BenchResult {
  at: string;
  machine: {
    node: string;
    /** The V8 heap flags the run had (NODE_OPTIONS and node's own arguments): GC figures depend on them. */
    heapFlags?: string;
    platform: string;
    cpus: number;
    cpuModel: string;
  };
  run: {
    orders: number;
    load: string;
    rate: number | null;
    concurrency: number | null;
    engine: 'memory' | 'disk';
    portal: boolean;
    soak: boolean;
    deadlineSeconds: number;
    timedOut: boolean;
  };
  orders: {
    sent: number;
    accepted: number;
    refused: number;
    answers: Record<string, number>;
    /** Ended (completed, rejected or in exception) and applied by every subscription. */
    done: number;
    completed: number;
    rejected: number;
    exception: number;
    notDone: number;
  };
  seconds: { window: number; intake: number };
  throughput: {
    ordersPerSecond: number;
    eventsPerSecond: number;
    events: number;
    commits: number;
    eventsPerOrder: number;
  };
  /** From the 202 to every subscription (audit included) having applied the order's last event. */
  latencyMs: LatencySummary;
  /**
   * The same for the orders whose 202 came after the run's first `afterSeconds`: the first orders
   * also pay the process's first uses (JIT, first signature, first token); shown beside, not instead.
   */
  latencyAfterWarmUpMs: LatencySummary & { afterSeconds: number };
  /** Where the time went, for typical orders (p45–p55) and the slowest 1%. */
  hops: HopBreakdown;
  /** Event-loop delay and GC pauses of the main thread over the run. */
  mainThread: MainThreadStalls;
  dynamodb: {
    calls: number;
    callsByOperation: CallsByOperation;
    callsPerOrder: number;
    callsPerOrderByOperation: Record<string, number>;
    /** The run's slowest calls: an engine stall (LevelDB compaction, a lock) holds every reader back. */
    slowest: { call: string; ms: number; sentAtSeconds: number }[];
    /** `table operation` → calls per order: which component spends the budget. */
    callsPerOrderByTable: Record<string, number>;
    /**
     * The same calls split by whose work they are: the choreography (issue 11's targets) and what
     * later issues added, each named; the parts add up to `callsPerOrder`.
     */
    byPart: Record<
      BudgetPart,
      {
        label: string;
        what: string;
        calls: number;
        perOrder: number;
        perOrderByTable: Record<string, number>;
      }
    >;
  };
  cpu: {
    seconds: number;
    userSeconds: number;
    systemSeconds: number;
    secondsPerOrder: number;
    ordersPerCpuSecond: number;
    /** CPU-seconds the process used per second of the window (at most the machine's cores). */
    perWallSecond: number;
    /**
     * The same CPU split by whose work it is (cpuParts.ts): the PDF worker thread, the tax-authority
     * simulator's thread and dte's signing measured, the choreography the rest; the parts add up to
     * `seconds`.
     */
    byPart: Record<CpuPart, { label: string; what: string; seconds: number; msPerOrder: number }>;
    /**
     * The main thread's CPU, every part it ran: the choreography's event loop, the first thing a run
     * saturates; and its CPU-seconds per second of the run (1 is saturated).
     */
    mainThreadMsPerOrder: number;
    mainThreadPerWallSecond: number;
    /** The choreography's part on the main thread and on every other thread (libuv pool, GC helpers). */
    choreographyMsPerOrderByThread: { main: number; others: number };
    unmeasured?: string;
  };
  memory: { peakRssMb: number; rssAtStartMb: number; rssAtEndMb: number };
  soak: { rssMbEvery1000: { orders: number; rssMb: number }[]; rssEndMinusFirst1000Mb: number | null } | null;
  portal: { updates: number; bytes: number } | { skipped: string } | null;
  ordersAtRiskRaised: number;
  rawPutItem: RawPutItemResult | { skipped: string };
  limit: {
    /** Conditional writes an order needs: its commits plus its folio. */
    m: number;
    commitsPerOrder: number;
    /** Of `commitsPerOrder`, the SII verdict's commit (issue 15). */
    siiVerdictCommitsPerOrder: number;
    folioWritesPerOrder: number;
    /** m without the SII verdict's commit: the choreography as issue 11 left it. */
    mChoreography: number;
    howMIsCounted: string;
    ordersPerSecondAtEngineLimit: number | null;
    ratio: number | null;
    /** Derived, not run: see `choreographyAloneLimit` in cpuParts.ts. */
    choreographyAlone: {
      ordersPerSecond: number;
      ordersPerSecondAtEngineLimit: number | null;
      ratio: number | null;
    };
    /** Upper bounds from this run's figures: see `limitRatioCeiling` in cpuParts.ts. */
    ceiling: {
      target: number;
      ratioWithFreeChoreography: number | null;
      ratioWithFreeChoreographyWithoutSimulator: number | null;
      choreographyMsAllowed: number | null;
      choreographyAloneMsAllowed: number | null;
    };
  };
  cliColdStart: CliColdStart;
  runtimeLog: { lines: number; first: string[] };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summariseLatency(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

const number = (n: number | null, digits = 1) =>
  n === null || !Number.isFinite(n)
    ? '-'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const whole = (n: number) => number(n, 0);
const ms = (n: number) => `${whole(n)} ms`;

/** The run as one plain aligned table: a figure per row, sub-rows indented. */
export function formatBenchTable(r: BenchResult): string {
  const rows: [string, string][] = [];
  const row = (label: string, value: string) => rows.push([label, value]);
  const heapFlags = r.machine.heapFlags ? ` (${r.machine.heapFlags})` : '';
  row('run', `${r.at} · node ${r.machine.node}${heapFlags} · ${r.machine.cpus} CPUs (${r.machine.cpuModel})`);
  row(
    'load',
    `${whole(r.run.orders)} orders, ${r.run.load}, engine ${r.run.engine === 'disk' ? 'on disk' : 'in memory'}, portal ${r.run.portal ? 'open' : 'closed'}${r.run.soak ? ', soak' : ''}`,
  );
  if (r.run.timedOut)
    row('DEADLINE', `gave up after ${r.run.deadlineSeconds} s: the figures cover what completed`);
  row(
    'orders done',
    `${whole(r.orders.done)} of ${whole(r.orders.sent)} sent (${whole(r.orders.accepted)} accepted, ${whole(r.orders.refused)} refused, ${whole(r.orders.notDone)} not done)`,
  );
  row(
    '  outcome',
    `${whole(r.orders.completed)} completed, ${whole(r.orders.rejected)} rejected, ${whole(r.orders.exception)} in exception`,
  );
  row('wall time', `${number(r.seconds.window)} s (intake answered all in ${number(r.seconds.intake)} s)`);
  row('orders/s', number(r.throughput.ordersPerSecond, 2));
  row(
    'events/s',
    `${number(r.throughput.eventsPerSecond)} (${whole(r.throughput.events)} events in ${whole(r.throughput.commits)} commits, ${number(r.throughput.eventsPerOrder, 2)} per order)`,
  );
  row('latency 202 → all applied', `over ${whole(r.latencyMs.count)} orders`);
  row('  p50', ms(r.latencyMs.p50));
  row('  p95', ms(r.latencyMs.p95));
  row('  p99', ms(r.latencyMs.p99));
  row('  max', ms(r.latencyMs.max));
  const steady = r.latencyAfterWarmUpMs;
  row(
    `  202 after the first ${steady.afterSeconds} s`,
    `p50 ${ms(steady.p50)}, p95 ${ms(steady.p95)}, p99 ${ms(steady.p99)}, max ${ms(steady.max)} (${whole(steady.count)} orders)`,
  );
  const [typical, slowest] = r.hops.bands;
  if (typical && slowest) {
    const signed = (n: number) => (Number.isNaN(n) ? '-' : `${n >= 0 ? '+' : ''}${whole(n)} ms`);
    const pair = (a: number, b: number) => `${signed(a).padStart(10)}  ${signed(b).padStart(10)}`;
    row(
      'where the time went (after the 202)',
      `${typical.band.padStart(10)}  ${slowest.band.padStart(10)}   medians; ${typical.orders} and ${slowest.orders} orders; followers seen every ${r.hops.checkEveryMs} ms`,
    );
    for (const [i, m] of typical.milestones.entries())
      row(`  ${m.name}`, pair(m.ms, slowest.milestones[i]!.ms));
    row('  past the last commit, by follower', '');
    for (const [i, f] of typical.applied.entries()) row(`    ${f.name}`, pair(f.ms, slowest.applied[i]!.ms));
    row(
      '  last to apply (slowest 1%)',
      slowest.lastToApply.map((f) => `${f.name} ×${f.orders}`).join(', ') || '-',
    );
    row('  their 202s (s into the run)', slowest.acceptedAtSeconds.map((s) => number(s)).join(', '));
  }
  const { loopDelayMs: loop, gc } = r.mainThread;
  row(
    'main thread: event-loop delay',
    `p50 ${ms(loop.p50)}, p99 ${ms(loop.p99)}, max ${ms(loop.max)}; GC ${whole(gc.count)} pauses, ${ms(gc.totalMs)} in all, longest ${ms(gc.maxMs)} (major: ${whole(gc.major.count)}, ${ms(gc.major.totalMs)}, longest ${ms(gc.major.maxMs)})`,
  );
  row(
    'DynamoDB calls per order',
    `${number(r.dynamodb.callsPerOrder, 2)} (${whole(r.dynamodb.calls)} calls)`,
  );
  for (const [operation, perOrder] of Object.entries(r.dynamodb.callsPerOrderByOperation))
    row(`  ${operation}`, number(perOrder, 2));
  row(
    '  slowest (ms, at s into the run)',
    r.dynamodb.slowest
      .slice(0, 5)
      .map((c) => `${c.call} ${whole(c.ms)} @${number(c.sentAtSeconds)}`)
      .join('; ') || '-',
  );
  row('  by part, then table (≥ 0.05)', 'whose work: the parts add up to the total');
  for (const part of Object.values(r.dynamodb.byPart)) {
    row(`    ${part.label}`, `${number(part.perOrder, 2)}  ${part.what}`);
    for (const [table, perOrder] of Object.entries(part.perOrderByTable))
      if (perOrder >= 0.05) row(`      ${table}`, number(perOrder, 2));
  }
  row(
    'CPU per order',
    `${number(r.cpu.secondsPerOrder * 1000, 1)} ms CPU (${number(r.cpu.ordersPerCpuSecond)} orders per CPU-second; ${number(r.cpu.seconds)} CPU-s in all, ${number(r.cpu.perWallSecond, 2)} per second of the run)`,
  );
  row(
    '  main thread',
    `${number(r.cpu.mainThreadMsPerOrder, 1)} ms per order, every part it ran (${number(r.cpu.mainThreadPerWallSecond, 2)} CPU-s per second of the run: 1 is saturated)`,
  );
  row('  by part', 'whose work: the parts add up to the total');
  for (const [part, figures] of Object.entries(r.cpu.byPart)) {
    row(`    ${figures.label}`, `${number(figures.msPerOrder, 1)} ms  ${figures.what}`);
    if (part === 'choreography')
      row(
        '      main thread / other threads',
        `${number(r.cpu.choreographyMsPerOrderByThread.main, 1)} / ${number(r.cpu.choreographyMsPerOrderByThread.others, 1)} ms (other threads: mostly V8's platform threads — concurrent GC and optimising compiler, shared by the main thread and the workers —, then libuv's pool and LevelDB's compaction)`,
      );
  }
  if (r.cpu.unmeasured) row('    not measured', r.cpu.unmeasured);
  row(
    'peak RSS',
    `${whole(r.memory.peakRssMb)} MB (start ${whole(r.memory.rssAtStartMb)} MB, end ${whole(r.memory.rssAtEndMb)} MB)`,
  );
  if (r.soak) {
    row(
      'soak: RSS end − after 1,000',
      r.soak.rssEndMinusFirst1000Mb === null
        ? '- (fewer than 1,000 done)'
        : `${whole(r.soak.rssEndMinusFirst1000Mb)} MB`,
    );
  }
  if (r.portal)
    row(
      'portal',
      'skipped' in r.portal
        ? `skipped: ${r.portal.skipped}`
        : `${whole(r.portal.updates)} live updates received`,
    );
  row('OrderAtRisk raised', whole(r.ordersAtRiskRaised));
  if ('skipped' in r.rawPutItem) row('raw PutItem', `skipped: ${r.rawPutItem.skipped}`);
  else {
    const raw = r.rawPutItem;
    row(
      'raw PutItem/s',
      `${number(raw.putsPerSecond)} (${whole(raw.puts)} conditional, ${raw.inFlight} in flight, ${whole(raw.itemBytes)}-byte items, engine ${raw.engine === 'disk' ? 'on disk' : 'in memory'})`,
    );
    // What the engine's calls alone cost an order, at the raw PutItem's price: the floor under the
    // CPU per order that no change above the engine can go below.
    row(
      '  CPU per raw PutItem',
      `${number(raw.cpuMsPerPut, 2)} ms (every thread); an order's ${number(r.dynamodb.callsPerOrder, 2)} calls at that price: ${number(raw.cpuMsPerPut * r.dynamodb.callsPerOrder, 1)} ms of its ${number(r.cpu.secondsPerOrder * 1000, 1)} ms CPU`,
    );
  }
  row('m (writes an order needs)', `${number(r.limit.m, 2)}: ${r.limit.howMIsCounted}`);
  row(
    'limit ratio',
    r.limit.ratio === null
      ? '-'
      : `${number(r.limit.ratio, 3)} = ${number(r.throughput.ordersPerSecond, 2)} orders/s ÷ (${number('skipped' in r.rawPutItem ? null : r.rawPutItem.putsPerSecond)} PutItem/s ÷ ${number(r.limit.m, 2)} = ${number(r.limit.ordersPerSecondAtEngineLimit, 1)} orders/s)${r.run.rate === null ? '' : ' — paced: orders/s is the offered rate, so this is a floor'}`,
  );
  const alone = r.limit.choreographyAlone;
  const choreographyMs = r.cpu.byPart.choreography.msPerOrder;
  row(
    'limit ratio, choreography alone',
    alone.ratio === null
      ? '-'
      : `${number(alone.ratio, 3)} = ${number(alone.ordersPerSecond, 2)} orders/s ÷ (${number('skipped' in r.rawPutItem ? null : r.rawPutItem.putsPerSecond)} PutItem/s ÷ ${number(r.limit.mChoreography, 2)} = ${number(alone.ordersPerSecondAtEngineLimit, 1)} orders/s). DERIVED, not run: ${number(alone.ordersPerSecond, 2)} = ${number(r.throughput.ordersPerSecond, 2)} orders/s × (${number(r.cpu.secondsPerOrder * 1000, 1)} ÷ ${number(choreographyMs, 1)} ms CPU per order), the CPU the other parts took given to more orders; m without the SII verdict's commit. It holds as far as the run was bound by its CPU (${number(r.cpu.perWallSecond, 2)} CPU-s per second on ${r.machine.cpus} cores)${r.run.rate === null ? '' : '; paced, so orders/s was the offered rate and this means little'}`,
  );
  const ceiling = r.limit.ceiling;
  if (ceiling.ratioWithFreeChoreography !== null && ceiling.choreographyMsAllowed !== null) {
    const parts = r.cpu.byPart;
    row(
      'limit ratio ceiling',
      `${number(ceiling.ratioWithFreeChoreography, 2)} were the choreography free: ${r.machine.cpus} cores ÷ the other parts' ${number(parts.pdfWorker.msPerOrder + parts.taxAuthority.msPerOrder + parts.dteSigning.msPerOrder, 1)} ms per order, against ${number(r.limit.ordersPerSecondAtEngineLimit, 1)} orders/s; ${number(ceiling.ratioWithFreeChoreographyWithoutSimulator, 2)} without the SII simulator's. An upper bound: every core busy`,
    );
    row(
      `choreography CPU a ratio of ${ceiling.target} allows`,
      `${ceiling.choreographyMsAllowed > 0 ? `${number(ceiling.choreographyMsAllowed, 1)} ms per order beside the other parts` : `none beside the other parts (${number(ceiling.choreographyMsAllowed, 1)} ms: they alone take more than an order may)`}; ${number(ceiling.choreographyAloneMsAllowed, 1)} ms with nothing else running (m ${number(r.limit.mChoreography, 2)}); measured: ${number(r.cpu.byPart.choreography.msPerOrder, 1)} ms`,
    );
  }
  if ('skipped' in r.cliColdStart) row('CLI cold start', `skipped: ${r.cliColdStart.skipped}`);
  else {
    const cli = r.cliColdStart;
    row('CLI cold start (--help)', `${ms(cli.helpMs)} (${cli.help}, median of ${cli.runs})`);
    row('CLI cold start (a query)', `${ms(cli.queryMs)} (${cli.query}, median of ${cli.runs})`);
  }
  if (r.runtimeLog.lines > 0)
    row(
      'runtime log',
      `${whole(r.runtimeLog.lines)} line${r.runtimeLog.lines === 1 ? '' : 's'}; first: ${r.runtimeLog.first[0]}`,
    );
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
