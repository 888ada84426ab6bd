/**
 * How the demo feed paces itself. The demo shares the machine with the runtime it feeds, so it must
 * never send faster than the runtime applies orders: when the slowest subscription falls behind it
 * slows down (halving its rate every couple of seconds), stops sending while far behind, and creeps
 * back to the target rate once the runtime has caught up.
 */
export interface DemoPacingPolicy {
  /** Orders per second when the runtime keeps up (`--demo-rate`). */
  targetRate: number;
  /** The rate never falls below this, so the demo keeps showing something. */
  minRate: number;
  /** Lag of the slowest subscription above which the rate goes down. */
  maxLagMs: number;
  /** Lag above which nothing is sent until the runtime catches up. */
  pauseLagMs: number;
  /** Orders waiting for intake's answer at most; a slow intake is a runtime falling behind too. */
  maxInFlight: number;
  /** While behind, the rate halves every this many ms. */
  halvingMs: number;
  /** Once caught up, the rate climbs back from minRate to targetRate in about this many ms. */
  recoveryMs: number;
}

export const defaultDemoPacing: Omit<DemoPacingPolicy, 'targetRate'> = {
  minRate: 0.1,
  maxLagMs: 3_000,
  pauseLagMs: 15_000,
  maxInFlight: 8,
  halvingMs: 2_000,
  recoveryMs: 20_000,
};

export interface DemoPaceInput {
  /** The current rate, orders per second. */
  rate: number;
  /** Orders owed but not sent yet (fractional); carried from one decision to the next. */
  credit: number;
  /** How long ago the previous decision was. */
  elapsedMs: number;
  /** How far the slowest subscription is behind the newest commit (0 when unknown). */
  lagMs: number;
  /** Orders sent and not answered yet. */
  inFlight: number;
}

export interface DemoPace {
  rate: number;
  credit: number;
  /** Orders to send now. */
  send: number;
  /** Why the rate moved or nothing was sent, for the summary line. */
  reason: 'keeping up' | 'holding' | 'behind' | 'paused' | 'intake busy';
}

/**
 * One pacing decision: pure, so the demo's behaviour under lag is tested without timers.
 *
 * The rate follows the lag (multiplicative decrease while behind, linear climb back when the lag is
 * under half the limit), and orders are sent from a credit that grows with rate × time. The credit
 * carries at most one order over, so a pause or a busy intake is never followed by a burst.
 *
 * @example
 * nextDemoPace({ rate: 2, credit: 0, elapsedMs: 500, lagMs: 0, inFlight: 0 }, { ...defaultDemoPacing, targetRate: 2 })
 * // → { rate: 2, credit: 0, send: 1, reason: 'keeping up' }
 */
export function nextDemoPace(input: DemoPaceInput, policy: DemoPacingPolicy): DemoPace {
  const elapsed = Math.max(0, input.elapsedMs);
  const floor = Math.min(policy.minRate, policy.targetRate);
  let rate = Math.min(Math.max(input.rate, floor), policy.targetRate);
  let reason: DemoPace['reason'] = 'keeping up';
  if (input.lagMs > policy.maxLagMs) {
    rate = Math.max(floor, rate * 0.5 ** (elapsed / policy.halvingMs));
    reason = 'behind';
  } else if (input.lagMs < policy.maxLagMs / 2) {
    rate = Math.min(policy.targetRate, rate + (policy.targetRate * elapsed) / policy.recoveryMs);
  } else {
    reason = 'holding';
  }
  if (input.lagMs > policy.pauseLagMs) return { rate, credit: 0, send: 0, reason: 'paused' };
  const due = (rate * elapsed) / 1000;
  const credit = Math.min(input.credit + due, 1 + due);
  const room = Math.max(0, policy.maxInFlight - input.inFlight);
  const send = Math.min(Math.floor(credit + 1e-9), room);
  if (send === 0 && credit >= 1 && room === 0) return { rate, credit, send: 0, reason: 'intake busy' };
  return { rate, credit: Math.max(0, credit - send), send, reason };
}
