import type { MtdEvent } from '@mtd/contracts';

export interface HandlerContext {
  /** The subscription delivering the event. */
  subscription: string;
  /** 1 on first delivery. */
  attempt: number;
  /** Set when the event is re-delivered by a replay (EventBridge archive replay's `replay-name`). */
  replayName?: string;
  /**
   * True only when this is certainly the event's first delivery to this subscription: the local
   * runner delivering, from the feed, a commit appended after it started (so no earlier runner,
   * before a crash or a restart, can have seen it), not a retry, a redrive or a replay. A handler may
   * then bet that the stream its reaction creates does not exist yet and append without reading it
   * first (Equinox's AssumeEmpty); the append's no-stream condition still catches a lost bet.
   * Absent (as on AWS, where EventBridge and SQS may deliver twice) means: it may be a repeat.
   */
  firstDelivery?: boolean;
}

/**
 * `void`: done. `{ retryAt }`: not yet (a backoff the handler decided), deliver again at that time;
 * this is not a failure and does not count as an attempt. Throwing is a failure: retried with
 * backoff, then dead-lettered after 10 attempts.
 */
export type HandlerResult = void | { retryAt: Date };

/** What every service exports per subscription; the same function runs locally and in Lambda. */
export type EventHandler = (event: MtdEvent, context: HandlerContext) => Promise<HandlerResult>;

/** What a page handler is told about the page it is given. */
export interface PageContext {
  /** The subscription delivering the page. */
  subscription: string;
  /** Set when the page is re-delivered by a replay (EventBridge archive replay's `replay-name`). */
  replayName?: string;
}

/**
 * A handler that takes a page of events at once, as a Lambda takes an SQS batch: projections fold a
 * page in memory and write it in a few calls. Events come in feed order, each already validated.
 * Throwing fails the whole page; the runner then delivers its events one at a time (a page of one),
 * so one bad event reaches the dead letters alone and the rest still go through. Page handlers must be
 * idempotent by stream version: a page can be re-delivered whole or in part.
 */
export interface PageHandler {
  handlePage(events: MtdEvent[], context: PageContext): Promise<void>;
}

/** A subscription's handler: one event at a time, or a page at a time. */
export type SubscriptionHandler = EventHandler | PageHandler;

export function isPageHandler(handler: SubscriptionHandler): handler is PageHandler {
  return typeof handler === 'object' && typeof handler.handlePage === 'function';
}

/** Anything that follows the event-store feed: a subscription runner, the ledger's writer. */
export interface FeedFollower {
  readonly name: string;
  /** The feed position up to which it has handled everything. */
  readonly position: string | undefined;
  /** Events handled since start. */
  readonly handled: number;
  /** True when its last read found nothing new. */
  readonly caughtUp: boolean;
  /** Read now instead of waiting out the idle interval (an append settled). */
  poke(): void;
}
