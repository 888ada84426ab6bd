import {
  type AttributeValue,
  type CreateTableCommandInput,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { MtdEvent } from '@mtd/contracts';

export function deadLetterTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'subscription', AttributeType: 'S' },
      { AttributeName: 'eventId', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'subscription', KeyType: 'HASH' },
      { AttributeName: 'eventId', KeyType: 'RANGE' },
    ],
  };
}

export interface AttemptRecord {
  attempt: number;
  at: string;
  error: string;
}

/**
 * An event a subscription could not handle yet. `retrying`: waiting for its next attempt (like a
 * message back on an SQS queue after its visibility timeout); `dead`: attempts spent (like the
 * DLQ after maxReceiveCount), kept with the error and every attempt; `redriven`: sent back by an
 * operator and being retried.
 */
export interface DeadLetter {
  subscription: string;
  eventId: string;
  status: 'retrying' | 'dead';
  /** Failed attempts so far (a deferral the handler asked for does not count). */
  attempts: number;
  nextAttemptAt: string;
  lastError: string;
  history: AttemptRecord[];
  /** The raw EventBridge detail (it may not even be a valid event). */
  detail: unknown;
  deadAt?: string;
  /** Set when the failed delivery was part of a replay: a retry or redrive replays it again. */
  replayName?: string;
}

export class DynamoDeadLetters {
  private readonly retryListeners = new Set<(subscription: string, at: Date) => void>();

  constructor(private readonly deps: { client: DynamoDBClient; tableName: string }) {}

  /**
   * Told of every letter this process schedules for another attempt (a failure, a redrive), so a
   * runner sleeps until its next letter is due instead of querying the table on a timer.
   */
  onRetryScheduled(listener: (subscription: string, at: Date) => void): () => void {
    this.retryListeners.add(listener);
    return () => this.retryListeners.delete(listener);
  }

  async put(letter: DeadLetter): Promise<void> {
    await this.deps.client.send(
      new PutItemCommand({
        TableName: this.deps.tableName,
        Item: {
          subscription: { S: letter.subscription },
          eventId: { S: letter.eventId },
          status: { S: letter.status },
          nextAttemptAt: { S: letter.nextAttemptAt },
          body: { S: JSON.stringify(letter) },
        },
      }),
    );
    if (letter.status === 'retrying') {
      const at = new Date(letter.nextAttemptAt);
      for (const listener of this.retryListeners) listener(letter.subscription, at);
    }
  }

  async get(subscription: string, eventId: string): Promise<DeadLetter | undefined> {
    const result = await this.deps.client.send(
      new GetItemCommand({
        TableName: this.deps.tableName,
        Key: { subscription: { S: subscription }, eventId: { S: eventId } },
        ConsistentRead: true,
      }),
    );
    return result.Item ? letterOf(result.Item) : undefined;
  }

  async remove(subscription: string, eventId: string): Promise<void> {
    await this.deps.client.send(
      new DeleteItemCommand({
        TableName: this.deps.tableName,
        Key: { subscription: { S: subscription }, eventId: { S: eventId } },
      }),
    );
  }

  /** Every letter of one subscription waiting for another attempt. */
  async retrying(subscription: string): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.deps.client.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          KeyConditionExpression: 'subscription = :s',
          FilterExpression: '#status = :retrying',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':s': { S: subscription },
            ':retrying': { S: 'retrying' },
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      letters.push(...(page.Items ?? []).map(letterOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return letters;
  }

  /** Every letter, optionally of one status, oldest event first. */
  async list(filter: { status?: DeadLetter['status'] } = {}): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.deps.client.send(
        new ScanCommand({
          TableName: this.deps.tableName,
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      letters.push(...(page.Items ?? []).map(letterOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return letters
      .filter((l) => !filter.status || l.status === filter.status)
      .sort((a, b) => a.eventId.localeCompare(b.eventId) || a.subscription.localeCompare(b.subscription));
  }

  /** Sends a dead letter back to its subscription for a fresh round of attempts. */
  async redrive(subscription: string, eventId: string, now: Date): Promise<DeadLetter> {
    const letter = await this.get(subscription, eventId);
    if (!letter) throw new DeadLetterNotFoundError(subscription, eventId);
    const redriven: DeadLetter = {
      ...letter,
      status: 'retrying',
      attempts: 0,
      nextAttemptAt: now.toISOString(),
    };
    delete redriven.deadAt;
    await this.put(redriven);
    return redriven;
  }

  /** Sends every dead letter (of one subscription, or all) back for a fresh round of attempts. */
  async redriveAll(now: Date, filter: { subscription?: string } = {}): Promise<DeadLetter[]> {
    const dead = (await this.list({ status: 'dead' })).filter(
      (l) => !filter.subscription || l.subscription === filter.subscription,
    );
    const redriven: DeadLetter[] = [];
    for (const letter of dead) redriven.push(await this.redrive(letter.subscription, letter.eventId, now));
    return redriven;
  }
}

export class DeadLetterNotFoundError extends Error {
  override readonly name = 'DeadLetterNotFoundError';
  constructor(subscription: string, eventId: string) {
    super(`no dead letter for event ${eventId} in subscription ${subscription}`);
  }
}

function letterOf(item: Record<string, AttributeValue>): DeadLetter {
  return JSON.parse(item.body!.S!) as DeadLetter;
}

/** For the letter's subject line: which event it was, when it can be read. */
export function describeLetterEvent(letter: DeadLetter): string {
  const metadata = (letter.detail as { metadata?: Partial<MtdEvent['metadata']> } | undefined)?.metadata;
  return metadata
    ? `${metadata.eventType ?? '?'} v${metadata.eventVersion ?? '?'} ${metadata.streamId ?? ''}`
    : '(unreadable event)';
}
