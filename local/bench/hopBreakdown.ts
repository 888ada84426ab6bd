import { type OrderHops, trackedEventTypes } from './orderCompletionTracker';

/** One band of orders (by latency): the median time of each milestone, ms after the 202. */
export interface HopBand {
  /** e.g. `p45–p55`. */
  band: string;
  orders: number;
  latencyMs: number;
  /** `OrderAccepted committed` … `all applied`, ms after the 202 (median over the band). */
  milestones: { name: string; ms: number }[];
  /** By follower: when it was past the order's last commit (median over the band). */
  applied: { name: string; ms: number }[];
  /** How often each follower was among the last to pass the order's last commit, most first. */
  lastToApply: { name: string; orders: number }[];
  /** When their 202s came, in seconds into the run, earliest first: warm-up, one stall, or spread. */
  acceptedAtSeconds: number[];
}

export interface HopBreakdown {
  /** Positions are checked on a timer: runner times are late by up to this. */
  checkEveryMs: number;
  bands: HopBand[];
}

/**
 * Keeps every done order's hops compactly (a few numbers each: a soak of 20,000 orders adds about
 * 2 MB) and reports where the time of typical and of the slowest orders went.
 */
export class HopRecorder {
  private readonly rows: Float64Array[] = [];
  private readonly last: number[] = [];
  private readonly acceptedAt: number[] = [];

  constructor(private readonly followers: readonly string[]) {}

  /** `acceptedAtSeconds`: the order's 202, in seconds into the run. */
  add(latencyMs: number, hops: OrderHops, acceptedAtSeconds: number): void {
    this.acceptedAt.push(acceptedAtSeconds);
    this.rows.push(Float64Array.from([latencyMs, ...hops.committed, hops.viewEnded, ...hops.applied]));
    this.last.push(hops.lastToApply.reduce((mask, i) => mask | (1 << i), 0));
  }

  /** The orders between the p45 and p55 latency, and the slowest 1% (at least one). */
  summarise(checkEveryMs: number): HopBreakdown {
    const order = this.rows.map((_, i) => i).sort((a, b) => this.rows[a]![0]! - this.rows[b]![0]!);
    const n = order.length;
    if (n === 0) return { checkEveryMs, bands: [] };
    const slice = (from: number, to: number) =>
      order.slice(Math.floor(from * n), Math.max(Math.round(to * n), Math.floor(from * n) + 1));
    return {
      checkEveryMs,
      bands: [
        this.band('p45–p55', slice(0.45, 0.55)),
        this.band('slowest 1%', order.slice(Math.min(n - 1, Math.floor(0.99 * n)))),
      ],
    };
  }

  private band(band: string, indexes: number[]): HopBand {
    const column = (c: number) => median(indexes.map((i) => this.rows[i]![c]!));
    const events = trackedEventTypes.length;
    const counts = this.followers.map((name, f) => ({
      name,
      orders: indexes.filter((i) => (this.last[i]! & (1 << f)) !== 0).length,
    }));
    return {
      band,
      orders: indexes.length,
      latencyMs: column(0),
      milestones: [
        ...trackedEventTypes.map((type, k) => ({ name: `${type} committed`, ms: column(1 + k) })),
        { name: 'order view ended (projection wrote it)', ms: column(1 + events) },
        { name: 'applied by every follower (done)', ms: column(0) },
      ],
      applied: this.followers.map((name, f) => ({ name, ms: column(2 + events + f) })),
      lastToApply: counts.filter((c) => c.orders > 0).sort((a, b) => b.orders - a.orders),
      acceptedAtSeconds: indexes.map((i) => this.acceptedAt[i]!).sort((a, b) => a - b),
    };
  }
}

/** The median of the numbers that are not NaN (NaN if none). */
function median(values: number[]): number {
  const known = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (known.length === 0) return Number.NaN;
  const mid = known.length >> 1;
  return known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
}
