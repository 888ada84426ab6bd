import type { SlaStage } from '@mtd/contracts';
import type { OrderView } from '#domain/orderView';

/**
 * Per-stage deadlines in milliseconds after the order was accepted. `dispatch` has none here: its
 * deadline is the order's own `dispatchBy`.
 */
export type SlaDeadlines = Record<Exclude<SlaStage, 'dispatch'>, number>;

/**
 * Deadlines for a retail order whose goods leave the warehouse hours or days after it is placed
 * (its `DispatchBy`). Issuing the DTE is automatic and takes seconds, so 5 minutes without one means
 * the issuer is down or the order is in exception. The tax authority's reception has short outages,
 * and the DTE only has to be there before the goods travel: 15 minutes lets a brief outage pass
 * while leaving operations hours before dispatch. The customer's email follows the DTE: 15 minutes.
 */
export const defaultSlaDeadlines: SlaDeadlines = {
  'dte-issuance': 5 * 60_000,
  'dte-broadcast': 15 * 60_000,
  notification: 15 * 60_000,
};

/**
 * The broadcast retry policy of the dte service (its `broadcast` dependency): `maxAttempts` per
 * round, full-jitter exponential backoff between them, each attempt bounded by the tax authority
 * call's timeout.
 */
export interface BroadcastRetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
  /** The longest one attempt can take (the tax authority client's timeout). */
  attemptTimeoutMs: number;
}

/** The dte Lambda's defaults (BROADCAST_MAX_ATTEMPTS, BROADCAST_BASE_MS, BROADCAST_MAX_MS, 5 s timeout). */
export const defaultBroadcastRetry: BroadcastRetryPolicy = {
  maxAttempts: 5,
  baseMs: 2_000,
  maxMs: 300_000,
  attemptTimeoutMs: 5_000,
};

/** What the watcher judges against: the stage deadlines and the broadcast retry policy. */
export interface SlaPolicy {
  deadlines: SlaDeadlines;
  broadcastRetry: BroadcastRetryPolicy;
}

export const defaultSlaPolicy: SlaPolicy = {
  deadlines: defaultSlaDeadlines,
  broadcastRetry: defaultBroadcastRetry,
};

/**
 * The longest a round of broadcast attempts can legitimately take: every attempt running into its
 * timeout plus the longest backoff before each retry. The dte service waits
 * `backoffDelayMs(k)` ≤ min(maxMs, baseMs·2^(k-1)) after failed attempt k of the round, and the last
 * attempt is final (no wait after it).
 *
 * @example broadcastRetryWindowMs({ maxAttempts: 5, baseMs: 2000, maxMs: 300000, attemptTimeoutMs: 5000 }) // 55000
 */
export function broadcastRetryWindowMs(policy: BroadcastRetryPolicy): number {
  let window = policy.maxAttempts * policy.attemptTimeoutMs;
  for (let k = 1; k < policy.maxAttempts; k++) window += Math.min(policy.maxMs, policy.baseMs * 2 ** (k - 1));
  return window;
}

/**
 * The two instants a verdict depends on. `now` is the wall clock; `appliedUpTo` is the projection's
 * watermark: every event committed before it is reflected in the views. A stage is judged overdue
 * only if its deadline is before both, so a read model lagging behind the store (the runtime's own
 * backlog) never passes for a late order: the event that completed the stage may simply not be
 * folded yet.
 */
export interface SlaInstant {
  now: Date;
  appliedUpTo: Date;
}

/** The instant up to which views can be judged: min(now, appliedUpTo). */
export function judgedUpTo(at: SlaInstant): Date {
  return new Date(Math.min(at.now.getTime(), at.appliedUpTo.getTime()));
}

/**
 * Only orders whose first fact is at or before this instant can have a stage overdue at `at`: every
 * deadline but dispatch is at least the smallest configured one after acceptance, and an order's first
 * fact (its listing key) is never after its acceptance. The watcher reads only those.
 *
 * Dispatch is the exception: an order placed long ago may be due (DispatchBy) before acceptance +
 * the smallest deadline; its warning then comes up to that smallest deadline late, at the next run.
 */
export function candidatesFirstSeenBy(at: SlaInstant, policy: SlaPolicy): Date {
  const smallest = Math.min(...Object.values(policy.deadlines));
  return new Date(judgedUpTo(at).getTime() - smallest);
}

export interface OrderAtRiskFinding {
  orderId: string;
  stage: SlaStage;
  /** ISO 8601: when the stage should have been done. */
  deadline: string;
}

function stageDone(view: OrderView, stage: SlaStage): boolean {
  switch (stage) {
    case 'dte-issuance':
      return view.issuedAt !== null || view.rejectedAt !== null;
    case 'dte-broadcast':
      return view.broadcastAt !== null;
    case 'notification':
      return view.notifiedAt !== null;
    case 'dispatch':
      return view.completedAt !== null;
    default: {
      const unexpected: never = stage;
      throw new Error(`unhandled SLA stage ${String(unexpected)}`);
    }
  }
}

/**
 * The broadcast deadline: the configured one, but never before the retry round could have ended
 * (issuance, or its deadline while there is no DTE, plus {@link broadcastRetryWindowMs}), so an
 * order whose broadcast is in legitimate backoff is not at risk. Once the attempts are spent (the
 * view shows a `dte-broadcast` exception) there is no backoff left to wait for: the configured
 * deadline holds.
 */
function broadcastDeadlineMs(view: OrderView, acceptedMs: number, policy: SlaPolicy): number {
  const configured = acceptedMs + policy.deadlines['dte-broadcast'];
  if (view.exception?.stage === 'dte-broadcast') return configured;
  const issuedMs = view.issuedAt ? Date.parse(view.issuedAt) : acceptedMs + policy.deadlines['dte-issuance'];
  return Math.max(configured, issuedMs + broadcastRetryWindowMs(policy.broadcastRetry));
}

/**
 * The stages of accepted orders that overran their deadline and are not done yet, skipping stages
 * the view already shows at risk. A stage is overdue only if its deadline is before
 * `min(at.now, at.appliedUpTo)` (see {@link SlaInstant}). Pure: the caller still checks the
 * `sla-<orderId>` stream before appending, because the view may lag behind a warning appended a
 * moment ago.
 *
 * @example
 * detectOrdersAtRisk(views, {
 *   now: new Date('2026-11-24T10:20:00Z'),
 *   appliedUpTo: new Date('2026-11-24T10:19:58Z'),
 * }, defaultSlaPolicy)
 */
export function detectOrdersAtRisk(
  views: readonly OrderView[],
  at: SlaInstant,
  policy: SlaPolicy,
): OrderAtRiskFinding[] {
  const found: OrderAtRiskFinding[] = [];
  const horizonMs = judgedUpTo(at).getTime();
  for (const view of views) {
    if (!view.acceptedAt || view.rejectedAt) continue;
    const acceptedMs = Date.parse(view.acceptedAt);
    const due: [SlaStage, number][] = [
      ['dte-issuance', acceptedMs + policy.deadlines['dte-issuance']],
      ['dte-broadcast', broadcastDeadlineMs(view, acceptedMs, policy)],
      ['notification', acceptedMs + policy.deadlines.notification],
    ];
    if (view.dispatchBy) due.push(['dispatch', Date.parse(view.dispatchBy)]);
    for (const [stage, deadlineMs] of due) {
      if (!(deadlineMs < horizonMs) || stageDone(view, stage)) continue;
      if (view.atRisk.some((w) => w.stage === stage)) continue;
      found.push({ orderId: view.orderId, stage, deadline: new Date(deadlineMs).toISOString() });
    }
  }
  return found.sort((a, b) =>
    a.orderId === b.orderId ? (a.stage < b.stage ? -1 : 1) : a.orderId < b.orderId ? -1 : 1,
  );
}
