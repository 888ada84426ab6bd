/** What the lag needs of a subscription runner: its name and its feed position. */
export interface PositionedSubscription {
  readonly name: string;
  /** The feed position (a commit id) up to which it has handled everything; undefined before any. */
  readonly position: string | undefined;
}

export interface Lag {
  /** How long the oldest commit the slowest subscription has not applied has been waiting; 0 if none. */
  lagMs: number;
  /** The subscription furthest behind (undefined when there are none). */
  slowest: string | undefined;
}

/**
 * How far the runtime is behind: the age of the oldest commit that some subscription has not applied
 * yet. Measured from when each commit was seen rather than from the ULID of the newest one, so a
 * runtime that was idle and just got one new commit is not "a minute behind".
 *
 * Only commits observed here count (the runtime's `onCommit`): a backlog from before the observer
 * started is invisible until the slowest subscription is past it.
 */
export class SubscriptionLag {
  private ids: string[] = [];
  private seenAt: number[] = [];
  private head = 0;

  /** A commit the runtime appended, seen at `at` (ms). */
  observe(commitId: string, at: number): void {
    this.ids.push(commitId);
    this.seenAt.push(at);
  }

  measure(subscriptions: readonly PositionedSubscription[], now: number): Lag {
    let slowest: PositionedSubscription | undefined;
    for (const s of subscriptions) {
      if (!slowest || (s.position ?? '') < (slowest.position ?? '')) slowest = s;
    }
    if (!slowest) return { lagMs: 0, slowest: undefined };
    const position = slowest.position ?? '';
    // Commits arrive nearly in id order, so what every subscription has passed is at the head.
    while (this.head < this.ids.length && this.ids[this.head]! <= position) this.head++;
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.seenAt = this.seenAt.slice(this.head);
      this.head = 0;
    }
    const oldest = this.seenAt[this.head];
    return { lagMs: oldest === undefined ? 0 : Math.max(0, now - oldest), slowest: slowest.name };
  }

  /** Commits seen that the slowest subscription had not applied at the last `measure`. */
  get pending(): number {
    return this.ids.length - this.head;
  }
}
