import { BatchWindow } from '../batchWindow';
import type { Clock } from '../clock';
import type { EventStoreReader } from '../eventStore';
import type { Ledger } from './dynamoLedger';

export interface LedgerWriterOptions {
  ledger: Ledger;
  reader: EventStoreReader;
  clock: Clock;
  /** Commits per read; each read becomes one ledger page (one PutItem). */
  pageSize?: number;
  /** Longest idle wait when caught up; appends wake the writer at once (`poke`). */
  pollMs?: number;
  /**
   * How long a page that is not full may wait for more commits, from the first read that found it
   * (default 100 ms), so that a page gathers many commits (one PutItem each) instead of one per
   * append. Counted from that read, not from the last append: a commit waits at most this long.
   */
  gatherMs?: number;
  /** A signed checkpoint at most this often, when the tree grew (one PutItem each). */
  checkpointEveryMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The ledger's one writer: follows the event store's feed and appends each page it reads to the
 * ledger, every event as stored, in its own order (DESIGN §5.5). Its position is the ledger's own
 * (`through`, kept in the last page), so it needs no checkpoint of its own and a crash resumes where
 * the ledger ends; a page re-read after a crash is skipped by the ledger (same stream and version).
 * On first start over an existing store it reads the store from the beginning: the backfill.
 * Rebuilds and replays never touch it: it reads the store, not a read model.
 */
export class LedgerWriter {
  readonly name = 'ledger';
  /** Events appended since start; for progress and benchmarks. */
  handled = 0;
  /** True when the last read found nothing new. */
  caughtUp = false;
  private positionValue: string | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastCheckpointAt = 0;
  private readonly pageSize: number;
  private readonly pollMs: number;
  private readonly checkpointEveryMs: number;
  private readonly gathering: BatchWindow;

  constructor(private readonly options: LedgerWriterOptions) {
    this.pageSize = options.pageSize ?? 500;
    this.pollMs = options.pollMs ?? 2_000;
    this.checkpointEveryMs = options.checkpointEveryMs ?? 10_000;
    this.gathering = new BatchWindow(options.gatherMs ?? 100, options.clock);
  }

  /** The feed position up to which every commit is in the ledger. */
  get position(): string | undefined {
    return this.positionValue;
  }

  async start(): Promise<void> {
    this.positionValue = (await this.options.ledger.treeHead()).through;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the page in hand, signs a last checkpoint if the tree grew, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.checkpoint();
  }

  poke(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      let untilGathered = 0;
      try {
        const page = await this.options.reader.readFeed(this.positionValue, { limit: this.pageSize });
        untilGathered = this.gathering.waitFor(page.commits.length, this.pageSize);
        if (page.commits.length > 0 && untilGathered === 0) {
          const { appended } = await this.options.ledger.appendCommits(page.commits);
          this.handled += appended;
          this.positionValue = page.position;
          worked = true;
        }
        this.caughtUp = !worked && untilGathered === 0;
        if (this.options.clock.now().getTime() - this.lastCheckpointAt >= this.checkpointEveryMs)
          await this.checkpoint();
      } catch (error) {
        this.caughtUp = false;
        this.options.onError?.(error);
      }
      // Appends wake it (poke): a gathering page is read again with what came, until it fills or ends.
      if (!worked && this.running)
        await this.idle(Math.max(1, Math.min(this.pollMs, untilGathered || this.pollMs)));
    }
  }

  private async checkpoint(): Promise<void> {
    this.lastCheckpointAt = this.options.clock.now().getTime();
    // Costs nothing when the tree has not grown since the last one.
    await this.options.ledger.checkpoint();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
