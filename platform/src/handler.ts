import type { MtdEvent } from '@mtd/contracts';

export interface HandlerContext {
  /** The subscription delivering the event. */
  subscription: string;
  /** 1 on first delivery. */
  attempt: number;
  /** Set when the event is re-delivered by a replay (EventBridge archive replay's `replay-name`). */
  replayName?: string;
}

/**
 * `void`: done. `{ retryAt }`: not yet (a backoff the handler decided), deliver again at that time;
 * this is not a failure and does not count as an attempt. Throwing is a failure: retried with
 * backoff, then dead-lettered after 10 attempts.
 */
export type HandlerResult = void | { retryAt: Date };

/** What every service exports per subscription; the same function runs locally and in Lambda. */
export type EventHandler = (event: MtdEvent, context: HandlerContext) => Promise<HandlerResult>;
