import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PageHandler } from '@mtd/platform';
import type { Hono } from 'hono';
import { DynamoOrderViews } from '#adapters/dynamoOrderViews';
import { DynamoTimeline } from '#adapters/dynamoTimeline';
import { defaultTimeZone, type OrderView } from '#domain/orderView';
import { createProjectOrderOnEvent } from '#handlers/projectOrderOnEvent';
import { createQueryApi } from '#handlers/queryApi';
import { type AuditLedger, createProjectionQueries, type ProjectionQueries } from '#src/projectionQueries';

export * from '#adapters/dynamoOrderViews';
export * from '#adapters/dynamoTimeline';
export * from '#adapters/projectionErrors';
export * from '#adapters/projectionTables';
export * from '#domain/businessDay';
export * from '#domain/orderView';
export * from '#domain/sla';
export * from '#domain/slaConfig';
export * from '#domain/statistics';
export * from '#domain/timeline';
export * from '#handlers/projectOrderOnEvent';
export * from '#handlers/queryApi';
export * from '#handlers/raiseOrdersAtRiskOnSchedule';
export * from '#src/projectionQueries';

export interface ProjectionDeps {
  client: DynamoDBClient;
  tables: { orders: string; timeline: string };
  /** The platform's audit ledger, read by the query API; absent where it is not deployed. */
  ledger?: AuditLedger;
  /** Time zone of the business day; default America/Santiago. */
  timeZone?: string;
  /** Live updates (portal, benchmarks): called after each order-view write. */
  onOrderChanged?: (view: OrderView) => void;
  /** Clock for "today" in the query API; default the system clock. */
  now?: () => Date;
  /** Order views kept in memory between pages (default 5,000): the orders in flight. */
  viewCacheSize?: number;
  /** Order views a rebuild's first pass holds before writing them (default 25,000, ~100 MB at most). */
  heldViews?: number;
}

export interface Projection {
  projectOrderOnEvent: PageHandler;
  /**
   * The same fold for a rebuild's first pass, while nothing else writes these tables: views are
   * written unconditioned, in batches, once their orders leave the view cache; `flush` writes the
   * rest. Flush, then use projectOrderOnEvent, once live subscriptions write here.
   */
  rebuildOrderOnEvent: PageHandler & { flush(): Promise<void> };
  queries: ProjectionQueries;
  queryApi: Hono;
}

/**
 * Wires the projection service: its two subscription handlers, its queries and its HTTP API, all on
 * one DynamoDB client built once by the caller.
 */
export function createProjection(deps: ProjectionDeps): Projection {
  const timeZone = deps.timeZone ?? defaultTimeZone;
  const orders = new DynamoOrderViews({
    client: deps.client,
    tableName: deps.tables.orders,
    ...(deps.viewCacheSize ? { cacheSize: deps.viewCacheSize } : {}),
    ...(deps.heldViews ? { heldViews: deps.heldViews } : {}),
    config: { timeZone },
  });
  const timeline = new DynamoTimeline({ client: deps.client, tableName: deps.tables.timeline });
  const queries = createProjectionQueries({
    orders,
    timeline,
    ...(deps.ledger ? { ledger: deps.ledger } : {}),
  });
  const projectDeps = {
    orders,
    timeline,
    config: { timeZone },
    ...(deps.onOrderChanged ? { onOrderChanged: deps.onOrderChanged } : {}),
  };
  return {
    projectOrderOnEvent: createProjectOrderOnEvent(projectDeps),
    rebuildOrderOnEvent: createProjectOrderOnEvent(projectDeps, { soleWriter: true }),
    queries,
    queryApi: createQueryApi(queries, { timeZone, ...(deps.now ? { now: deps.now } : {}) }),
  };
}
