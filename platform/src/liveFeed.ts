import type { Commit } from './eventStore';

/**
 * The feed's recent tail, in memory: the local runtime's one feed reader for all its subscriptions.
 *
 * Why: with eight subscriptions each querying the feed index for every page, reading the feed was
 * a third of all DynamoDB calls, and idle polling alone kept a core 20–30% busy. Every writer of the
 * local runtime appends through one store, so the store hands each commit it wrote to this tail as
 * the append settles; subscriptions that are caught up read their pages from here, at no call.
 *
 * What it covers: every commit with an id after `base` that was appended through this process's
 * store. `base` is the feed's head when the runtime started (and moves up when the tail is trimmed),
 * so a reader positioned before it (after a restart, or one that fell behind the window) reads the
 * store itself until it reaches `base`. The fence's horizon still decides what is visible: a commit
 * is served only once every commit before it has settled, exactly as from the store.
 */
export class LiveFeed {
  private commits: Commit[] = [];
  private baseId: string | undefined;
  private readonly listeners = new Set<(commit: Commit) => void>();

  constructor(
    /** Commits kept at most; past that the oldest are dropped and their readers use the store. */
    private readonly capacity = 5_000,
  ) {}

  /**
   * Where the tail starts: every commit appended after this id (the feed's head; undefined for an
   * empty feed) will pass through `add`.
   */
  start(base: string | undefined): void {
    this.baseId = base ?? '';
    this.commits = [];
  }

  get base(): string | undefined {
    return this.baseId;
  }

  /** A commit this process's store wrote. Commits arrive nearly in id order; keep them sorted. */
  add(commit: Commit): void {
    for (const listener of this.listeners) listener(commit);
    if (this.baseId === undefined || commit.commitId <= this.baseId) return;
    let i = this.commits.length;
    while (i > 0 && this.commits[i - 1]!.commitId > commit.commitId) i--;
    this.commits.splice(i, 0, commit);
    if (this.commits.length > this.capacity) this.dropOldest(this.commits.length - this.capacity);
  }

  /**
   * Commits after `position` and below `horizon`, at most `limit`; undefined when the tail does
   * not cover `position` (the reader must read the store).
   */
  read(position: string | undefined, horizon: string, limit: number): Commit[] | undefined {
    // No position: the feed from its start, which the tail holds only if the feed was empty.
    const from = position ?? '';
    if (this.baseId === undefined || from < this.baseId) return undefined;
    const result: Commit[] = [];
    for (let i = this.firstAfter(from); i < this.commits.length && result.length < limit; i++) {
      const commit = this.commits[i]!;
      if (commit.commitId >= horizon) break;
      result.push(commit);
    }
    return result;
  }

  /** Forgets commits every reader has passed (`position` is the slowest reader's). */
  trimTo(position: string | undefined): void {
    if (position === undefined || this.baseId === undefined || position <= this.baseId) return;
    const count = this.firstAfter(position);
    if (count > 0) this.dropOldest(count);
  }

  /** Calls `listener` with every commit this process appends (benchmarks, live views). */
  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.commits.length;
  }

  private dropOldest(count: number): void {
    this.baseId = this.commits[count - 1]!.commitId;
    this.commits = this.commits.slice(count);
  }

  /** Index of the first commit with an id greater than `position` (binary search). */
  private firstAfter(position: string): number {
    let lo = 0;
    let hi = this.commits.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.commits[mid]!.commitId <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
