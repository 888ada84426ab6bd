import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PurchaseOrder } from '@mtd/contracts';
import { type DemoPacingPolicy, defaultDemoPacing, nextDemoPace } from './demoPacing';
import type { Runtime } from './runtime';
import { batchXml, defects, orderXml, sampleOrder } from './sampleOrders';
import { SubscriptionLag } from './subscriptionLag';

/** What the demo watches of the runtime it feeds: how far behind it is and how orders end. */
export type DemoFeedRuntime = Pick<Runtime, 'runners' | 'onCommit' | 'onOrderChanged'>;

export interface DemoFeedOptions {
  url: string;
  inbox: string;
  /** The intake API key the demo sends (the runtime's own, `Runtime.intakeApiKey`). */
  apiKey?: string;
  random: () => number;
  /** Target orders per second over HTTP; the demo goes slower while the runtime is behind. */
  ratePerSecond: number;
  /** A batch file of this many orders lands in the inbox every `batchEverySeconds`. */
  batchSize?: number;
  batchEverySeconds?: number;
  /** Stop after this many orders (HTTP and batch files together); the runtime keeps running. */
  maxOrders?: number;
  /**
   * The runtime being fed, when in the same process: the demo then slows down when its slowest
   * subscription falls behind, and its summary counts completed orders. Without it the demo is
   * paced at `ratePerSecond` and bounded only by intake's answers.
   */
  runtime?: DemoFeedRuntime;
  pacing?: Partial<Omit<DemoPacingPolicy, 'targetRate'>>;
  /** A summary line this often (not one line per order). */
  summaryEverySeconds?: number;
  log?: (line: string) => void;
}

export interface DemoFeedCounts {
  sent: number;
  /** 202 for a new order. */
  accepted: number;
  /** 202 for a resend intake recognised. */
  duplicates: number;
  /** 4xx: the defective orders the demo sends on purpose. */
  refused: number;
  /** Network errors and 5xx. */
  failed: number;
  batchOrders: number;
  completed: number;
  rejected: number;
  exceptions: number;
  inProcess: number;
}

export interface DemoFeed {
  stop(): Promise<void>;
  counts(): DemoFeedCounts;
  /** Resolves once `maxOrders` were sent and answered (never without `maxOrders`). */
  finished: Promise<void>;
}

const tickMs = 250;

/**
 * Traffic like a shop's: mostly good orders as XML or JSON, some broken ones, some resent, and now
 * and then a batch file in the inbox. Everything goes through the public front doors, paced so the
 * machine running it is never overloaded (see demoPacing.ts), with a summary line every few
 * seconds.
 */
export function startDemoFeed(options: DemoFeedOptions): DemoFeed {
  const { url, inbox, random, runtime, log = () => {} } = options;
  const policy: DemoPacingPolicy = {
    ...defaultDemoPacing,
    ...options.pacing,
    targetRate: options.ratePerSecond,
  };
  const maxOrders = options.maxOrders ?? Number.POSITIVE_INFINITY;
  let sequence = 0;
  let stopped = false;
  let inFlight = 0;
  let rate = policy.targetRate;
  let credit = 0;
  let lastTick = performance.now();
  let paceReason = 'keeping up';
  let lag = { lagMs: 0, slowest: undefined as string | undefined };
  const counts: Omit<DemoFeedCounts, 'inProcess'> = {
    sent: 0,
    accepted: 0,
    duplicates: 0,
    refused: 0,
    failed: 0,
    batchOrders: 0,
    completed: 0,
    rejected: 0,
    exceptions: 0,
  };
  /** Orders accepted and not yet completed, rejected or in exception. */
  const inProcess = new Set<string>();
  const recent: { body: string; type: string }[] = [];
  const nextId = () =>
    `DEMO-${Date.now().toString(36).toUpperCase()}-${(++sequence).toString().padStart(4, '0')}`;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const subscriptionLag = new SubscriptionLag();
  const unsubscribe: (() => void)[] = [];
  if (runtime) {
    unsubscribe.push(
      runtime.onCommit((commit) => subscriptionLag.observe(commit.commitId, performance.now())),
    );
    unsubscribe.push(
      runtime.onOrderChanged((view) => {
        if (!inProcess.has(view.orderId)) return;
        if (view.stage === 'completed') counts.completed++;
        else if (view.stage === 'rejected') counts.rejected++;
        else if (view.exception) counts.exceptions++;
        else return;
        inProcess.delete(view.orderId);
      }),
    );
  }

  async function sendOne(): Promise<void> {
    const roll = random();
    let body: string;
    let type: string;
    let orderId: string | undefined;
    if (roll < 0.05 && recent.length > 0) {
      ({ body, type } = recent[Math.floor(random() * recent.length)]!); // a partner resending
    } else {
      let order: PurchaseOrder = sampleOrder({ orderId: nextId(), random });
      if (roll < 0.15) {
        const names = Object.keys(defects) as (keyof typeof defects)[];
        order = defects[names[Math.floor(random() * names.length)]!](order);
      }
      orderId = order.orderId;
      [body, type] =
        random() < 0.6 ? [orderXml(order), 'application/xml'] : [JSON.stringify(order), 'application/json'];
      recent.push({ body, type });
      if (recent.length > 50) recent.shift();
    }
    counts.sent++;
    inFlight++;
    try {
      const response = await fetch(`${url}/orders`, {
        method: 'POST',
        body,
        headers: { 'content-type': type, ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}) },
      });
      const result = (await response.json().catch(() => ({}))) as { orderId?: string; duplicate?: boolean };
      if (response.status === 202 && (result.duplicate || !orderId)) counts.duplicates++;
      else if (response.status === 202) {
        counts.accepted++;
        if (runtime) inProcess.add(result.orderId ?? orderId!);
      } else if (response.status < 500) counts.refused++;
      else counts.failed++;
    } catch {
      counts.failed++;
    } finally {
      inFlight--;
      if (counts.sent >= maxOrders && inFlight === 0) finish();
    }
  }

  async function dropBatch(): Promise<void> {
    const size = Math.min(options.batchSize ?? 10, maxOrders - counts.sent);
    if (size <= 0) return;
    const ids: string[] = [];
    const orders = Array.from({ length: size }, () => {
      const order = sampleOrder({ orderId: nextId(), random });
      ids.push(order.orderId);
      return orderXml(random() < 0.1 ? defects.badEmail(order) : order);
    });
    counts.sent += size;
    counts.batchOrders += size;
    const name = `demo-batch-${Date.now()}.xml`;
    await writeFile(join(inbox, `${name}.tmp`), batchXml(orders));
    await rename(join(inbox, `${name}.tmp`), join(inbox, name));
    if (runtime) for (const id of ids) inProcess.add(id);
    if (counts.sent >= maxOrders && inFlight === 0) finish();
  }

  const report = (error: unknown) => log(`demo: ${(error as Error).message}`);

  function tick(): void {
    if (stopped) return;
    const now = performance.now();
    if (runtime) lag = subscriptionLag.measure(runtime.runners, now);
    const pace = nextDemoPace(
      { rate, credit, elapsedMs: now - lastTick, lagMs: lag.lagMs, inFlight },
      policy,
    );
    lastTick = now;
    rate = pace.rate;
    credit = pace.credit;
    paceReason = pace.reason;
    const send = Math.min(pace.send, maxOrders - counts.sent);
    for (let i = 0; i < send; i++) sendOne().catch(report);
    if (counts.sent >= maxOrders) stopSending();
  }

  function summary(): string {
    const parts = [
      `sent ${counts.sent}`,
      `accepted ${counts.accepted}`,
      `duplicates ${counts.duplicates}`,
      `refused ${counts.refused}`,
      ...(counts.failed > 0 ? [`failed ${counts.failed}`] : []),
      ...(counts.batchOrders > 0 ? [`in batch files ${counts.batchOrders}`] : []),
    ];
    if (runtime) {
      parts.push(
        `completed ${counts.completed}`,
        `rejected ${counts.rejected}`,
        `in exception ${counts.exceptions}`,
        `in process ${inProcess.size}`,
      );
    }
    const sending = counts.sent >= maxOrders ? 'done sending' : `rate ${rate.toFixed(2)}/s (${paceReason})`;
    const behind = !runtime
      ? ''
      : lag.lagMs === 0
        ? ' · every subscription caught up'
        : ` · slowest subscription ${lag.slowest ?? '-'} ${(lag.lagMs / 1000).toFixed(1)} s behind`;
    return `demo: ${parts.join(', ')} · ${sending}${behind}`;
  }

  let orderTimer: NodeJS.Timeout | undefined = setInterval(tick, tickMs);
  let batchTimer: NodeJS.Timeout | undefined = setInterval(
    () => {
      // A batch is ten orders at once: not while the runtime is behind.
      if (!stopped && lag.lagMs <= policy.maxLagMs) dropBatch().catch(report);
    },
    (options.batchEverySeconds ?? 30) * 1000,
  );
  const summaryTimer = setInterval(
    () => {
      if (runtime) lag = subscriptionLag.measure(runtime.runners, performance.now());
      const over = counts.sent >= maxOrders && inFlight === 0 && inProcess.size === 0;
      log(summary());
      // With --demo-orders: one last line once every order sent has ended, then quiet.
      if (over) clearInterval(summaryTimer);
    },
    (options.summaryEverySeconds ?? 5) * 1000,
  );
  dropBatch().catch(report);

  function stopSending(): void {
    if (orderTimer) clearInterval(orderTimer);
    if (batchTimer) clearInterval(batchTimer);
    orderTimer = undefined;
    batchTimer = undefined;
  }

  return {
    finished,
    counts: () => ({ ...counts, inProcess: inProcess.size }),
    async stop() {
      stopped = true;
      stopSending();
      clearInterval(summaryTimer);
      for (const off of unsubscribe) off();
    },
  };
}
