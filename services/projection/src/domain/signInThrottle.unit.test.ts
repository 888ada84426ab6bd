import { describe, expect, it } from 'vitest';
import { SignInThrottle } from '#domain/signInThrottle';

const policy = { freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, forgetAfterMs: 60_000 };

describe('SignInThrottle', () => {
  it('lets three failures through, then doubles the wait up to the maximum', () => {
    const throttle = new SignInThrottle(policy);
    const key = ['user:ana'];
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      throttle.recordFailure(key, 0);
      waits.push(throttle.retryAfterMs(key, 0));
    }
    expect(waits).toEqual([0, 0, 0, 1_000, 2_000, 4_000, 8_000]);
    expect(throttle.retryAfterMs(key, 8_000)).toBe(0);
  });

  it('keeps keys apart, forgets old failures and clears a user on success', () => {
    const throttle = new SignInThrottle(policy);
    for (let i = 0; i < 4; i++) throttle.recordFailure(['user:ana'], 0);
    expect(throttle.retryAfterMs(['user:bob'], 0)).toBe(0);
    expect(throttle.retryAfterMs(['user:bob', 'user:ana'], 0)).toBe(1_000);
    throttle.recordSuccess('user:ana');
    expect(throttle.retryAfterMs(['user:ana'], 0)).toBe(0);
    for (let i = 0; i < 4; i++) throttle.recordFailure(['ip:1'], 0);
    throttle.recordFailure(['ip:1'], 70_000);
    expect(throttle.retryAfterMs(['ip:1'], 70_000)).toBe(0);
  });
});
