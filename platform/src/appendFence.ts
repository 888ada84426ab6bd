import { decodeTime, encodeTime } from 'ulid';

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

  /** Readers may read commit ids strictly below this. */
  horizon(now: number): string {
    const byClock = `${encodeTime(Math.max(0, now - this.settleMs), 10)}0000000000000000`;
    if (this.settleMs === 0) {
      // An exact fence (every writer shares it) knows every id issued: below the oldest append in
      // flight, or with none in flight after the greatest id issued, everything has settled — even
      // ids ahead of this clock (a head written by a clock that was ahead, which the runtime's ids
      // then follow); waiting for the clock would stall every reader.
      let oldest: string | undefined;
      for (const commitId of this.inFlight.keys())
        if (oldest === undefined || commitId < oldest) oldest = commitId;
      if (oldest !== undefined) return oldest;
      const afterHighest = this.highest
        ? `${encodeTime(decodeTime(this.highest) + 1, 10)}0000000000000000`
        : '';
      return afterHighest > byClock ? afterHighest : byClock;
    }
    let horizon = byClock;
    for (const commitId of this.inFlight.keys()) if (commitId < horizon) horizon = commitId;
    return horizon;
  }
}
