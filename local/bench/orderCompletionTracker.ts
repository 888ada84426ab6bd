import { CustomerNotifiedV1, DteBroadcastV2, DteIssuedV2, OrderAcceptedV1 } from '@mtd/contracts';
import type { Commit } from '@mtd/platform';
import TinyQueue from 'tinyqueue';

/** What the tracker reads of a subscription runner (or the ledger's writer). */
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

/**
 * The commits whose time the hop breakdown reports: the first commit of the order holding an event
 * of each of these types (a DteBroadcast's first is the SII's `received`).
 */
export const trackedEventTypes: readonly string[] = [
  OrderAcceptedV1.detailType,
  DteIssuedV2.detailType,
  DteBroadcastV2.detailType,
  CustomerNotifiedV1.detailType,
];

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
  /** When the first commit holding each tracked event type settled (index of trackedEventTypes). */
  committedAt: number[];
  viewEndedAt: number;
  /** When each runner was first seen past `finalCommitId` (index of the runners). */
  appliedAt: number[];
  /** Runners seen past it at the check that found every runner past it: the last to apply. */
  lastToApply: number[];
  /** Runners not yet seen past `finalCommitId`, once settling. */
  runnersBehind: number;
}

/** A settling order in a runner's queue: it waits there until the runner passes `finalCommitId`. */
interface Waiting {
  orderId: string;
  order: OpenOrder;
  finalCommitId: string;
}

/**
 * Where one order's time went, in ms after its 202 (negative: before the 202 was seen; NaN: never
 * happened). Runner times are seen by `check`, so they are late by up to its interval.
 */
export interface OrderHops {
  /** By trackedEventTypes: the first commit holding that event type settled. */
  committed: number[];
  /** The projection wrote the view that ended the order. */
  viewEnded: number;
  /** By runner: first seen past the order's last commit. */
  applied: number[];
  /** Indexes of the runners that were last to pass it. */
  lastToApply: number[];
}

export interface DoneOrder {
  orderId: string;
  outcome: Outcome;
  /** When the 202 was seen (the time `accepted` was given). */
  acceptedAt: number;
  /** From the 202 to every subscription having applied the order's last event. */
  latencyMs: number;
  commits: number;
  /** Of `commits`, those recording the SII's verdict (the status poll of issue 15). */
  siiVerdictCommits: number;
  /** The order got a folio (a conditional write to the folio ledger). */
  folio: boolean;
  hops: OrderHops;
}

/**
 * When is an order done? When its view reached an end (completed, rejected, or an open exception)
 * and every subscription — audit included — has moved past the order's newest commit at that
 * moment. Each order's commits come from the runtime's `onCommit` (by correlation id); the
 * subscriptions' positions are checked with `check()` on a short timer.
 *
 * Only orders announced with `expect` are tracked, and each is forgotten once done, so a soak run
 * does not grow the bench's own memory.
 *
 * A check costs what passed since the last one, not the orders still settling: each runner has a
 * queue of the settling orders it has not passed, earliest final commit first, and a check takes
 * from its head only those its position is past (each order enters and leaves each runner's queue
 * once, O(log n) each). Scanning every settling order against every runner on each 20 ms check cost
 * the bench's main thread as much as a service (1.8% of it) once a slow subscription let thousands
 * of orders pile up.
 */
export class OrderCompletionTracker {
  private readonly open = new Map<string, OpenOrder>();
  /** Orders whose view ended, waiting for the slowest subscription. */
  private readonly settling = new Set<string>();
  /** By runner: the settling orders it has not passed yet, earliest `finalCommitId` first. */
  private readonly waiting: TinyQueue<Waiting>[];
  private doneCount = 0;

  constructor(
    private readonly runners: readonly TrackedRunner[],
    private readonly onDone: (order: DoneOrder) => void,
  ) {
    this.waiting = runners.map(
      () =>
        new TinyQueue<Waiting>([], (a, b) =>
          a.finalCommitId < b.finalCommitId ? -1 : a.finalCommitId > b.finalCommitId ? 1 : 0,
        ),
    );
  }

  /** The runners' names, in the order of `OrderHops.applied`. */
  get runnerNames(): string[] {
    return this.runners.map((r) => r.name);
  }

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
      committedAt: trackedEventTypes.map(() => Number.NaN),
      viewEndedAt: Number.NaN,
      appliedAt: this.runners.map(() => Number.NaN),
      lastToApply: [],
      runnersBehind: this.runners.length,
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

  /** A commit the runtime appended, settled at `at`; `siiVerdict` when it records the SII's verdict. */
  commit(commit: Commit, at: number, options: { siiVerdict?: boolean } = {}): void {
    let previous: string | undefined;
    for (const event of commit.events) {
      const orderId = event.metadata.correlationId;
      const order = this.open.get(orderId);
      if (!order || order.finalCommitId !== undefined) continue;
      const tracked = trackedEventTypes.indexOf(event.type);
      if (tracked >= 0 && Number.isNaN(order.committedAt[tracked]!)) order.committedAt[tracked] = at;
      if (orderId === previous) continue;
      previous = orderId;
      order.commits++;
      if (options.siiVerdict) order.siiVerdictCommits++;
      if (commit.commitId > order.lastCommitId) order.lastCommitId = commit.commitId;
    }
  }

  /** The projection wrote `view` at `at`. */
  viewChanged(view: TrackedView, at: number): void {
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
    order.viewEndedAt = at;
    this.settling.add(view.orderId);
    const waiting = { orderId: view.orderId, order, finalCommitId: order.finalCommitId };
    for (const queue of this.waiting) queue.push(waiting);
  }

  /** Marks done every settling order that every subscription has passed; returns how many. */
  check(now: number): number {
    if (this.settling.size === 0) return 0;
    /** Orders some runner was first seen past at this check, with those runners. */
    const passedNow = new Map<OpenOrder, { orderId: string; runners: number[] }>();
    for (const [i, runner] of this.runners.entries()) {
      const position = runner.position;
      if (position === undefined) continue;
      const queue = this.waiting[i]!;
      while (queue.length > 0 && queue.peek()!.finalCommitId <= position) {
        const { orderId, order } = queue.pop()!;
        // Refused after its view ended: no longer tracked.
        if (this.open.get(orderId) !== order) continue;
        order.appliedAt[i] = now;
        order.runnersBehind--;
        const passed = passedNow.get(order);
        if (passed) passed.runners.push(i);
        else passedNow.set(order, { orderId, runners: [i] });
      }
    }
    let done = 0;
    for (const [order, { orderId, runners }] of passedNow) {
      if (order.runnersBehind > 0) continue;
      order.lastToApply = runners.sort((a, b) => a - b);
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
    const since = (t: number) => t - order.acceptedAt!;
    this.onDone({
      orderId,
      outcome: order.outcome!,
      acceptedAt: order.acceptedAt!,
      latencyMs: Math.max(0, at - order.acceptedAt!),
      commits: order.commits,
      siiVerdictCommits: order.siiVerdictCommits,
      folio: order.folio,
      hops: {
        committed: order.committedAt.map(since),
        viewEnded: since(order.viewEndedAt),
        applied: order.appliedAt.map(since),
        lastToApply: order.lastToApply,
      },
    });
  }
}
