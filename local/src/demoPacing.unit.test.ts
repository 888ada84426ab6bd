import { describe, expect, it } from 'vitest';
import { type DemoPaceInput, type DemoPacingPolicy, defaultDemoPacing, nextDemoPace } from './demoPacing';

const policy: DemoPacingPolicy = { ...defaultDemoPacing, targetRate: 2 };

const aPace = (input: Partial<DemoPaceInput> = {}): DemoPaceInput => ({
  rate: 2,
  credit: 0,
  elapsedMs: 250,
  lagMs: 0,
  inFlight: 0,
  ...input,
});

/** Decisions every `tickMs` for `ms`, with the lag and in-flight count given per step. */
function run(
  ms: number,
  start: Partial<DemoPaceInput>,
  world: (sentSoFar: number) => { lagMs: number; inFlight?: number } = () => ({ lagMs: 0 }),
  tickMs = 250,
) {
  let state = aPace({ ...start, elapsedMs: tickMs });
  let sent = 0;
  for (let t = 0; t < ms; t += tickMs) {
    const pace = nextDemoPace({ ...state, ...world(sent), elapsedMs: tickMs }, policy);
    sent += pace.send;
    state = { ...state, rate: pace.rate, credit: pace.credit };
  }
  return { sent, rate: state.rate };
}

describe('demo pacing', () => {
  it('sends at the target rate while the runtime keeps up', () => {
    expect(run(10_000, { rate: 2 })).toEqual({ sent: 20, rate: 2 });
  });

  it('halves the rate every two seconds while the slowest subscription is over 3 s behind', () => {
    const pace = nextDemoPace(aPace({ rate: 2, elapsedMs: 2_000, lagMs: 5_000 }), policy);
    expect(pace.rate).toBeCloseTo(1);
    expect(pace.reason).toBe('behind');
    expect(run(60_000, { rate: 2 }, () => ({ lagMs: 5_000 })).rate).toBe(policy.minRate);
  });

  it('holds its rate between half the lag limit and the limit', () => {
    const pace = nextDemoPace(aPace({ rate: 1.3, elapsedMs: 1_000, lagMs: 2_000 }), policy);
    expect(pace).toMatchObject({ rate: 1.3, reason: 'holding' });
  });

  it('sends nothing while far behind, and no burst afterwards', () => {
    const paused = nextDemoPace(aPace({ rate: 1, credit: 0.9, elapsedMs: 1_000, lagMs: 20_000 }), policy);
    expect(paused).toMatchObject({ send: 0, credit: 0, reason: 'paused' });
    const after = nextDemoPace(
      aPace({ rate: paused.rate, credit: paused.credit, elapsedMs: 60_000 }),
      policy,
    );
    expect(after.send).toBeLessThanOrEqual(policy.maxInFlight);
    expect(after.rate).toBe(2);
  });

  it('climbs back from the minimum to the target in about 20 s once caught up, and no higher', () => {
    expect(run(10_000, { rate: policy.minRate }).rate).toBeCloseTo(1.1);
    expect(run(30_000, { rate: policy.minRate }).rate).toBe(2);
  });

  it('waits for intake when it has 8 orders unanswered, then sends at most one carried order', () => {
    const busy = run(10_000, { rate: 2 }, () => ({ lagMs: 0, inFlight: policy.maxInFlight }));
    expect(busy.sent).toBe(0);
    const blocked = nextDemoPace(aPace({ credit: 1, inFlight: policy.maxInFlight }), policy);
    expect(blocked).toMatchObject({ send: 0, reason: 'intake busy' });
    const freed = nextDemoPace(aPace({ credit: blocked.credit, inFlight: 0 }), policy);
    expect(freed.send).toBe(1);
  });

  it('never sends faster than the target, however long the pause between decisions', () => {
    const pace = nextDemoPace(aPace({ rate: 2, credit: 0.5, elapsedMs: 3_600_000 }), policy);
    expect(pace.send).toBeLessThanOrEqual(policy.maxInFlight);
    expect(pace.rate).toBe(2);
  });

  it('settles near what a runtime that applies 1 order/s can take, with its lag bounded', () => {
    // A runtime applying 1 order/s: its lag is the backlog's age, fed by the demo's own sends.
    const capacity = 1;
    const tickMs = 250;
    let backlog = 0;
    let applied = 0;
    let maxLag = 0;
    let sentInLastMinute = 0;
    let state = aPace({ rate: 4 });
    const fast: DemoPacingPolicy = { ...policy, targetRate: 4 };
    for (let t = 0; t < 300_000; t += tickMs) {
      const lagMs = (backlog / capacity) * 1000;
      if (t > 60_000) maxLag = Math.max(maxLag, lagMs);
      const pace = nextDemoPace({ ...state, lagMs, elapsedMs: tickMs }, fast);
      state = { ...state, rate: pace.rate, credit: pace.credit };
      backlog += pace.send;
      const done = Math.min(backlog, (capacity * tickMs) / 1000);
      backlog -= done;
      applied += done;
      if (t >= 240_000) sentInLastMinute += pace.send;
    }
    expect(maxLag).toBeLessThanOrEqual(fast.pauseLagMs);
    expect(sentInLastMinute / 60).toBeGreaterThan(0.5 * capacity);
    expect(sentInLastMinute / 60).toBeLessThan(1.5 * capacity);
    expect(applied).toBeGreaterThan(200);
  });
});
