import { encodeTime } from 'ulid';

/**
 * Why this exists: a commit's feed position (a ULID) is chosen before its PutItem lands, so two
 * concurrent appends can become visible out of order. A reader that moved its checkpoint past the
 * later one would skip the earlier one forever. The fence makes the feed exact for every writer
 * that shares it (all writers of the local runtime do): readers only read below the oldest append
 * still in flight. For writers that do not share it (another process, or DynamoDB's eventually
 * consistent GSI in AWS) the settle window keeps readers a fixed time behind the clock as well.
 */
export class AppendFence {
  private readonly inFlight = new Map<string, number>();
  /** The greatest commit id this fence has seen begin. */
  private highest = '';
  /** Called after each append settles (written or failed): lets idle readers poll at once. */
  onSettled: (() => void) | undefined;

  constructor(
    /** How far behind the clock readers stay, for writers outside this fence. */
    readonly settleMs = 250,
  ) {}

  /** Registers an append about to be written with this commit id; call `end` when it settled. */
  begin(commitId: string): void {
    this.inFlight.set(commitId, (this.inFlight.get(commitId) ?? 0) + 1);
    if (commitId > this.highest) this.highest = commitId;
  }

  end(commitId: string): void {
    const count = (this.inFlight.get(commitId) ?? 1) - 1;
    if (count <= 0) this.inFlight.delete(commitId);
    else this.inFlight.set(commitId, count);
    this.onSettled?.();
  }

  /**
   * An exact fence's starting point: every commit up to `commitId` (the feed's head when the runtime
   * starts) has settled, and every id issued from now on sorts after it.
   */
  settledUpTo(commitId: string | undefined): void {
    if (commitId && commitId > this.highest) this.highest = commitId;
  }

  /** Readers may read commit ids strictly below this. */
  horizon(now: number): string {
    const byClock = `${encodeTime(Math.max(0, now - this.settleMs), 10)}0000000000000000`;
    if (this.settleMs === 0) {
      // An exact fence (every writer shares it, ids come from one monotonic generator) knows every
      // id issued: below the oldest append in flight, or, with none in flight, up to the greatest id
      // issued, everything has settled. Not 'the millisecond after the greatest': the next id can be
      // in that same millisecond, and a reader would skip it while it is in flight. And ids ahead
      // of this clock don't stall readers.
      let oldest: string | undefined;
      for (const commitId of this.inFlight.keys())
        if (oldest === undefined || commitId < oldest) oldest = commitId;
      if (oldest !== undefined) return oldest;
      // Both bound every id issued from now on from below: the next id sorts after the greatest
      // issued, and is made from a clock that reads at least `now`. So everything below the greater
      // of the two has settled — including commits written behind the store's back (tools, tests
      // writing history as an older producer did), which only the clock bound lets through.
      const afterHighest = this.highest ? successorOf(this.highest) : '';
      return afterHighest > byClock ? afterHighest : byClock;
    }
    let horizon = byClock;
    for (const commitId of this.inFlight.keys()) if (commitId < horizon) horizon = commitId;
    return horizon;
  }
}

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The ULID right after `id` (its last character incremented, with carry): no id sorts between. */
export function successorOf(id: string): string {
  const chars = id.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const digit = crockford.indexOf(chars[i]!);
    if (digit < crockford.length - 1) {
      chars[i] = crockford[digit + 1]!;
      return chars.join('');
    }
    chars[i] = '0';
  }
  throw new RangeError(`no ULID follows ${id}`);
}
