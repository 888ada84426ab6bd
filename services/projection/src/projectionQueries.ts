import type {
  LedgerEntriesPage,
  LedgerProofFile,
  LedgerVerification,
  SignedCheckpoint,
} from '@mtd/platform/ledger';
import type { DynamoOrderViews, OrderPage } from '#adapters/dynamoOrderViews';
import type { DynamoTimeline } from '#adapters/dynamoTimeline';
import { encodeCursor } from '#adapters/pageCursor';
import { AuditLedgerUnavailableError, InvalidCursorError } from '#adapters/projectionErrors';
import type { OrderStage, OrderView } from '#domain/orderView';
import {
  computeDayStatistics,
  computePeriodStatistics,
  type DayStatistics,
  daysBetween,
  type PeriodStatistics,
} from '#domain/statistics';
import type { TimelineItem } from '#domain/timeline';

/** Default and largest page sizes of the listings. */
export const defaultPageSize = 50;
export const maxPageSize = 200;

/** Narrows a listing; every filter given must hold. */
export interface OrderFilter {
  /** Only orders with an open exception (`true`) or without one (`false`). */
  exception?: boolean;
  /** Only orders with an SLA warning on a stage not yet done. */
  atRisk?: boolean;
  /** Only orders whose first fact is at least this old at `now`. */
  minAgeMs?: number;
  now?: Date;
}

export interface ListOrdersOptions extends OrderFilter {
  stage?: OrderStage;
  limit?: number;
  cursor?: string;
  /**
   * Only orders whose first fact (the time in their listKey) is at or before this instant. Read as a
   * key condition on the index, so paging stops where the listing passes it.
   */
  firstFactBy?: Date;
}

/**
 * The exclusive upper bound of listKeys (`<first fact ISO time>#<orderId>`) whose time is at or before
 * `instant`: `$` sorts right after `#`, so every key of that very millisecond is still below it.
 */
export function listKeyBoundAfter(instant: Date): string {
  return `${instant.toISOString()}$`;
}

/** True when `view` passes every filter given. */
export function matchesOrderFilter(view: OrderView, filter: OrderFilter): boolean {
  if (filter.exception !== undefined && (view.exception !== null) !== filter.exception) return false;
  if (filter.atRisk !== undefined && view.atRisk.length > 0 !== filter.atRisk) return false;
  if (filter.minAgeMs !== undefined) {
    const first = view.receivedAt ?? view.listKey.split('#')[0] ?? '';
    const age = (filter.now ?? new Date()).getTime() - Date.parse(first);
    if (!(age >= filter.minAgeMs)) return false;
  }
  return true;
}

/** The read side the back office, the CLI and the HTTP API use. */
export interface ProjectionQueries {
  /**
   * Orders in `stage`, or every order in process when no stage is given; oldest first (by listKey, a
   * stable order). With filters, pages are read until `limit` matches are found; the cursor is the
   * last match's key, so the next page starts right after it.
   */
  listOrders(options: ListOrdersOptions): Promise<OrderPage>;
  /** Statistics of the days from..to (inclusive), recomputed from their views; dispatch as of `asOf`. */
  statsForPeriod(from: string, to: string, asOf: Date): Promise<PeriodStatistics>;
  /** Every view of the days from..to (inclusive): charts and recounts. */
  viewsOfDays(from: string, to: string): Promise<OrderView[]>;
  getOrder(orderId: string): Promise<OrderView | undefined>;
  timeline(orderId: string): Promise<TimelineItem[]>;
  /** Recomputed from the day's order views on every call: exact and idempotent (for one `asOf`). */
  statsForDay(day: string, asOf: Date): Promise<DayStatistics>;
  /** The audit ledger's leaves, newest first (the ledger is platform's; projection only reads it). */
  auditEntries(options: { limit?: number; cursor?: string }): Promise<LedgerEntriesPage>;
  /** Recomputes the ledger from the event store and names every break. */
  verifyAudit(): Promise<LedgerVerification>;
  /** The ledger's signed checkpoints, newest first, at most `limit`; `total` counts them all. */
  auditCheckpoints(options: { limit?: number }): Promise<{ total: number; items: SignedCheckpoint[] }>;
  /**
   * A self-contained proof that an order's events are in the ledger (`mtd-ledger-proof/1`), which
   * an auditor checks offline; `redact`: personal fields as their commitments only.
   */
  auditProof(orderId: string, options: { redact: boolean }): Promise<LedgerProofFile>;
}

/** Read access to the platform's audit ledger, as the composition root wires it. */
export interface AuditLedger {
  entries(options: { limit: number; cursor?: string }): Promise<LedgerEntriesPage>;
  verify(): Promise<LedgerVerification>;
  /** Every signed checkpoint, smallest tree first (as the ledger stores them). */
  checkpoints(): Promise<SignedCheckpoint[]>;
  /** Throws the ledger's LedgerProofError when no proof can be made (no event of the order in it). */
  prove(orderId: string, options: { redact: boolean }): Promise<LedgerProofFile>;
}

export function createProjectionQueries(deps: {
  orders: DynamoOrderViews;
  timeline: DynamoTimeline;
  ledger?: AuditLedger;
}): ProjectionQueries {
  const ledger = () => {
    if (!deps.ledger) throw new AuditLedgerUnavailableError();
    return deps.ledger;
  };
  const pageSize = (limit: number | undefined) =>
    Math.min(Math.max(1, limit ?? defaultPageSize), maxPageSize);
  const viewsOfDays = async (from: string, to: string) =>
    (await Promise.all(daysBetween(from, to).map((day) => deps.orders.listDay(day)))).flat();
  return {
    listOrders: async ({ stage, limit, cursor, firstFactBy, ...filter }) => {
      const size = pageSize(limit);
      const bound = firstFactBy ? { listKeyBelow: listKeyBoundAfter(firstFactBy) } : {};
      const filtered =
        filter.exception !== undefined || filter.atRisk !== undefined || filter.minAgeMs !== undefined;
      if (!filtered)
        return deps.orders.list({
          limit: size,
          ...(stage ? { stage } : {}),
          ...(cursor ? { cursor } : {}),
          ...bound,
        });
      const items: OrderView[] = [];
      let next = cursor;
      for (;;) {
        const page = await deps.orders.list({
          limit: size,
          ...(stage ? { stage } : {}),
          ...(next ? { cursor: next } : {}),
          ...bound,
        });
        for (const view of page.items) {
          if (!matchesOrderFilter(view, filter)) continue;
          items.push(view);
          if (items.length === size) {
            return { items, nextCursor: encodeCursor({ orderId: view.orderId, listKey: view.listKey }) };
          }
        }
        if (!page.nextCursor) return { items };
        next = page.nextCursor;
      }
    },
    statsForPeriod: async (from, to, asOf) =>
      computePeriodStatistics(from, to, await viewsOfDays(from, to), asOf),
    viewsOfDays,
    getOrder: (orderId) => deps.orders.get(orderId),
    timeline: (orderId) => deps.timeline.list(orderId),
    statsForDay: async (day, asOf) => computeDayStatistics(day, await deps.orders.listDay(day), asOf),
    auditEntries: async ({ limit, cursor }) => {
      if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) throw new InvalidCursorError(cursor);
      return ledger().entries({ limit: pageSize(limit), ...(cursor ? { cursor } : {}) });
    },
    verifyAudit: () => ledger().verify(),
    auditCheckpoints: async ({ limit }) => {
      const all = await ledger().checkpoints();
      return { total: all.length, items: all.slice(-pageSize(limit)).reverse() };
    },
    auditProof: (orderId, options) => ledger().prove(orderId, options),
  };
}
