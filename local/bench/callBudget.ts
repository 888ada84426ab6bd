import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DteBroadcastFailedV2, DteBroadcastV2, subscriptionNamed } from '@mtd/contracts';

/**
 * Whose work a DynamoDB call is. Issue 11 set its targets for the choreography as it left it; later
 * issues added work per order, and each reports what it added in this bench, so the figures stay
 * honest: every call lands in exactly one part, and the parts add up to the total.
 */
export type BudgetPart = 'choreography' | 'effectClaims' | 'siiVerdictPoll' | 'siiVerdictCommit';

export const budgetParts: Record<BudgetPart, { label: string; what: string }> = {
  choreography: {
    label: 'choreography (issue 11)',
    what: 'every call not named below: commits, folio, checkpoints, projection, ledger, feed, dead letters of other subscriptions',
  },
  effectClaims: {
    label: 'effect claims (issue 14)',
    what: 'Powertools Idempotency: the calls on the *-effect-claims tables, a claim per email and per upload (its completion only when recording the outcome failed)',
  },
  siiVerdictPoll: {
    label: 'SII verdict poll, retry (issue 15)',
    what: 'checkDteStatusOnDteBroadcast’s letters in the dead-letter table: the SII answers “still processing” first, so the poll is parked for a scheduled retry (put, look, delete)',
  },
  siiVerdictCommit: {
    label: 'SII verdict commit (issue 15)',
    what: 'the event-store PutItem of the commit that records the SII’s verdict (DteBroadcast accepted, or the DteBroadcastFailed caused by a DteBroadcast received)',
  },
};

const verdictPollSubscription = subscriptionNamed('checkDteStatusOnDteBroadcast').name;

interface StoredEvent {
  metadata?: { eventType?: string; eventId?: string; causationId?: string };
  data?: unknown;
}

const statusOf = (data: unknown) =>
  typeof data === 'object' && data !== null ? (data as { status?: unknown }).status : undefined;

/** `received` events remembered (the newest): far more than can await their verdict at once. */
const receivedKept = 10_000;

/**
 * Tells the SII verdict's commit from the others, by its events: a DteBroadcast other than
 * `received`, or a DteBroadcastFailed caused by a DteBroadcast `received` (a rejection by verdict,
 * not an upload that failed). Remembers the ids of the newest `received` events for that.
 */
export class SiiVerdictCommits {
  private readonly received = new Set<string>();

  isVerdict(events: readonly StoredEvent[]): boolean {
    let verdict = false;
    for (const { metadata, data } of events) {
      const type = metadata?.eventType;
      if (type === DteBroadcastV2.detailType && statusOf(data) === 'received') {
        if (metadata?.eventId) this.received.add(metadata.eventId);
        if (this.received.size > receivedKept) this.received.delete(this.received.values().next().value!);
        continue;
      }
      const answersReceived = metadata?.causationId !== undefined && this.received.has(metadata.causationId);
      if (type === DteBroadcastV2.detailType || (type === DteBroadcastFailedV2.detailType && answersReceived))
        verdict = true;
    }
    return verdict;
  }
}

interface CallInput {
  TableName?: string;
  Item?: Record<string, AttributeValue>;
  Key?: Record<string, AttributeValue>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/**
 * The part of the budget one call belongs to, from its operation and input as sent to the SDK
 * client. `eventsTable` is the event store's table.
 */
export function budgetPartOf(
  eventsTable: string,
  verdicts: SiiVerdictCommits,
): (operation: string, input: unknown) => BudgetPart {
  return (operation, input) => {
    const call = (input ?? {}) as CallInput;
    const table = call.TableName ?? '';
    if (table.endsWith('-effect-claims')) return 'effectClaims';
    if (table.endsWith('-dead-letters')) {
      const subscription =
        call.Item?.subscription?.S ?? call.Key?.subscription?.S ?? call.ExpressionAttributeValues?.[':s']?.S;
      return subscription === verdictPollSubscription ? 'siiVerdictPoll' : 'choreography';
    }
    if (table === eventsTable && operation === 'PutItem') {
      const events = call.Item?.events?.S;
      if (events && verdicts.isVerdict(JSON.parse(events) as StoredEvent[])) return 'siiVerdictCommit';
    }
    return 'choreography';
  };
}
