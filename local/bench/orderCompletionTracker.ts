import type { Commit } from '@mtd/platform';

/** What the tracker reads of a subscription runner. */
export interface TrackedRunner {
  readonly name: string;
  /** Feed position (commit id) up to which the runner has handled everything. */
  readonly position: string | undefined;
}

/** What the tracker reads of an order view. */
export interface TrackedView {
  orderId: string;
  stage: string;
  exception: unknown;
  folio: number | null;
}

export type Outcome = 'completed' | 'rejected' | 'exception';

interface OpenOrder {
  acceptedAt: number | undefined;
  commits: number;
  siiVerdictCommits: number;
  lastCommitId: string;
  /** Set when the view reached an end: the order's newest commit at that moment. */
  finalCommitId: string | undefined;
  outcome: Outcome | undefined;
  folio: boolean;
  /** Every runner had applied `finalCommitId` at this time (before the 202 was seen). */
  doneAt: number | undefined;
}

export interface DoneOrder {
  orderId: string;
  outcome: Outcome;
  /** From the 202 to every subscription having applied the order's last event. */
  latencyMs: number;
  commits: number;
  /** Of `commits`, those recording the SII's verdict (the status poll of issue 15). */
  siiVerdictCommits: number;
  /** The order got a folio (a conditional write to the folio ledger). */
  folio: boolean;
}

/**
 * When is an order done? When its view reached an end (completed, rejected, or an open exception)
 * and every subscription — audit included — has moved past the order's newest commit at that
 * moment. Each order's commits come from the runtime's `onCommit` (by correlation id); the
 * subscriptions' positions are checked with `check()` on a short timer.
 *
 * Only orders announced with `expect` are tracked, and each is forgotten once done, so a soak run
 * does not grow the bench's own memory.
 */
export class OrderCompletionTracker {
  private readonly open = new Map<string, OpenOrder>();
  /** Orders whose view ended, waiting for the slowest subscription. */
  private readonly settling = new Set<string>();
  private doneCount = 0;

  constructor(
    private readonly runners: readonly TrackedRunner[],
    private readonly onDone: (order: DoneOrder) => void,
  ) {}

  /** Call before sending the order. */
  expect(orderId: string): void {
    this.open.set(orderId, {
      acceptedAt: undefined,
      commits: 0,
      siiVerdictCommits: 0,
      lastCommitId: '',
      finalCommitId: undefined,
      outcome: undefined,
      folio: false,
      doneAt: undefined,
    });
  }

  /** Intake answered 202 at `at`. */
  accepted(orderId: string, at: number): void {
    const order = this.open.get(orderId);
    if (!order) return;
    order.acceptedAt = at;
    if (order.doneAt !== undefined) this.finish(orderId, order, order.doneAt);
  }

  /** Intake did not take the order: stop tracking it. */
  refused(orderId: string): void {
    this.open.delete(orderId);
    this.settling.delete(orderId);
  }

  /** A commit the runtime appended; `siiVerdict` when it records the SII's verdict. */
  commit(commit: Commit, options: { siiVerdict?: boolean } = {}): void {
    let previous: string | undefined;
    for (const event of commit.events) {
      const orderId = event.metadata.correlationId;
      if (orderId === previous) continue;
      previous = orderId;
      const order = this.open.get(orderId);
      if (!order || order.finalCommitId !== undefined) continue;
      order.commits++;
      if (options.siiVerdict) order.siiVerdictCommits++;
      if (commit.commitId > order.lastCommitId) order.lastCommitId = commit.commitId;
    }
  }

  viewChanged(view: TrackedView): void {
    const order = this.open.get(view.orderId);
    if (!order || order.finalCommitId !== undefined) return;
    const outcome: Outcome | undefined =
      view.stage === 'completed'
        ? 'completed'
        : view.stage === 'rejected'
          ? 'rejected'
          : view.exception
            ? 'exception'
            : undefined;
    if (!outcome || order.lastCommitId === '') return;
    order.outcome = outcome;
    order.folio = view.folio !== null && view.folio !== undefined;
    order.finalCommitId = order.lastCommitId;
    this.settling.add(view.orderId);
  }

  /** Marks done every settling order that every subscription has passed; returns how many. */
  check(now: number): number {
    if (this.settling.size === 0) return 0;
    let slowest: string | undefined;
    for (const runner of this.runners) {
      const position = runner.position;
      if (position === undefined) return 0;
      if (slowest === undefined || position < slowest) slowest = position;
    }
    if (slowest === undefined) return 0;
    let done = 0;
    for (const orderId of this.settling) {
      const order = this.open.get(orderId)!;
      if (order.finalCommitId! > slowest) continue;
      this.settling.delete(orderId);
      done++;
      if (order.acceptedAt === undefined) order.doneAt = now;
      else this.finish(orderId, order, now);
    }
    return done;
  }

  /** Orders done so far. */
  get done(): number {
    return this.doneCount;
  }

  /** Orders expected and not done yet. */
  get outstanding(): number {
    return this.open.size;
  }

  private finish(orderId: string, order: OpenOrder, at: number): void {
    this.open.delete(orderId);
    this.doneCount++;
    this.onDone({
      orderId,
      outcome: order.outcome!,
      latencyMs: Math.max(0, at - order.acceptedAt!),
      commits: order.commits,
      siiVerdictCommits: order.siiVerdictCommits,
      folio: order.folio,
    });
  }
}
