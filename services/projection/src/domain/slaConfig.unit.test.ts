import { describe, expect, it } from 'vitest';
import { defaultBroadcastRetry, defaultSlaDeadlines, defaultSlaPolicy } from '#domain/sla';
import { InvalidSlaConfigError, slaPolicyFromEnvironment, slaPolicyOf } from '#domain/slaConfig';

describe('slaPolicyOf', () => {
  it('fills what is left out with the defaults', () => {
    expect(slaPolicyOf(undefined)).toEqual(defaultSlaPolicy);
    expect(
      slaPolicyOf({ deadlines: { 'dte-issuance': 120_000 }, broadcastRetry: { maxAttempts: 2 } }),
    ).toEqual({
      deadlines: { ...defaultSlaDeadlines, 'dte-issuance': 120_000 },
      broadcastRetry: { ...defaultBroadcastRetry, maxAttempts: 2 },
    });
  });

  it('refuses an unknown stage, a non-positive or fractional deadline, and names the field', () => {
    expect(() => slaPolicyOf({ deadlines: { 'dte-issue': 60_000 } })).toThrow(InvalidSlaConfigError);
    expect(() => slaPolicyOf({ deadlines: { 'dte-issue': 60_000 } })).toThrow(/dte-issue/);
    expect(() => slaPolicyOf({ deadlines: { notification: 0 } })).toThrow(/notification/);
    expect(() => slaPolicyOf({ deadlines: { notification: 1.5 } })).toThrow(/notification/);
    expect(() => slaPolicyOf({ deadlines: { notification: '5m' } })).toThrow(/notification/);
    expect(() => slaPolicyOf({ broadcastRetry: { maxAttempts: 0 } })).toThrow(/maxAttempts/);
  });
});

describe('slaPolicyFromEnvironment', () => {
  it('reads SLA_DEADLINES_JSON and SLA_BROADCAST_RETRY_JSON, both optional', () => {
    expect(slaPolicyFromEnvironment({})).toEqual(defaultSlaPolicy);
    expect(
      slaPolicyFromEnvironment({
        SLA_DEADLINES_JSON: '{"dte-broadcast": 1800000}',
        SLA_BROADCAST_RETRY_JSON: '{"maxAttempts": 8, "maxMs": 60000}',
      }),
    ).toEqual({
      deadlines: { ...defaultSlaDeadlines, 'dte-broadcast': 1_800_000 },
      broadcastRetry: { ...defaultBroadcastRetry, maxAttempts: 8, maxMs: 60_000 },
    });
  });

  it('fails at load with the variable named when it is not JSON or not valid', () => {
    expect(() => slaPolicyFromEnvironment({ SLA_DEADLINES_JSON: '{dte-issuance: 5}' })).toThrow(
      /invalid SLA configuration in SLA_DEADLINES_JSON: not JSON/,
    );
    expect(() => slaPolicyFromEnvironment({ SLA_DEADLINES_JSON: '{"dte-issuance": -1}' })).toThrow(
      /SLA_DEADLINES_JSON.*dte-issuance/s,
    );
  });
});
