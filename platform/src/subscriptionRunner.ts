import { type EventPattern, EventValidationError, type MtdEvent, type Subscription } from '@mtd/contracts';
import { decodeTime, encodeTime } from 'ulid';
import { type BackoffPolicy, backoffDelayMs } from './backoff';
import { BatchWindow } from './batchWindow';
import type { DynamoCheckpoints } from './checkpoints';
import type { Clock } from './clock';
import type { DeadLetter, DynamoDeadLetters } from './deadLetters';
import { EffectInProgressError } from './effectClaims';
import { type EventBridgeEvent, fromEventBridgeEvent, toEventBridgeEvent } from './eventBridgeEvent';
import { matchesPattern, validateEventPattern } from './eventPattern';
import type { Commit, EventStoreReader } from './eventStore';
import { type EventHandler, isPageHandler, type PageHandler, type SubscriptionHandler } from './handler';

export interface SubscriptionRunnerOptions {
  subscription: Subscription;
  /** One event at a time, or (a PageHandler) a page at a time. */
  handler: SubscriptionHandler;
  reader: EventStoreReader;
  checkpoints: DynamoCheckpoints;
  deadLetters: DynamoDeadLetters;
  clock: Clock;
  random: () => number;
  /** Events of different orders handled at once; one order's events stay in feed order. */
  concurrency?: number;
  /** Failed attempts before an event is dead (SQS maxReceiveCount 10 in AWS). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /**
   * Longest idle wait between feed reads when caught up. Appends wake the runner at once (`poke`),
   * so this only bounds how late a commit written outside this process is seen.
   */
  pollMs?: number;
  pageSize?: number;
  /**
   * How long a page that is not full may wait for more events, from the first read that found it
   * (default 0: delivered at once). SQS's batching window for Lambda, locally: a page handler that
   * writes per page (the projection) otherwise gets a page per commit at paced rates, and pays its
   * calls per event instead of per page — the CPU that made the paced tail long (docs/decisions.md).
   * Appends still wake the runner at once; it delivers when the page fills or the window ends.
   */
  batchWindowMs?: number;
  /**
   * Least time between two checkpoint writes (default 10 s). A crash re-delivers at most this much
   * of the feed (handlers are idempotent; `stop` saves at once, so only a crash re-delivers); the
   * write is one call per interval, not one per page or event, so under load it costs nearly
   * nothing per order, and idle it costs nothing (nothing moved).
   */
  checkpointEveryMs?: number;
  /** Without any letter scheduled, how often to look for letters parked by another process. */
  deadLetterPollMs?: number;
  /**
   * How soon a delivery whose effect another delivery has claimed ({@link EffectInProgressError})
   * looks again; such a look spends no attempt. Default 1 s.
   */
  inProgressRetryMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * A catch-up subscription on the event-store feed: the local stand-in for rule → SQS queue →
 * Lambda. It reads the feed from its durable checkpoint, keeps the events its EventBridge pattern
 * matches, validates each on receipt and hands it to the handler. A failure does not block the
 * feed: the event is parked with its next attempt time (exponential backoff with jitter) and tried
 * again alongside new events; after `maxAttempts` it is dead, with the error of every attempt. The
 * checkpoint moves only when every event before it is handled or parked, so a crash re-delivers
 * (handlers are idempotent) and never skips.
 */
export class SubscriptionRunner {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private positionValue: string | undefined;
  private savedPosition: string | undefined;
  private savedAt = 0;
  /** Commits after this id were appended after this run started: no earlier run delivered them. */
  private newAfter: string | undefined;
  /** 0: look now (at start: letters parked before a restart). */
  private nextDueAt = 0;
  private stopListening: (() => void) | undefined;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly pollMs: number;
  private readonly pageSize: number;
  private readonly batchWindow: BatchWindow;
  private readonly checkpointEveryMs: number;
  private readonly deadLetterPollMs: number;
  /** Handled since start; for progress and benchmarks. */
  handled = 0;
  /** True when the last poll found no new commit and no retry due: the subscription is caught up. */
  caughtUp = false;

  /** Throws InvalidEventPatternError when EventBridge would refuse the subscription's pattern. */
  constructor(private readonly options: SubscriptionRunnerOptions) {
    validateEventPattern(options.subscription.pattern);
    this.concurrency = options.concurrency ?? 8;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.backoff = options.backoff ?? { baseMs: 200, maxMs: 30_000 };
    this.pollMs = options.pollMs ?? 100;
    this.pageSize = options.pageSize ?? 100;
    this.batchWindow = new BatchWindow(options.batchWindowMs ?? 0, options.clock);
    this.checkpointEveryMs = options.checkpointEveryMs ?? 10_000;
    this.deadLetterPollMs = options.deadLetterPollMs ?? 30_000;
  }

  get name(): string {
    return this.options.subscription.name;
  }

  /** The feed position up to which every matching event is handled or parked (in memory). */
  get position(): string | undefined {
    return this.positionValue;
  }

  async start(): Promise<void> {
    this.newAfter = this.options.reader.newCommitsAfter?.();
    this.positionValue = await this.options.checkpoints.load(this.name);
    this.savedPosition = this.positionValue;
    this.savedAt = this.options.clock.now().getTime();
    this.stopListening = this.options.deadLetters.onRetryScheduled((subscription, at) => {
      if (subscription !== this.name) return;
      this.nextDueAt = Math.min(this.nextDueAt, at.getTime());
      this.poke();
    });
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the page in hand, saves the checkpoint, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopListening?.();
    this.wake?.();
    await this.loop;
    await this.saveCheckpoint({ force: true });
  }

  /** Polls now instead of waiting out the idle interval (e.g. right after an append). */
  poke(): void {
    this.wake?.();
  }

  /**
   * EventBridge archive replay for this subscription: re-delivers every stored event whose commit
   * time is in `[from, to]` and that its pattern (and `pattern`, when given) matches, with
   * `context.replayName` set (EventBridge's `replay-name`). Failures take the normal road (retries,
   * then dead letters), still carrying the replay name. Does not move the live checkpoint.
   */
  async replay(options: ReplayOptions): Promise<ReplayResult> {
    validateEventPattern(this.options.subscription.pattern);
    if (options.pattern) validateEventPattern(options.pattern);
    let matched = 0;
    await readCommitsBetween(
      this.options.reader,
      options.from,
      options.to,
      this.pageSize,
      async (commits) => {
        const events: MtdEvent[] = [];
        for (const commit of commits) {
          for (const event of commit.events) {
            if (!event?.metadata?.eventId) continue;
            const seen = toEventBridgeEvent(event, { replayName: options.replayName });
            if (!matchesPattern(this.options.subscription.pattern, seen)) continue;
            if (options.pattern && !matchesPattern(options.pattern, seen)) continue;
            events.push(event);
          }
        }
        matched += events.length;
        await this.deliverPage(events, options.replayName);
      },
    );
    return { subscription: this.name, matched };
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      let waiting = false;
      try {
        const read = await this.readPage();
        waiting = read === 'waiting';
        worked = read === true;
        worked = (await this.retryDue()) || worked;
        this.caughtUp = !worked && !waiting;
      } catch (error) {
        this.caughtUp = false;
        this.options.onError?.(error);
      }
      if (!worked && this.running) await this.idle();
    }
  }

  /** Until the next poke, poll, retry due, or the end of the batching window. */
  private idle(): Promise<void> {
    const now = this.options.clock.now().getTime();
    const untilDue = this.nextDueAt - now;
    const wait = Math.max(1, Math.min(this.pollMs, untilDue, this.batchWindow.remaining()));
    return new Promise((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** True: a page was delivered; false: nothing new; 'waiting': a page waits out its batching window. */
  private async readPage(): Promise<boolean | 'waiting'> {
    const page = await this.options.reader.readFeed(this.positionValue, { limit: this.pageSize });
    if (this.batchWindow.waitFor(page.commits.length, this.pageSize) > 0) return 'waiting';
    if (page.commits.length === 0) {
      await this.saveCheckpoint({ force: false });
      return false;
    }
    const events: MtdEvent[] = [];
    const firstDeliveries = new Set<MtdEvent>();
    for (const commit of page.commits) {
      const appendedSinceStart = this.newAfter !== undefined && commit.commitId > this.newAfter;
      for (const [index, event] of commit.events.entries()) {
        if (!event?.metadata?.eventId) {
          // Not even an envelope: nothing to match or retry. Dead at once, so the feed moves on.
          const id = `${commit.commitId}#${index}`;
          await this.bury(
            newLetter(this.name, id, event, this.options.clock.now()),
            new Error('stored event has no metadata'),
          );
        } else if (matchesPattern(this.options.subscription.pattern, asEventBridgeEvent(event))) {
          events.push(event);
          if (appendedSinceStart) firstDeliveries.add(event);
        }
      }
    }
    await this.deliverPage(events, undefined, firstDeliveries);
    this.positionValue = page.position;
    await this.saveCheckpoint({ force: false });
    return true;
  }

  /** Writes the position if it moved and the last write is old enough (or `force`, at stop). */
  private async saveCheckpoint({ force }: { force: boolean }): Promise<void> {
    const position = this.positionValue;
    if (!position || position === this.savedPosition) return;
    const now = this.options.clock.now().getTime();
    if (!force && now - this.savedAt < this.checkpointEveryMs) return;
    await this.options.checkpoints.save(this.name, position);
    this.savedPosition = position;
    this.savedAt = now;
  }

  /**
   * Parked letters are retried when due. The runner knows when that is for every letter this
   * process parks (`onRetryScheduled`); the table is read at start, when a known letter is due,
   * and otherwise every `deadLetterPollMs` for letters parked elsewhere.
   */
  private async retryDue(): Promise<boolean> {
    const now = this.options.clock.now();
    if (now.getTime() < this.nextDueAt) return false;
    const retrying = await this.options.deadLetters.retrying(this.name);
    const due = retrying.filter((l) => l.nextAttemptAt <= now.toISOString());
    const later = retrying
      .filter((l) => l.nextAttemptAt > now.toISOString())
      .map((l) => Date.parse(l.nextAttemptAt));
    this.nextDueAt = Math.min(now.getTime() + this.deadLetterPollMs, ...later);
    if (due.length === 0) return false;
    await Promise.all(
      chunk(due, this.concurrency).map(async (letters) => {
        for (const letter of letters) await this.redeliver(letter);
      }),
    );
    return true;
  }

  /**
   * A page handler takes the page in one call; if that fails, each event is tried on its own (a page
   * of one), so only the events that fail take the retry road. Event handlers get one event each;
   * those in `firstDeliveries` are told so (`firstDelivery`), unless a failed page came before.
   */
  private async deliverPage(
    events: MtdEvent[],
    replayName?: string,
    firstDeliveries: ReadonlySet<MtdEvent> = new Set(),
  ): Promise<void> {
    const handler = this.options.handler;
    let rest = events;
    let first = firstDeliveries;
    if (isPageHandler(handler) && events.length > 0) {
      // A page that fails may have been applied in part: its events, one by one, are repeats.
      first = new Set();
      const received: MtdEvent[] = [];
      const invalid: MtdEvent[] = [];
      for (const event of events) {
        const valid = tryReceive(event);
        if (valid) received.push(valid);
        else invalid.push(event);
      }
      try {
        if (received.length > 0)
          await handler.handlePage(received, {
            subscription: this.name,
            ...(replayName ? { replayName } : {}),
          });
        this.handled += received.length;
        // What is left is invalid: `deliver` buries each with its report.
        rest = invalid;
      } catch (error) {
        this.options.onError?.(error);
      }
    }
    await this.deliverAll(rest, (event) =>
      this.deliver(event, 0, undefined, replayName, first.has(event) && replayName === undefined),
    );
  }

  /**
   * One lane delivers in feed order, exactly (a hash chain built there is the chain a rebuild from
   * the store builds); more lanes run orders in parallel.
   */
  private async deliverAll(events: MtdEvent[], work: (event: MtdEvent) => Promise<void>): Promise<void> {
    if (this.concurrency === 1) {
      for (const event of events) await work(event);
    } else {
      await this.inParallelByOrder(events, work);
    }
  }

  /**
   * Runs events of different orders concurrently and one order's events (all its streams, by
   * correlation id) one after another: handlers that fold several streams of an order into one
   * item (the order view) then never race each other within a page.
   */
  private async inParallelByOrder(
    events: MtdEvent[],
    work: (event: MtdEvent) => Promise<void>,
  ): Promise<void> {
    const byOrder = new Map<string, MtdEvent[]>();
    for (const event of events) {
      const list = byOrder.get(event.metadata.correlationId) ?? [];
      list.push(event);
      byOrder.set(event.metadata.correlationId, list);
    }
    const queue = [...byOrder.values()];
    const workers = Array.from({ length: Math.min(this.concurrency, queue.length) }, async () => {
      for (let orderEvents = queue.shift(); orderEvents; orderEvents = queue.shift()) {
        for (const event of orderEvents) await work(event);
      }
    });
    await Promise.all(workers);
  }

  private async redeliver(letter: DeadLetter): Promise<void> {
    let event: MtdEvent;
    try {
      event = fromEventBridgeEvent({ detail: letter.detail } as Parameters<typeof fromEventBridgeEvent>[0]);
    } catch (error) {
      await this.bury(letter, error);
      return;
    }
    await this.deliver(event, letter.attempts, letter, letter.replayName, false);
  }

  /** One delivery: handled, deferred, parked for a retry, or dead. Never throws. */
  private async deliver(
    stored: MtdEvent,
    failedBefore: number,
    letter?: DeadLetter,
    replayName?: string,
    firstDelivery = false,
  ): Promise<void> {
    const { subscription, deadLetters, clock } = this.options;
    const handler = asEventHandler(this.options.handler);
    const detail = asEventBridgeEvent(stored).detail;
    let event: MtdEvent;
    try {
      event = receive(stored);
    } catch (error) {
      // An invalid event will not become valid by retrying: dead at once, with the report.
      await this.bury(
        letter ?? newLetter(subscription.name, stored.metadata.eventId, detail, clock.now()),
        error,
      );
      return;
    }
    const attempt = failedBefore + 1;
    try {
      const result = await handler(event, {
        subscription: subscription.name,
        attempt,
        ...(replayName ? { replayName } : {}),
        ...(firstDelivery ? { firstDelivery } : {}),
      });
      if (result && 'retryAt' in result) {
        const base =
          letter ?? newLetter(subscription.name, event.metadata.eventId, detail, clock.now(), replayName);
        await deadLetters.put({
          ...base,
          status: 'retrying',
          attempts: failedBefore,
          nextAttemptAt: result.retryAt.toISOString(),
        });
        this.nextDueAt = Math.min(this.nextDueAt, result.retryAt.getTime());
        return;
      }
      this.handled++;
      if (letter) await deadLetters.remove(subscription.name, letter.eventId);
    } catch (error) {
      const now = clock.now();
      const base = letter ?? newLetter(subscription.name, event.metadata.eventId, detail, now, replayName);
      if (error instanceof EffectInProgressError) {
        // Not a failure: another delivery of this event holds the effect's claim. Look again soon,
        // without spending an attempt (after a crash the claim's lease has to run out first).
        const next = new Date(now.getTime() + (this.options.inProgressRetryMs ?? 1_000));
        await deadLetters.put({
          ...base,
          status: 'retrying',
          attempts: failedBefore,
          lastError: describe(error),
          nextAttemptAt: next.toISOString(),
        });
        this.nextDueAt = Math.min(this.nextDueAt, next.getTime());
        return;
      }
      const history = [...base.history, { attempt, at: now.toISOString(), error: describe(error) }];
      if (attempt >= this.maxAttempts) {
        await deadLetters.put({
          ...base,
          status: 'dead',
          attempts: attempt,
          history,
          lastError: describe(error),
          deadAt: now.toISOString(),
        });
        return;
      }
      const next = new Date(now.getTime() + backoffDelayMs(attempt, this.backoff, this.options.random));
      await deadLetters.put({
        ...base,
        status: 'retrying',
        attempts: attempt,
        history,
        lastError: describe(error),
        nextAttemptAt: next.toISOString(),
      });
      this.nextDueAt = Math.min(this.nextDueAt, next.getTime());
    }
  }

  private async bury(letter: DeadLetter, error: unknown): Promise<void> {
    const now = this.options.clock.now().toISOString();
    await this.options.deadLetters.put({
      ...letter,
      status: 'dead',
      lastError: describe(error),
      history: [...letter.history, { attempt: letter.attempts + 1, at: now, error: describe(error) }],
      attempts: letter.attempts + 1,
      deadAt: now,
    });
  }
}

/**
 * Events as received, by the stored event object. The live tail hands every subscription of the
 * process the same stored object, so each event is validated and upcast once, not once per
 * subscription; entries go with the tail's objects (a WeakMap holds nothing alive).
 */
const receivedEvents = new WeakMap<MtdEvent, MtdEvent>();

/**
 * A stored event as EventBridge would carry it (to match patterns, and the detail letters keep), by
 * the stored event object: built once per event, not once per subscription (see receivedEvents).
 * Only read, never changed.
 */
const eventBridgeEvents = new WeakMap<MtdEvent, EventBridgeEvent>();

function asEventBridgeEvent(stored: MtdEvent): EventBridgeEvent {
  let event = eventBridgeEvents.get(stored);
  if (!event) {
    event = toEventBridgeEvent(stored);
    eventBridgeEvents.set(stored, event);
  }
  return event;
}

/** The event as a consumer receives it: validated in its stored version, then upcast (throws). */
function receive(stored: MtdEvent): MtdEvent {
  const known = receivedEvents.get(stored);
  if (known) return known;
  const event = fromEventBridgeEvent({ detail: asEventBridgeEvent(stored).detail } as Parameters<
    typeof fromEventBridgeEvent
  >[0]);
  receivedEvents.set(stored, event);
  return event;
}

/** {@link receive}, or undefined when the event is invalid on receipt. */
function tryReceive(stored: MtdEvent): MtdEvent | undefined {
  try {
    return receive(stored);
  } catch {
    return undefined;
  }
}

/** A page handler given one event: a page of one. */
function asEventHandler(handler: SubscriptionHandler): EventHandler {
  if (!isPageHandler(handler)) return handler;
  return async (event, context) => {
    await (handler as PageHandler).handlePage([event], {
      subscription: context.subscription,
      ...(context.replayName ? { replayName: context.replayName } : {}),
    });
  };
}

function newLetter(
  subscription: string,
  eventId: string,
  detail: unknown,
  now: Date,
  replayName?: string,
): DeadLetter {
  return {
    ...(replayName ? { replayName } : {}),
    subscription,
    eventId,
    status: 'retrying',
    attempts: 0,
    nextAttemptAt: now.toISOString(),
    lastError: '',
    history: [],
    detail,
  };
}

function describe(error: unknown): string {
  if (error instanceof EventValidationError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function chunk<T>(items: T[], parts: number): T[][] {
  const result: T[][] = Array.from({ length: Math.min(parts, items.length) }, () => []);
  for (const [i, item] of items.entries()) result[i % result.length]!.push(item);
  return result;
}

export interface ReplayOptions {
  /** Commit time range, both ends inclusive. */
  from: Date;
  to: Date;
  /** EventBridge's `replay-name`, handed to the handler as `context.replayName`. */
  replayName: string;
  /** Narrows the replay further (EventBridge replays an archive, whose own pattern filters). */
  pattern?: EventPattern;
}

export interface ReplayResult {
  subscription: string;
  matched: number;
}

/**
 * Reads the feed's commits whose commit time (the commit id's ULID time) lies in `[from, to]`,
 * page by page, up to the settled horizon at the time of the call.
 */
export async function readCommitsBetween(
  reader: EventStoreReader,
  from: Date,
  to: Date,
  pageSize: number,
  onPage: (commits: Commit[]) => Promise<void>,
): Promise<void> {
  // Commit ids sort by time: the feed after this position starts at `from`.
  let position: string | undefined =
    from.getTime() > 0 ? `${encodeTime(from.getTime() - 1, 10)}ZZZZZZZZZZZZZZZZ` : undefined;
  for (;;) {
    const page = await reader.readFeed(position, { limit: pageSize });
    if (page.commits.length === 0) return;
    const inRange = page.commits.filter((c) => decodeTime(c.commitId) <= to.getTime());
    if (inRange.length > 0) await onPage(inRange);
    if (inRange.length < page.commits.length) return;
    position = page.position;
  }
}
