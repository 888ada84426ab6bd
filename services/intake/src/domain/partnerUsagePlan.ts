/**
 * A partner's usage plan, in API Gateway's terms: a token bucket (`rateLimit` requests per second
 * refill it, `burstLimit` is its size) and an optional quota of requests per UTC day. The AWS front
 * door builds one usage plan per partner from these (infra/lib/stage.ts); the local runtime enforces
 * the same numbers itself.
 */
export interface PartnerUsagePlan {
  /** Steady requests per second. */
  rateLimit: number;
  /** Requests that may arrive at once (the bucket's size); at least 1. */
  burstLimit: number;
  /** Requests per UTC day; none means no quota. */
  quotaPerDay?: number;
}

/**
 * A partner's default plan: the seed load (500 orders/min at peak, about 8.3/s) with headroom, a
 * burst of two seconds of it, and a day's quota of 40 minutes at the peak rate (a runaway client is
 * stopped within a day; a real partner asks for more). The dev stage uses exactly these.
 */
export const defaultPartnerUsagePlan: PartnerUsagePlan = {
  rateLimit: 10,
  burstLimit: 20,
  quotaPerDay: 20_000,
};

/**
 * The local runtime's own key (`mtd send`, the demo, the bench, the tests): this machine's traffic,
 * bounded only so that a runaway script is slowed, never so that a load test measures the limiter.
 */
export const localPartnerUsagePlan: PartnerUsagePlan = { rateLimit: 5_000, burstLimit: 5_000 };

/** A usage plan that cannot be enforced: zero, fractional or negative limits. */
export class InvalidUsagePlanError extends Error {
  override readonly name = 'InvalidUsagePlanError';
}

/** Checks a plan; throws InvalidUsagePlanError naming the field and the value. */
export function validUsagePlan(plan: PartnerUsagePlan): PartnerUsagePlan {
  const check = (field: keyof PartnerUsagePlan, value: number | undefined, min: number) => {
    if (value === undefined) return;
    if (!Number.isSafeInteger(value) || value < min)
      throw new InvalidUsagePlanError(`${field} must be a whole number ≥ ${min}, got ${value}`);
  };
  check('rateLimit', plan.rateLimit, 1);
  check('burstLimit', plan.burstLimit, 1);
  check('quotaPerDay', plan.quotaPerDay, 1);
  return {
    rateLimit: plan.rateLimit,
    burstLimit: plan.burstLimit,
    ...(plan.quotaPerDay !== undefined ? { quotaPerDay: plan.quotaPerDay } : {}),
  };
}

/** Whether one request may go through, and if not why and for how long. */
export type Admission =
  | { admitted: true }
  | { admitted: false; reason: 'rate'; retryAfterSeconds: number }
  | { admitted: false; reason: 'quota'; retryAfterSeconds: number; day: string; resetsAt: string };

interface PartnerUsage {
  plan: PartnerUsagePlan;
  tokens: number;
  refilledAt: number;
  day: string;
  usedToday: number;
}

const dayMs = 86_400_000;

/**
 * Usage plans enforced per partner, as API Gateway does: the quota is checked first (a request
 * over it is refused until the next UTC midnight), then the token bucket (refused until a token is
 * back); only an admitted request counts against the quota. Time is an input (`now` in ms), so the
 * limits are tested without waiting. In memory: a restart gives every bucket back its burst and
 * starts the day's count again.
 *
 * Hand-written rather than rate-limiter-flexible: its limiters are fixed windows (its
 * BurstyRateLimiter is two windows, not a bucket), its windows start at the first request rather
 * than at UTC midnight, and it reads the system clock itself, so neither API Gateway's semantics nor a
 * test clock would hold.
 */
export class PartnerThrottle {
  private readonly usage = new Map<string, PartnerUsage>();

  /** Takes one request of `partner` under `plan` at `now` (ms since the epoch). */
  admit(partner: string, plan: PartnerUsagePlan, now: number): Admission {
    const day = new Date(now).toISOString().slice(0, 10);
    let usage = this.usage.get(partner);
    if (!usage || usage.plan !== plan) {
      // A new or changed plan starts with a full bucket.
      usage = { plan, tokens: plan.burstLimit, refilledAt: now, day, usedToday: usage?.usedToday ?? 0 };
      this.usage.set(partner, usage);
    }
    if (usage.day !== day) {
      usage.day = day;
      usage.usedToday = 0;
    }
    if (plan.quotaPerDay !== undefined && usage.usedToday >= plan.quotaPerDay) {
      const resetsAt = Date.parse(`${day}T00:00:00.000Z`) + dayMs;
      return {
        admitted: false,
        reason: 'quota',
        retryAfterSeconds: Math.max(1, Math.ceil((resetsAt - now) / 1000)),
        day,
        resetsAt: new Date(resetsAt).toISOString(),
      };
    }
    const elapsed = Math.max(0, now - usage.refilledAt);
    usage.tokens = Math.min(plan.burstLimit, usage.tokens + (elapsed * plan.rateLimit) / 1000);
    usage.refilledAt = Math.max(usage.refilledAt, now);
    if (usage.tokens < 1) {
      const waitMs = ((1 - usage.tokens) * 1000) / plan.rateLimit;
      return { admitted: false, reason: 'rate', retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    usage.tokens -= 1;
    usage.usedToday += 1;
    return { admitted: true };
  }
}
