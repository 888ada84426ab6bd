import { createHash } from 'node:crypto';
import { type MtdEvent, OrderAtRiskV1 } from '@mtd/contracts';
import type { EffectClaims, PageContext, PageHandler } from '@mtd/platform';
import type { EmailSender } from '#adapters/emailSender';
import { renderOperationsDigest } from '#domain/operationsAlert';

export interface NotifyOperationsOnOrderAtRiskDeps {
  email: EmailSender;
  /** The sender address, e.g. `"MTD" <alertas@mtd.example.cl>`. */
  from: string;
  /** Where early warnings go, e.g. `operaciones@mtd.example.cl`. */
  operations: string;
  /** The portal, for a link to each order; optional. */
  portalUrl?: string;
  /** The service's effect claims: one digest per page of warnings, however many deliveries race. */
  claims: EffectClaims;
}

type OrderAtRiskEvent = Extract<MtdEvent, { type: typeof OrderAtRiskV1.detailType }>;

/**
 * The digest's idempotency key: derived from the sorted ids of the warnings it lists, so a
 * redelivered page (whatever its order) rewrites the same outbox file and carries the same SES tag.
 * The one order's id is kept in the key when there is only one, so the outbox stays readable.
 */
export function operationsDigestKey(warnings: readonly OrderAtRiskEvent[]): string {
  const ids = [...new Set(warnings.map((w) => w.metadata.eventId))].sort();
  const hash = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32);
  const orders = new Set(warnings.map((w) => w.data.orderId));
  const [only] = orders;
  const label =
    orders.size === 1 && only !== undefined
      ? only.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 80)
      : `${orders.size}-pedidos`;
  return `ops-at-risk-${label}-${hash}`;
}

/**
 * Subscription `notifyOperationsOnOrderAtRisk`, a page handler: one email to the operations address
 * per page of OrderAtRisk warnings (the SLA watcher appends one per order and stage at each run, so
 * a page is roughly one run's findings), listing every order at risk in it, instead of one email per
 * order. The send is claimed under the digest's key ({@link operationsDigestKey}): a page delivered
 * several times, at once or later, sends one email; a page the runner re-delivers one event at a
 * time after a failure becomes digests of one. It records no event: the warnings are the facts, the
 * email a copy for people. Replays never email.
 */
export function notifyOperationsOnOrderAtRisk(deps: NotifyOperationsOnOrderAtRiskDeps): PageHandler {
  return {
    async handlePage(events: MtdEvent[], context: PageContext): Promise<void> {
      if (context.replayName !== undefined) return;
      const warnings = events.filter((e): e is OrderAtRiskEvent => e.type === OrderAtRiskV1.detailType);
      if (warnings.length === 0) return;
      const unique = [...new Map(warnings.map((w) => [w.metadata.eventId, w])).values()];
      const content = renderOperationsDigest(
        unique.map((w) => w.data),
        deps.portalUrl,
      );
      const idempotencyKey = operationsDigestKey(unique);
      await deps.claims.once('operations-digest', idempotencyKey, () =>
        deps.email.send({
          from: deps.from,
          to: [deps.operations],
          ...content,
          idempotencyKey,
          tags: { kind: 'order-at-risk', orders: String(new Set(unique.map((w) => w.data.orderId)).size) },
        }),
      );
    },
  };
}
