export interface BackoffPolicy {
  /** Delay before the second attempt. */
  baseMs: number;
  /** Cap on any single delay. */
  maxMs: number;
}

/**
 * Exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a random delay in [0, min(max, base·2^(attempt-1))]. Jitter spreads retries of many failures so
 * they do not hit a recovering dependency in lockstep. `random` is an input (in [0,1)) so callers
 * and tests decide where randomness comes from.
 *
 * @example backoffDelayMs(3, { baseMs: 100, maxMs: 5000 }, Math.random) // somewhere in 0..400
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
