import { describe, expect, it } from 'vitest';
import type { OrderView } from '#domain/orderView';
import {
  broadcastRetryWindowMs,
  candidatesFirstSeenBy,
  defaultSlaPolicy,
  detectOrdersAtRisk,
  type SlaPolicy,
} from '#domain/sla';

const acceptedAt = '2026-11-24T10:00:00.000Z';
function aView(overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId: 'PO-1',
    acceptedAt,
    rejectedAt: null,
    issuedAt: null,
    broadcastAt: null,
    notifiedAt: null,
    completedAt: null,
    dispatchBy: '2026-11-25T10:00:00.000Z',
    exception: null,
    atRisk: [],
    ...overrides,
  } as OrderView;
}
const at = (iso: string) => new Date(iso);
/** A projection that keeps up: the watermark is the wall clock. */
const caughtUp = (iso: string) => ({ now: at(iso), appliedUpTo: at(iso) });

/** 2 min to issue, 5 to broadcast and notify; a retry round of at most 10 s. */
const policy: SlaPolicy = {
  deadlines: { 'dte-issuance': 2 * 60_000, 'dte-broadcast': 5 * 60_000, notification: 5 * 60_000 },
  broadcastRetry: { maxAttempts: 3, baseMs: 1_000, maxMs: 60_000, attemptTimeoutMs: 2_000 },
};

describe('detectOrdersAtRisk', () => {
  it('finds nothing before the first deadline', () => {
    expect(detectOrdersAtRisk([aView()], caughtUp('2026-11-24T10:02:00.000Z'), policy)).toEqual([]);
  });

  it('flags DTE issuance after its deadline, then broadcast and notification after theirs', () => {
    expect(detectOrdersAtRisk([aView()], caughtUp('2026-11-24T10:02:00.001Z'), policy)).toEqual([
      { orderId: 'PO-1', stage: 'dte-issuance', deadline: '2026-11-24T10:02:00.000Z' },
    ]);
    expect(
      detectOrdersAtRisk([aView()], caughtUp('2026-11-24T10:06:00.000Z'), policy).map((f) => f.stage),
    ).toEqual(['dte-broadcast', 'dte-issuance', 'notification']);
  });

  describe('against the projection watermark', () => {
    // The views are stale: the order still shows "accepted" though its DTE may have been issued
    // long ago; the projection has applied the store only up to 10:01.
    const backlog = { now: at('2026-11-24T10:30:00.000Z'), appliedUpTo: at('2026-11-24T10:01:00.000Z') };

    it('raises nothing while the watermark is before the deadlines, however late the wall clock', () => {
      expect(detectOrdersAtRisk([aView()], backlog, policy)).toEqual([]);
    });

    it('raises once the watermark passes a deadline, but only that deadline', () => {
      const partly = { ...backlog, appliedUpTo: at('2026-11-24T10:03:00.000Z') };
      expect(detectOrdersAtRisk([aView()], partly, policy)).toEqual([
        { orderId: 'PO-1', stage: 'dte-issuance', deadline: '2026-11-24T10:02:00.000Z' },
      ]);
    });

    it('never judges past the wall clock, even with a watermark ahead of it', () => {
      const ahead = { now: at('2026-11-24T10:01:59.000Z'), appliedUpTo: at('2026-11-24T11:00:00.000Z') };
      expect(detectOrdersAtRisk([aView()], ahead, policy)).toEqual([]);
    });

    it('holds the deadline itself as not yet overdue (strictly before the horizon)', () => {
      const onTheDot = { ...backlog, appliedUpTo: at('2026-11-24T10:02:00.000Z') };
      expect(detectOrdersAtRisk([aView()], onTheDot, policy)).toEqual([]);
    });
  });

  it('skips stages done, stages already warned, rejected and not-yet-accepted orders', () => {
    const late = caughtUp('2026-11-24T10:06:00.000Z');
    const issued = aView({ issuedAt: '2026-11-24T10:00:01.000Z', notifiedAt: '2026-11-24T10:00:02.000Z' });
    expect(detectOrdersAtRisk([issued], late, policy).map((f) => f.stage)).toEqual(['dte-broadcast']);
    const warned = aView({
      issuedAt: '2026-11-24T10:00:01.000Z',
      notifiedAt: '2026-11-24T10:00:02.000Z',
      atRisk: [
        { stage: 'dte-broadcast', deadline: '2026-11-24T10:05:00.000Z', detectedAt: late.now.toISOString() },
      ],
    });
    expect(detectOrdersAtRisk([warned], late, policy)).toEqual([]);
    expect(detectOrdersAtRisk([aView({ rejectedAt: acceptedAt })], late, policy)).toEqual([]);
    expect(detectOrdersAtRisk([aView({ acceptedAt: null })], late, policy)).toEqual([]);
  });

  it("flags dispatch when the order's own DispatchBy passed before completion", () => {
    const done = { issuedAt: acceptedAt, broadcastAt: acceptedAt, notifiedAt: acceptedAt };
    const view = aView({ ...done, dispatchBy: '2026-11-24T10:01:00.000Z' });
    expect(detectOrdersAtRisk([view], caughtUp('2026-11-24T10:01:01.000Z'), policy)).toEqual([
      { orderId: 'PO-1', stage: 'dispatch', deadline: '2026-11-24T10:01:00.000Z' },
    ]);
    expect(
      detectOrdersAtRisk(
        [{ ...view, completedAt: acceptedAt }],
        caughtUp('2026-11-24T10:01:01.000Z'),
        policy,
      ),
    ).toEqual([]);
  });

  describe('the broadcast deadline and the retry policy', () => {
    // Issued at 10:04:55: the round may legitimately run until 10:04:55 + window.
    const window = broadcastRetryWindowMs(policy.broadcastRetry);
    const issued = aView({ issuedAt: '2026-11-24T10:04:55.000Z', notifiedAt: '2026-11-24T10:04:56.000Z' });
    const roundEnds = new Date(Date.parse('2026-11-24T10:04:55.000Z') + window);

    it('sums every attempt timing out and the longest backoff before each retry', () => {
      expect(window).toBe(3 * 2_000 + 1_000 + 2_000);
      expect(
        broadcastRetryWindowMs({ maxAttempts: 5, baseMs: 2_000, maxMs: 300_000, attemptTimeoutMs: 5_000 }),
      ).toBe(55_000);
      expect(
        broadcastRetryWindowMs({ maxAttempts: 6, baseMs: 10_000, maxMs: 50_000, attemptTimeoutMs: 0 }),
      ).toBe(10_000 + 20_000 + 40_000 + 50_000 + 50_000);
    });

    it('is not at risk while a broadcast can still be in backoff after the configured deadline', () => {
      const afterConfigured = caughtUp('2026-11-24T10:05:01.000Z');
      expect(detectOrdersAtRisk([issued], afterConfigured, policy)).toEqual([]);
      const afterRound = caughtUp(new Date(roundEnds.getTime() + 1).toISOString());
      expect(detectOrdersAtRisk([issued], afterRound, policy)).toEqual([
        { orderId: 'PO-1', stage: 'dte-broadcast', deadline: roundEnds.toISOString() },
      ]);
    });

    it('holds the configured deadline once the attempts are spent (an open broadcast exception)', () => {
      const spent = {
        ...issued,
        exception: { stage: 'dte-broadcast' as const, reason: 'SII down', since: '2026-11-24T10:05:00.000Z' },
      };
      expect(detectOrdersAtRisk([spent], caughtUp('2026-11-24T10:05:01.000Z'), policy)).toEqual([
        { orderId: 'PO-1', stage: 'dte-broadcast', deadline: '2026-11-24T10:05:00.000Z' },
      ]);
    });
  });

  it('has defaults for a retail order: minutes for the DTE and the email, DispatchBy for dispatch', () => {
    expect(defaultSlaPolicy.deadlines).toEqual({
      'dte-issuance': 5 * 60_000,
      'dte-broadcast': 15 * 60_000,
      notification: 15 * 60_000,
    });
    // The default retry round (55 s) ends well inside the default broadcast deadline.
    expect(broadcastRetryWindowMs(defaultSlaPolicy.broadcastRetry)).toBeLessThan(
      defaultSlaPolicy.deadlines['dte-broadcast'] - defaultSlaPolicy.deadlines['dte-issuance'],
    );
  });
});

describe('candidatesFirstSeenBy', () => {
  it('is min(now, watermark) minus the smallest deadline', () => {
    expect(candidatesFirstSeenBy(caughtUp('2026-11-24T10:30:00.000Z'), policy)).toEqual(
      at('2026-11-24T10:28:00.000Z'),
    );
    expect(
      candidatesFirstSeenBy(
        { now: at('2026-11-24T10:30:00.000Z'), appliedUpTo: at('2026-11-24T10:10:00.000Z') },
        policy,
      ),
    ).toEqual(at('2026-11-24T10:08:00.000Z'));
  });

  it('excludes no order that could be overdue: later first facts give no finding', () => {
    const instant = { now: at('2026-11-24T10:30:00.000Z'), appliedUpTo: at('2026-11-24T10:20:00.000Z') };
    const cutoff = candidatesFirstSeenBy(instant, policy).getTime();
    const justAfter = aView({ acceptedAt: new Date(cutoff + 1).toISOString(), dispatchBy: null });
    expect(detectOrdersAtRisk([justAfter], instant, policy)).toEqual([]);
    const atCutoff = aView({ acceptedAt: new Date(cutoff - 1).toISOString(), dispatchBy: null });
    expect(detectOrdersAtRisk([atCutoff], instant, policy).map((f) => f.stage)).toEqual(['dte-issuance']);
  });
});
