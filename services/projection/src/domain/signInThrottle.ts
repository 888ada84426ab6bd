/** How sign-in failures slow the next attempt down. */
export interface SignInThrottlePolicy {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** First delay once `freeFailures` are spent; doubled on every further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key's failures are forgotten this long after its last failure. */
  forgetAfterMs: number;
}

export const defaultSignInThrottlePolicy: SignInThrottlePolicy = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

interface Failures {
  count: number;
  lastAt: number;
  blockedUntil: number;
}

/**
 * Exponential back-off of sign-in attempts, kept per key (`user:<name>` and `ip:<address>`): after
 * `freeFailures` failures each new failure blocks the key for base·2^(n−free−1) ms, up to the max. A
 * blocked attempt is refused before the password is even checked (no oracle, no CPU for scrypt).
 * A success clears the username key only: an address that guessed many accounts stays slowed.
 * Time is an input (`now` in ms), so the policy is tested without waiting.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, Failures>();
  constructor(private readonly policy: SignInThrottlePolicy = defaultSignInThrottlePolicy) {}

  /** Milliseconds to wait before `keys` may try again; 0 when they may try now. */
  retryAfterMs(keys: readonly string[], now: number): number {
    let wait = 0;
    for (const key of keys) {
      const f = this.current(key, now);
      if (f) wait = Math.max(wait, f.blockedUntil - now);
    }
    return Math.max(0, wait);
  }

  recordFailure(keys: readonly string[], now: number): void {
    for (const key of keys) {
      const count = (this.current(key, now)?.count ?? 0) + 1;
      const over = count - this.policy.freeFailures;
      const delay =
        over > 0 ? Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (over - 1)) : 0;
      this.failures.set(key, { count, lastAt: now, blockedUntil: now + delay });
    }
  }

  recordSuccess(key: string): void {
    this.failures.delete(key);
  }

  private current(key: string, now: number): Failures | undefined {
    const f = this.failures.get(key);
    if (f && now - f.lastAt > this.policy.forgetAfterMs) {
      this.failures.delete(key);
      return undefined;
    }
    return f;
  }
}
