import type { AuditPage, DynamoAuditLog } from '#adapters/dynamoAuditLog';
import type { DynamoOrderViews, OrderPage } from '#adapters/dynamoOrderViews';
import type { DynamoTimeline } from '#adapters/dynamoTimeline';
import type { AuditVerification } from '#domain/auditChain';
import type { OrderStage, OrderView } from '#domain/orderView';
import { computeDayStatistics, type DayStatistics } from '#domain/statistics';
import type { TimelineItem } from '#domain/timeline';

/** Default and largest page sizes of the listings. */
export const defaultPageSize = 50;
export const maxPageSize = 200;

/** The read side the back office, the CLI and the HTTP API use. */
export interface ProjectionQueries {
  /** Orders in `stage`, or every order in process when no stage is given; oldest first. */
  listOrders(options: { stage?: OrderStage; limit?: number; cursor?: string }): Promise<OrderPage>;
  getOrder(orderId: string): Promise<OrderView | undefined>;
  timeline(orderId: string): Promise<TimelineItem[]>;
  /** Recomputed from the day's order views on every call: exact and idempotent. */
  statsForDay(day: string): Promise<DayStatistics>;
  auditEntries(options: { limit?: number; cursor?: string }): Promise<AuditPage>;
  verifyAudit(): Promise<AuditVerification>;
}

export function createProjectionQueries(deps: {
  orders: DynamoOrderViews;
  timeline: DynamoTimeline;
  audit: DynamoAuditLog;
}): ProjectionQueries {
  const pageSize = (limit: number | undefined) =>
    Math.min(Math.max(1, limit ?? defaultPageSize), maxPageSize);
  return {
    listOrders: ({ stage, limit, cursor }) =>
      deps.orders.list({
        limit: pageSize(limit),
        ...(stage ? { stage } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    getOrder: (orderId) => deps.orders.get(orderId),
    timeline: (orderId) => deps.timeline.list(orderId),
    statsForDay: async (day) => computeDayStatistics(day, await deps.orders.listDay(day)),
    auditEntries: ({ limit, cursor }) =>
      deps.audit.entries({ limit: pageSize(limit), ...(cursor ? { cursor } : {}) }),
    verifyAudit: () => deps.audit.verify(),
  };
}
