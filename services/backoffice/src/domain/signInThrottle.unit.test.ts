import { describe, expect, it } from 'vitest';
import { afterSignInFailure, type SignInFailures, signInRetryAfterMs } from '#domain/signInThrottle';

const policy = { freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, forgetAfterMs: 60_000 };

describe('sign-in throttle', () => {
  it('lets three failures through, then doubles the wait up to the maximum', () => {
    let record: SignInFailures | undefined;
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      record = afterSignInFailure(record, 0, policy);
      waits.push(signInRetryAfterMs(record, 0, policy));
    }
    expect(waits).toEqual([0, 0, 0, 1_000, 2_000, 4_000, 8_000]);
    expect(signInRetryAfterMs(record, 8_000, policy)).toBe(0);
  });

  it('forgets failures older than the policy says', () => {
    let record: SignInFailures | undefined;
    for (let i = 0; i < 4; i++) record = afterSignInFailure(record, 0, policy);
    expect(signInRetryAfterMs(record, 0, policy)).toBe(1_000);
    record = afterSignInFailure(record, 70_000, policy);
    expect(record.count).toBe(1);
    expect(signInRetryAfterMs(record, 70_000, policy)).toBe(0);
  });
});
