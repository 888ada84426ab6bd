import type { Clock } from './clock';

/**
 * SQS's batching window for a local feed reader: a page that is not full may wait for more commits,
 * from the first read that found it, until it fills or the window ends. Counted from that read, not
 * from the last append, so a commit waits at most the window. The subscription runner and the ledger
 * writer both read the feed this way.
 */
export class BatchWindow {
  /** When the page now waiting was first read (clock ms); undefined: none waits. */
  private openedAt: number | undefined;

  constructor(
    private readonly ms: number,
    private readonly clock: Clock,
  ) {}

  /** Milliseconds a page of `found` of `pageSize` commits should still wait; 0: deliver it now. */
  waitFor(found: number, pageSize: number): number {
    if (found === 0 || found >= pageSize || this.ms <= 0) {
      this.openedAt = undefined;
      return 0;
    }
    const now = this.clock.now().getTime();
    this.openedAt ??= now;
    const left = this.openedAt + this.ms - now;
    if (left > 0) return left;
    this.openedAt = undefined;
    return 0;
  }

  /** Milliseconds until the open window ends; infinite when no page waits. */
  remaining(): number {
    return this.openedAt === undefined
      ? Number.POSITIVE_INFINITY
      : this.openedAt + this.ms - this.clock.now().getTime();
  }
}
