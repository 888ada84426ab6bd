import { describe, expect, it } from 'vitest';
import { decideExceptionRetry, normaliseRetryComment, RetryRefusedError } from '#domain/retryDecision';

const command = { orderId: 'PO-1', requestedAt: '2026-11-24T11:00:00.000Z' };

describe('operator retry decision', () => {
  it('asks the stage in exception to run again, with the comment when there is one', () => {
    expect(
      decideExceptionRetry(
        { ...command, comment: 'SII was down' },
        { status: 'known', stage: 'dte-issued', exception: { stage: 'dte-broadcast' } },
      ),
    ).toEqual({ ...command, stage: 'dte-broadcast', comment: 'SII was down' });
    expect(
      decideExceptionRetry(command, {
        status: 'known',
        stage: 'accepted',
        exception: { stage: 'dte-issuance' },
      }),
    ).toEqual({ ...command, stage: 'dte-issuance' });
  });

  it.each([
    [{ status: 'unknown' } as const, 'unknown-order'],
    [{ status: 'known', stage: 'completed', exception: null } as const, 'no-exception'],
    [
      { status: 'known', stage: 'dte-broadcast', exception: { stage: 'notification' } } as const,
      'not-retryable',
    ],
  ])('refuses %o as %s', (order, reason) => {
    expect(() => decideExceptionRetry(command, order)).toThrow(RetryRefusedError);
    try {
      decideExceptionRetry(command, order);
    } catch (error) {
      expect((error as RetryRefusedError).reason).toBe(reason);
    }
  });

  it('trims comments, drops blank ones and keeps at most 500 characters', () => {
    expect(normaliseRetryComment('  ok  ')).toBe('ok');
    expect(normaliseRetryComment('   ')).toBeUndefined();
    expect(normaliseRetryComment(42)).toBeUndefined();
    expect(normaliseRetryComment('x'.repeat(600))).toHaveLength(500);
  });
});
