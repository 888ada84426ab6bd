import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { TimelineItem } from '#domain/timeline';

/** The order timeline table: one item per event, keyed (orderId, occurredAt#streamId#version). */
export class DynamoTimeline {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** Idempotent: a redelivered event has the same key and the same content, so it overwrites itself. */
  async put(item: TimelineItem): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
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
        },
      }),
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
