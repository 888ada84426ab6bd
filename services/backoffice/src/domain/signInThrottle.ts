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

/** Per username: slowed after 3 failures. */
export const defaultSignInThrottlePolicy: SignInThrottlePolicy = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

/** Per address: slowed after 20 failures (an office shares one address). */
export const addressSignInThrottlePolicy: SignInThrottlePolicy = {
  ...defaultSignInThrottlePolicy,
  freeFailures: 20,
};

/** What is kept per key (`user:<name>`, `ip:<address>`); times in ms since the epoch. */
export interface SignInFailures {
  count: number;
  lastAt: number;
  blockedUntil: number;
}

/** The record as it stands at `now`: undefined once its failures are forgotten. */
export function currentFailures(
  record: SignInFailures | undefined,
  now: number,
  policy: SignInThrottlePolicy,
): SignInFailures | undefined {
  return record && now - record.lastAt <= policy.forgetAfterMs ? record : undefined;
}

/**
 * Milliseconds the key must wait before it may try again; 0 when it may try now. A blocked attempt is
 * refused before the password is even checked (no oracle, no CPU for scrypt).
 */
export function signInRetryAfterMs(
  record: SignInFailures | undefined,
  now: number,
  policy: SignInThrottlePolicy,
): number {
  const current = currentFailures(record, now, policy);
  return current ? Math.max(0, current.blockedUntil - now) : 0;
}

/**
 * Exponential back-off: after `freeFailures` failures each new failure blocks the key for
 * base·2^(n−free−1) ms, up to the max. A success clears the username key only (the caller deletes
 * it): an address that guessed many accounts stays slowed. Time is an input, so the policy is tested
 * without waiting, and the record is plain data, so it is kept in memory or in DynamoDB alike.
 */
export function afterSignInFailure(
  record: SignInFailures | undefined,
  now: number,
  policy: SignInThrottlePolicy,
): SignInFailures {
  const count = (currentFailures(record, now, policy)?.count ?? 0) + 1;
  const over = count - policy.freeFailures;
  const delay = over > 0 ? Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (over - 1)) : 0;
  return { count, lastAt: now, blockedUntil: now + delay };
}
