import { OrderAtRiskV1, Streams } from '@mtd/contracts';
import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import { StreamVersionConflictError } from '@mtd/platform';
import {
  candidatesFirstSeenBy,
  detectOrdersAtRisk,
  judgedUpTo,
  type OrderAtRiskFinding,
  type SlaPolicy,
} from '#domain/sla';
import type { ProjectionQueries } from '#src/projectionQueries';

/**
 * The projection's watermark: every event committed before the returned instant is reflected in
 * the order views; `undefined` when it is not known (then nothing is judged). A caught-up
 * projection's watermark is the time it last found nothing newer to read, not its last event's
 * time: an idle system must still see a stuck order's deadline pass.
 */
export type ProjectionWatermark = () => Promise<Date | undefined>;

export interface RaiseOrdersAtRiskDeps {
  queries: ProjectionQueries;
  /** An event store appending as `mtd.projection` (streams `sla-<orderId>`). */
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  policy: SlaPolicy;
  watermark: ProjectionWatermark;
}

/** What one run of the watcher did. */
export type OrdersAtRiskCheck =
  | {
      status: 'judged';
      /** The watermark the run used (ISO 8601). */
      appliedUpTo: string;
      /** min(now, appliedUpTo): deadlines before it are overdue. */
      judgedUpTo: string;
      /** Order views read: only those whose first fact is old enough to have a stage overdue. */
      ordersRead: number;
      /** The warnings appended by this run. */
      raised: OrderAtRiskFinding[];
    }
  | {
      /** The watermark is unknown: the views may lag by any amount, so nothing was judged. */
      status: 'watermark-unknown';
      ordersRead: 0;
      raised: [];
    };

/** Views per listing page: the largest the query API allows. */
const pageSize = 200;

/**
 * The SLA watcher, run on a schedule (a timer locally, EventBridge Scheduler in AWS). It judges
 * deadlines against the projection's watermark, not the wall clock alone (see `SlaInstant`), so a
 * projection lagging behind the store raises nothing. It reads only orders in process whose first
 * fact is older than min(now, watermark) minus the smallest deadline (a key condition on the
 * `inProcess` index, oldest first), finds stages past their deadline (`detectOrdersAtRisk`) and
 * appends one OrderAtRisk per order and stage to `sla-<orderId>`. Idempotent from the stream itself:
 * a stage already warned in the stream is skipped, and the append expects the version read, so two
 * watchers racing cannot both warn (the loser re-reads and finds the warning).
 */
export function createRaiseOrdersAtRiskOnSchedule(
  deps: RaiseOrdersAtRiskDeps,
): () => Promise<OrdersAtRiskCheck> {
  return async () => {
    const now = deps.clock.now();
    const appliedUpTo = await deps.watermark();
    if (appliedUpTo === undefined) return { status: 'watermark-unknown', ordersRead: 0, raised: [] };
    const at = { now, appliedUpTo };
    const firstFactBy = candidatesFirstSeenBy(at, deps.policy);
    const raised: OrderAtRiskFinding[] = [];
    let ordersRead = 0;
    let cursor: string | undefined;
    do {
      const page = await deps.queries.listOrders({
        limit: pageSize,
        firstFactBy,
        ...(cursor ? { cursor } : {}),
      });
      ordersRead += page.items.length;
      for (const finding of detectOrdersAtRisk(page.items, at, deps.policy)) {
        if (await appendOnce(deps, finding, now)) raised.push(finding);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return {
      status: 'judged',
      appliedUpTo: appliedUpTo.toISOString(),
      judgedUpTo: judgedUpTo(at).toISOString(),
      ordersRead,
      raised,
    };
  };
}

async function appendOnce(
  deps: RaiseOrdersAtRiskDeps,
  finding: OrderAtRiskFinding,
  now: Date,
): Promise<boolean> {
  const streamId = Streams.sla(finding.orderId);
  for (let attempt = 1; attempt <= 5; attempt++) {
    const { version, events } = await deps.store.readStream(streamId);
    if (events.some((e) => e.type === OrderAtRiskV1.detailType && e.data.stage === finding.stage))
      return false;
    const eventId = deps.ids.next();
    try {
      await deps.store.append(
        streamId,
        [
          {
            type: OrderAtRiskV1.detailType,
            data: {
              orderId: finding.orderId,
              stage: finding.stage,
              deadline: finding.deadline,
              detectedAt: now.toISOString(),
            },
            metadata: {
              eventId,
              occurredAt: now.toISOString(),
              correlationId: finding.orderId,
              causationId: `sla:${finding.orderId}:${finding.stage}`,
              actor: 'system',
            },
          },
        ],
        { expectedVersion: version === 0 ? 'no-stream' : version },
      );
      return true;
    } catch (error) {
      if (!(error instanceof StreamVersionConflictError)) throw error;
    }
  }
  return false;
}
