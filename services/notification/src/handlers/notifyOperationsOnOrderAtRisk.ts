import { OrderAtRiskV1 } from '@mtd/contracts';
import type { EventHandler } from '@mtd/platform';
import type { EmailSender } from '#adapters/emailSender';
import { renderOperationsAlert } from '#domain/operationsAlert';

export interface NotifyOperationsOnOrderAtRiskDeps {
  email: EmailSender;
  /** The sender address, e.g. `"MTD" <alertas@mtd.example.cl>`. */
  from: string;
  /** Where early warnings go, e.g. `operaciones@mtd.example.cl`. */
  operations: string;
  /** The portal, for a link to the order; optional. */
  portalUrl?: string;
}

/**
 * Subscription `notifyOperationsOnOrderAtRisk`: emails the operations address when an order's stage
 * overran its deadline. The projection appends one OrderAtRisk warning per order and stage, and the email's
 * idempotency key is derived from that event, so a redelivery rewrites the same outbox file (SES
 * carries the key as a tag). It records no event: the warning itself is the fact, the email a copy
 * for people. Replays never email.
 */
export function notifyOperationsOnOrderAtRisk(deps: NotifyOperationsOnOrderAtRiskDeps): EventHandler {
  return async (event, context) => {
    if (event.type !== OrderAtRiskV1.detailType) return;
    if (context.replayName !== undefined) return;
    const content = renderOperationsAlert(event.data, deps.portalUrl);
    await deps.email.send({
      from: deps.from,
      to: [deps.operations],
      ...content,
      idempotencyKey: `ops-at-risk-${event.data.orderId.replace(/[^A-Za-z0-9._-]/g, '-')}-${event.metadata.eventId}`,
      tags: { orderId: event.data.orderId, kind: 'order-at-risk' },
    });
  };
}
