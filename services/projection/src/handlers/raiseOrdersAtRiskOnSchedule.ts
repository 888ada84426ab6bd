import { OrderAtRiskV1, Streams } from '@mtd/contracts';
import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import { StreamVersionConflictError } from '@mtd/platform';
import { detectOrdersAtRisk, type OrderAtRiskFinding, type SlaDeadlines } from '#domain/sla';
import type { ProjectionQueries } from '#src/projectionQueries';

export interface RaiseOrdersAtRiskDeps {
  queries: ProjectionQueries;
  /** An event store appending as `mtd.projection` (streams `sla-<orderId>`). */
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  deadlines: SlaDeadlines;
}

/**
 * The SLA watcher, run on a schedule (a timer locally, EventBridge Scheduler in AWS): reads the
 * orders in process, finds stages past their deadline (`detectOrdersAtRisk`) and appends one
 * OrderAtRisk warning per order and stage to `sla-<orderId>`. Idempotent from the stream itself: a stage
 * already warned in the stream is skipped, and the append expects the version read, so two watchers
 * racing cannot both warn (the loser re-reads and finds the warning). Returns what it appended.
 */
export function createRaiseOrdersAtRiskOnSchedule(
  deps: RaiseOrdersAtRiskDeps,
): () => Promise<OrderAtRiskFinding[]> {
  return async () => {
    const now = deps.clock.now();
    const views = [];
    let cursor: string | undefined;
    do {
      const page = await deps.queries.listOrders({ limit: 200, ...(cursor ? { cursor } : {}) });
      views.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const raised: OrderAtRiskFinding[] = [];
    for (const finding of detectOrdersAtRisk(views, now, deps.deadlines)) {
      if (await appendOnce(deps, finding, now)) raised.push(finding);
    }
    return raised;
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
