import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { MtdEvent } from '@mtd/contracts';
import { AuditAppendConflictError, InvalidCursorError } from '#adapters/projectionErrors';
import { AuditChainVerifier, type AuditEntry, type AuditVerification, chainEntry } from '#domain/auditChain';

const chainPk = 'chain';
const markerPk = (eventId: string) => `event#${eventId}`;
const maxAppendAttempts = 25;

export interface AuditPage {
  items: AuditEntry[];
  /** The last seq of this page; pass back as `cursor` for the next page. Absent on the last page. */
  nextCursor?: string;
}

export type AppendOutcome = { appended: true; entry: AuditEntry } | { appended: false; seq: number };

/**
 * The audit log table. The chain lives under pk `chain`, sort key `seq`; beside it one marker item per
 * chained event (pk `event#<eventId>`, seq 0, `chainedSeq`) answers "is this event chained?" with a
 * strongly consistent GetItem (a GSI would be eventually consistent).
 *
 * Crash safety without transactions: an entry is written first (conditional on its seq being free,
 * so two writers can never both take a seq), its marker second. A crash between the two leaves at most
 * the head entry without a marker, so every append first repairs the head's marker before checking the
 * event and taking head + 1. Hence no event is chained twice and the chain never has a gap or a fork,
 * even if the subscription's concurrency were raised above 1.
 */
export class DynamoAuditLog {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** Chains `event` unless it already is; returns the new entry or the seq it already has. */
  async append(event: MtdEvent): Promise<AppendOutcome> {
    const eventId = event.metadata.eventId;
    let lastConflict: unknown;
    for (let attempt = 1; attempt <= maxAppendAttempts; attempt++) {
      const head = await this.head();
      if (head) {
        await this.putMarker(head.eventId, head.seq);
        if (head.eventId === eventId) return { appended: false, seq: head.seq };
      }
      const chainedSeq = await this.markedSeq(eventId);
      if (chainedSeq !== undefined) return { appended: false, seq: chainedSeq };
      const entry = chainEntry(head, event);
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem(entry),
            ConditionExpression: 'attribute_not_exists(seq)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        lastConflict = error;
        continue;
      }
      await this.putMarker(eventId, entry.seq);
      return { appended: true, entry };
    }
    throw new AuditAppendConflictError(eventId, maxAppendAttempts, { cause: lastConflict });
  }

  /** The last entry, read strongly consistently. */
  async head(): Promise<AuditEntry | undefined> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: chainPk } },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = result.Items?.[0];
    return item ? fromItem(item) : undefined;
  }

  /** Entries in seq order after `cursor` (a seq, exclusive). */
  async entries(options: { limit: number; cursor?: string }): Promise<AuditPage> {
    let after = 0;
    if (options.cursor !== undefined) {
      after = Number(options.cursor);
      if (!/^\d+$/.test(options.cursor) || !Number.isSafeInteger(after))
        throw new InvalidCursorError(options.cursor);
    }
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND seq > :after',
        ExpressionAttributeValues: { ':pk': { S: chainPk }, ':after': { N: String(after) } },
        Limit: options.limit,
        ConsistentRead: true,
      }),
    );
    const items = (result.Items ?? []).map(fromItem);
    const last = items[items.length - 1];
    return result.LastEvaluatedKey && last ? { items, nextCursor: String(last.seq) } : { items };
  }

  /** Reads the whole chain page by page and verifies it without holding it in memory. */
  async verify(): Promise<AuditVerification> {
    const verifier = new AuditChainVerifier();
    let cursor: string | undefined;
    do {
      const page = await this.entries({ limit: 500, ...(cursor ? { cursor } : {}) });
      for (const entry of page.items) verifier.push(entry);
      cursor = page.nextCursor;
    } while (cursor);
    return verifier.result();
  }

  private async markedSeq(eventId: string): Promise<number | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: markerPk(eventId) }, seq: { N: '0' } },
        ConsistentRead: true,
      }),
    );
    const seq = result.Item?.chainedSeq?.N;
    return seq === undefined ? undefined : Number(seq);
  }

  /** Same content on every write, so repairing an existing marker is harmless. */
  private async putMarker(eventId: string, seq: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { pk: { S: markerPk(eventId) }, seq: { N: '0' }, chainedSeq: { N: String(seq) } },
      }),
    );
  }
}

function toItem(entry: AuditEntry): Record<string, AttributeValue> {
  return {
    pk: { S: chainPk },
    seq: { N: String(entry.seq) },
    eventId: { S: entry.eventId },
    streamId: { S: entry.streamId },
    streamVersion: { N: String(entry.streamVersion) },
    eventType: { S: entry.eventType },
    eventVersion: { N: String(entry.eventVersion) },
    occurredAt: { S: entry.occurredAt },
    actor: { S: entry.actor },
    payloadHash: { S: entry.payloadHash },
    prevHash: { S: entry.prevHash },
    hash: { S: entry.hash },
  };
}

/** Reads exactly what is stored (no defaults that could hide tampering: a missing field breaks the hash). */
function fromItem(item: Record<string, AttributeValue>): AuditEntry {
  return {
    seq: Number(item.seq?.N),
    eventId: item.eventId?.S ?? '',
    streamId: item.streamId?.S ?? '',
    streamVersion: Number(item.streamVersion?.N),
    eventType: item.eventType?.S ?? '',
    eventVersion: Number(item.eventVersion?.N),
    occurredAt: item.occurredAt?.S ?? '',
    actor: item.actor?.S ?? '',
    payloadHash: item.payloadHash?.S ?? '',
    prevHash: item.prevHash?.S ?? '',
    hash: item.hash?.S ?? '',
  };
}
