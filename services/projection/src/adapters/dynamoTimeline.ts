import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { batchWriteAll } from '@mtd/platform';
import type { TimelineItem } from '#domain/timeline';

/** The order timeline table: one item per event, keyed (orderId, occurredAt#streamId#version). */
export class DynamoTimeline {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /**
   * Many items, 25 per BatchWriteItem. Unconditional writes are safe here, whoever else writes: an
   * item is one event's line, its key and content fixed by the event, so any writer writes the same.
   */
  async putAll(items: TimelineItem[]): Promise<void> {
    // One request per key: a page can hold the same event twice (a duplicate delivery).
    const unique = [...new Map(items.map((item) => [`${item.orderId}\u0000${item.sk}`, item])).values()];
    await batchWriteAll(
      this.client,
      this.tableName,
      unique.map((item) => ({ PutRequest: { Item: attributesOf(item) } })),
      // A page's lines go 4 calls at a time: the same calls, overlapped (see batchWriteAll).
      { inFlight: 4 },
    );
  }

  /** Every item of an order, oldest first. */
  async list(orderId: string): Promise<TimelineItem[]> {
    const items: TimelineItem[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'orderId = :o',
          ExpressionAttributeValues: { ':o': { S: orderId } },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of result.Items ?? []) items.push(parseItem(item));
      start = result.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function attributesOf(item: TimelineItem): Record<string, AttributeValue> {
  return {
    orderId: { S: item.orderId },
    sk: { S: item.sk },
    eventId: { S: item.eventId },
    type: { S: item.type },
    version: { N: String(item.version) },
    streamId: { S: item.streamId },
    streamVersion: { N: String(item.streamVersion) },
    occurredAt: { S: item.occurredAt },
    actor: { S: item.actor },
    summary: { S: item.summary },
  };
}

function parseItem(item: Record<string, AttributeValue>): TimelineItem {
  return {
    orderId: item.orderId?.S ?? '',
    sk: item.sk?.S ?? '',
    eventId: item.eventId?.S ?? '',
    type: item.type?.S ?? '',
    version: Number(item.version?.N),
    streamId: item.streamId?.S ?? '',
    streamVersion: Number(item.streamVersion?.N),
    occurredAt: item.occurredAt?.S ?? '',
    actor: item.actor?.S ?? '',
    summary: item.summary?.S ?? '',
  };
}
