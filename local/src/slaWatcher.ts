import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import {
  type BroadcastRetryPolicy,
  createRaiseOrdersAtRiskOnSchedule,
  type OrderAtRiskFinding,
  type OrdersAtRiskCheck,
  type ProjectionQueries,
  type ProjectionWatermark,
  type SlaDeadlines,
  slaPolicyOf,
} from '@mtd/projection';

/** The SLA watcher's settings; everything optional. */
export interface SlaWatcherOptions {
  /** Per-stage deadlines in ms after acceptance (validated; stages left out keep their default). */
  deadlines?: Partial<SlaDeadlines>;
  /** The dte service's broadcast retry policy, so a broadcast in legitimate backoff is not at risk. */
  broadcastRetry?: Partial<BroadcastRetryPolicy>;
  /** Timer period; at least {@link minSlaCheckEveryMs}. Default 10 s. */
  checkEveryMs?: number;
  /**
   * The projection's watermark: every event committed before it is in the views (locally, the
   * projection subscription's feed position time). Default: unknown, so the watcher judges nothing.
   */
  watermark?: ProjectionWatermark;
}

/** The SLA timer runs at most once every 10 s: an idle runtime makes no other periodic calls. */
export const minSlaCheckEveryMs = 10_000;

const unknownWatermark: ProjectionWatermark = async () => undefined;

export interface SlaWatcher {
  /** Runs the SLA watcher now (the timer also runs it every `checkEveryMs`). */
  checkSla(): Promise<OrderAtRiskFinding[]>;
  stop(): Promise<void>;
}

/**
 * Projection's SLA watcher on a timer, as the local runtime runs it (on AWS, EventBridge Scheduler
 * invokes the same handler): appends OrderAtRisk to `sla-<orderId>` when a stage overruns.
 */
export function startSlaWatcher(options: {
  queries: ProjectionQueries;
  projectionStore: EventStore;
  clock: Clock;
  ids: IdGenerator;
  sla?: SlaWatcherOptions;
  log: (line: string) => void;
}): SlaWatcher {
  const raise = createRaiseOrdersAtRiskOnSchedule({
    queries: options.queries,
    store: options.projectionStore,
    clock: options.clock,
    ids: options.ids,
    policy: slaPolicyOf(
      {
        ...(options.sla?.deadlines ? { deadlines: options.sla.deadlines } : {}),
        ...(options.sla?.broadcastRetry ? { broadcastRetry: options.sla.broadcastRetry } : {}),
      },
      'the runtime sla options',
    ),
    watermark: options.sla?.watermark ?? unknownWatermark,
  });
  let running: Promise<OrdersAtRiskCheck> | undefined;
  let lastStatus: OrdersAtRiskCheck['status'] | undefined;
  const check = () => {
    running ??= raise()
      .then((result) => {
        // One line per run (and one when the watermark goes unknown), never one per order.
        if (result.status !== lastStatus && result.status === 'watermark-unknown')
          options.log('sla: projection watermark unknown; no deadline judged until it is known');
        lastStatus = result.status;
        if (result.raised.length > 0) options.log(`sla: ${describeRaised(result.raised)}`);
        return result;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(
    () => {
      check().catch((error) => options.log(`sla: check failed: ${(error as Error).message}`));
    },
    Math.max(minSlaCheckEveryMs, options.sla?.checkEveryMs ?? minSlaCheckEveryMs),
  );
  timer.unref();
  return {
    checkSla: async () => (await check()).raised,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}

/** `3 stages at risk in 2 orders: PO-1 dte-issuance, PO-1 notification, PO-7 dispatch` (first 10 listed). */
function describeRaised(raised: readonly OrderAtRiskFinding[]): string {
  const orders = new Set(raised.map((r) => r.orderId)).size;
  const listed = raised.slice(0, 10).map((r) => `${r.orderId} ${r.stage}`);
  const more = raised.length > listed.length ? `, and ${raised.length - listed.length} more` : '';
  return `${raised.length} stage${raised.length === 1 ? '' : 's'} at risk in ${orders} order${orders === 1 ? '' : 's'}: ${listed.join(', ')}${more}`;
}
