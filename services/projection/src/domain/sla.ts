import type { SlaStage } from '@mtd/contracts';
import type { OrderView } from '#domain/orderView';

/**
 * Per-stage deadlines in milliseconds after the order was accepted. `dispatch` has none here: its
 * deadline is the order's own `dispatchBy`.
 */
export type SlaDeadlines = Record<Exclude<SlaStage, 'dispatch'>, number>;

/** DTE issued within 2 minutes of acceptance, broadcast and customer notified within 5. */
export const defaultSlaDeadlines: SlaDeadlines = {
  'dte-issuance': 2 * 60_000,
  'dte-broadcast': 5 * 60_000,
  notification: 5 * 60_000,
};

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
 * The stages of accepted orders that overran their deadline at `now` and are not done yet, skipping
 * stages the view already shows at risk. Pure: the caller still checks the `sla-<orderId>` stream
 * before appending, because the view may lag behind a warning appended a moment ago.
 *
 * @example detectOrdersAtRisk(views, new Date('2026-11-24T10:05:00Z'), defaultSlaDeadlines)
 */
export function detectOrdersAtRisk(
  views: readonly OrderView[],
  now: Date,
  deadlines: SlaDeadlines,
): OrderAtRiskFinding[] {
  const found: OrderAtRiskFinding[] = [];
  const nowMs = now.getTime();
  for (const view of views) {
    if (!view.acceptedAt || view.rejectedAt) continue;
    const acceptedMs = Date.parse(view.acceptedAt);
    const due: [SlaStage, number][] = [
      ['dte-issuance', acceptedMs + deadlines['dte-issuance']],
      ['dte-broadcast', acceptedMs + deadlines['dte-broadcast']],
      ['notification', acceptedMs + deadlines.notification],
    ];
    if (view.dispatchBy) due.push(['dispatch', Date.parse(view.dispatchBy)]);
    for (const [stage, deadlineMs] of due) {
      if (nowMs <= deadlineMs || stageDone(view, stage)) continue;
      if (view.atRisk.some((w) => w.stage === stage)) continue;
      found.push({ orderId: view.orderId, stage, deadline: new Date(deadlineMs).toISOString() });
    }
  }
  return found.sort((a, b) =>
    a.orderId === b.orderId ? (a.stage < b.stage ? -1 : 1) : a.orderId < b.orderId ? -1 : 1,
  );
}
