import type { MtdEvent } from '@mtd/contracts';
import type { PageHandler } from '@mtd/platform';
import type { DynamoOrderViews } from '#adapters/dynamoOrderViews';
import type { DynamoTimeline } from '#adapters/dynamoTimeline';
import { evolveOrderView, type OrderView, type OrderViewConfig } from '#domain/orderView';
import { timelineItemOf } from '#domain/timeline';

export interface ProjectOrderDeps {
  orders: DynamoOrderViews;
  timeline: DynamoTimeline;
  config: OrderViewConfig;
  /** Called after the view was written (not for a redelivery that changed nothing). */
  onOrderChanged?: (view: OrderView) => void;
}

/**
 * Subscription `projectOrderOnEvent`: every MTD event into its order's timeline and view, a page at
 * a time. The page's events are folded in memory per order, then written in a few calls: timeline
 * lines 25 per BatchWriteItem, views 100 per TransactWriteItems, each conditioned on the revision
 * it was folded from (so concurrent writers — several Lambdas, a replay — never overwrite each
 * other). Replays (`context.replayName`) are folded like any delivery: the view drops what it
 * already applied. The timeline goes first; if we crash before the views, the re-delivered page
 * rewrites the same lines and then folds the views, so both converge.
 *
 * `soleWriter` is for a rebuild's first pass, into new tables no subscription writes yet: the same
 * fold, its views kept in memory while their orders are in flight and written without conditions
 * (see {@link DynamoOrderViews.applyAll}); `flush` writes those still held, and must be called
 * before anything reads the tables or writes them as one writer among others.
 */
export function createProjectOrderOnEvent(
  deps: ProjectOrderDeps,
  options: { soleWriter?: boolean } = {},
): PageHandler & { flush(): Promise<void> } {
  return {
    async flush() {
      for (const result of await deps.orders.flush()) deps.onOrderChanged?.(result.view);
    },
    async handlePage(events) {
      await deps.timeline.putAll(events.map((event) => timelineItemOf(event, deps.config.timeZone)));
      const byOrder = new Map<string, MtdEvent[]>();
      for (const event of events) {
        const list = byOrder.get(event.data.orderId) ?? [];
        list.push(event);
        byOrder.set(event.data.orderId, list);
      }
      const folds = new Map<string, (view: OrderView | undefined) => OrderView>();
      for (const [orderId, orderEvents] of byOrder) {
        folds.set(
          orderId,
          (view) =>
            orderEvents.reduce<OrderView | undefined>((v, e) => evolveOrderView(v, e, deps.config), view)!,
        );
      }
      for (const result of await deps.orders.applyAll(folds, options)) {
        if (result.changed) deps.onOrderChanged?.(result.view);
      }
    },
  };
}
