import type { EventPattern, MtdEvent } from '@mtd/contracts';
import { fromEventBridgeEvent, toEventBridgeEvent } from './eventBridgeEvent';
import { matchesPattern } from './eventPattern';
import type { EventStoreReader } from './eventStore';
import type { PageHandler } from './handler';

export interface RebuildTarget {
  /** The subscription's pattern: only the events it matches reach the handler. */
  pattern: EventPattern;
  /**
   * A handler may hold writes back across pages (a sole writer keeping views of orders in flight):
   * `flush`, when it has one, is called once the store is read to its end.
   */
  handler: PageHandler & { flush?(): Promise<void> };
}

export interface RebuildOptions {
  reader: EventStoreReader;
  targets: RebuildTarget[];
  /** Start after this feed position (undefined: the feed's start). */
  from?: string;
  /** Commits per page; each page is folded and written before the next is read. */
  pageSize?: number;
  /** Handed to the handlers as `context.replayName`, so they skip outside effects. */
  replayName: string;
  onPage?: (progress: RebuildPageProgress) => void;
}

export interface RebuildPageProgress {
  /** Where the rebuild stands: pass it back as `from` to catch up later. */
  position: string | undefined;
  eventsProcessed: number;
  invalidEvents: number;
}

/**
 * Folds the whole event store (or what follows `from`) into read models through the same page
 * handlers the live subscriptions use, a page at a time: memory stays bounded by one page plus the
 * handlers' own caches, and each page is written in the handlers' batched calls. The store's feed
 * is its input, locally and on AWS alike. Events that a live subscription would dead-letter
 * (invalid on receipt) are counted and skipped. Returns where it stopped: the feed's horizon at the
 * time of the last read, so a second call catches up with what was appended meanwhile.
 */
export async function rebuildFromStore(options: RebuildOptions): Promise<RebuildPageProgress> {
  const progress: RebuildPageProgress = { position: options.from, eventsProcessed: 0, invalidEvents: 0 };
  const pageSize = options.pageSize ?? 1_000;
  let requested = progress.position;
  let next = options.reader.readFeed(requested, { limit: pageSize });
  for (;;) {
    const page = await next;
    // The end is a page that moved nothing. A page can come back empty and still move: the store
    // drops commits it indexed but whose stream item holds another commit (a lost conditional
    // write), and a page made only of those must not end the rebuild.
    if (page.commits.length === 0 && page.position === requested) {
      for (const { handler } of options.targets) await handler.flush?.();
      return progress;
    }
    requested = page.position;
    // The next page is read while this one is folded and written: the engine's reads and the
    // handlers' writes overlap (the feed only grows, so reading ahead changes nothing read).
    next = options.reader.readFeed(page.position, { limit: pageSize });
    // Should this page fail, the read ahead is abandoned: its failure is not a second error.
    next.catch(() => {});
    const events: MtdEvent[] = [];
    for (const commit of page.commits) {
      for (const stored of commit.events) {
        const event = receive(stored);
        if (event) events.push(event);
        else progress.invalidEvents++;
      }
    }
    await Promise.all(
      options.targets.map((target) => {
        const matched = events.filter((event) => matchesPattern(target.pattern, toEventBridgeEvent(event)));
        return matched.length === 0
          ? Promise.resolve()
          : target.handler.handlePage(matched, { subscription: 'rebuild', replayName: options.replayName });
      }),
    );
    progress.position = page.position;
    progress.eventsProcessed += events.length;
    options.onPage?.({ ...progress });
  }
}

/** As a subscription receives it: validated and upcast, or undefined when it would be dead-lettered. */
function receive(stored: MtdEvent): MtdEvent | undefined {
  if (!stored?.metadata?.eventId) return undefined;
  try {
    return fromEventBridgeEvent(toEventBridgeEvent(stored));
  } catch {
    return undefined;
  }
}
