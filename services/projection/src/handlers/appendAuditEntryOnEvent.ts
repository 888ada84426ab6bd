import type { EventHandler } from '@mtd/platform';
import type { DynamoAuditLog } from '#adapters/dynamoAuditLog';

/**
 * Subscription `appendAuditEntryOnEvent`: chains every MTD event once into the audit log. Meant to run
 * with concurrency 1 (one chain, one head); redeliveries and replays find the event already chained.
 */
export function createAppendAuditEntryOnEvent(deps: { audit: DynamoAuditLog }): EventHandler {
  return async (event) => {
    await deps.audit.append(event);
  };
}
