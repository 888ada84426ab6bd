import type { EventHandler } from '@mtd/platform';
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
 * Subscription `projectOrderOnEvent`: every MTD event into its order's timeline and view. Replays
 * (`context.replayName`) are folded like any delivery: the view drops what it already applied.
 * The timeline item goes first; if we crash before the view write, the redelivery rewrites the same
 * item and then folds the view, so both converge.
 */
export function createProjectOrderOnEvent(deps: ProjectOrderDeps): EventHandler {
  return async (event) => {
    await deps.timeline.put(timelineItemOf(event));
    const result = await deps.orders.apply(event.data.orderId, (view) =>
      evolveOrderView(view, event, deps.config),
    );
    if (result.changed) deps.onOrderChanged?.(result.view);
  };
}
