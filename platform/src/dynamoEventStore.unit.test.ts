import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { Sources, Streams } from '@mtd/contracts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppendFence } from './appendFence';
import { type Clock, ulidGenerator } from './clock';
import { DynamoEventStore, feedDayItem, feedPartitionOf } from './dynamoEventStore';
import { StreamVersionConflictError } from './errors';

const dynamo = mockClient(DynamoDBClient);
const clock: Clock = { now: () => new Date('2026-11-24T10:00:00.000Z') };
const ids = ulidGenerator(clock);
const store = () =>
  new DynamoEventStore({
    client: new DynamoDBClient({}),
    tableName: 'events',
    producer: Sources.intake,
    clock,
    ids,
    fence: new AppendFence(0),
  });
const rejected = {
  type: 'OrderRejected' as const,
  data: {
    orderId: 'PO-1',
    rejectedAt: '2026-11-24T10:00:00.000Z',
    reasons: [{ path: 'lines', code: 'empty', message: 'no lines' }],
  },
  metadata: {
    eventId: ids.next(),
    occurredAt: '2026-11-24T10:00:00.000Z',
    correlationId: 'PO-1',
    causationId: 'req',
    actor: 'system',
  },
};

describe('DynamoEventStore calls', () => {
  beforeEach(() => dynamo.reset());

  it('appends a commit with one conditional PutItem keyed by stream and first version', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store().append(Streams.order('PO-1'), [rejected, rejected], { expectedVersion: 3 });
    const puts = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    const commit = puts.find((p) => p.Item?.streamId?.S === 'order-PO-1')!;
    expect(commit.ConditionExpression).toBe('attribute_not_exists(streamId)');
    expect(commit.Item).toMatchObject({
      version: { N: '4' },
      lastVersion: { N: '5' },
      day: { S: feedPartitionOf(commit.Item!.commitId!.S!, 'order-PO-1') },
      producer: { S: 'mtd.intake' },
    });
    const events = JSON.parse(commit.Item!.events!.S!);
    expect(events.map((e: { metadata: { streamVersion: number } }) => e.metadata.streamVersion)).toEqual([
      4, 5,
    ]);
  });

  it('turns a failed condition into StreamVersionConflictError', async () => {
    dynamo
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      )
      .on(GetItemCommand)
      .resolves({ Item: feedDayItem('2026-11-24') });
    await expect(
      store().append(Streams.order('PO-1'), [rejected], { expectedVersion: 'no-stream' }),
    ).rejects.toBeInstanceOf(StreamVersionConflictError);
  });

  it('drops a feed entry whose table item is missing or holds another commit (a ghost of a crashed append)', async () => {
    const item = (streamId: string, commitId: string) => ({
      streamId: { S: streamId },
      version: { N: '1' },
      lastVersion: { N: '1' },
      commitId: { S: commitId },
      day: { S: feedPartitionOf(commitId, streamId) },
      events: {
        S: JSON.stringify([
          { metadata: { ...rejected.metadata, eventType: 'OrderRejected' }, data: rejected.data },
        ]),
      },
    });
    const [a, ghost, b, replaced, replacement] = [ids.next(), ids.next(), ids.next(), ids.next(), ids.next()];
    const feed = [
      item('order-A', a),
      item('order-G', ghost),
      item('order-B', b),
      item('order-R', replaced),
      // The append retried after the crash: the same key as the ghost it replaced.
      item('order-R', replacement),
    ];
    dynamo
      .on(QueryCommand, { IndexName: undefined })
      .resolves({ Items: [feedDayItem('2026-11-24')] })
      .on(QueryCommand, { IndexName: 'feed' })
      .callsFake((input: QueryCommandInput) => ({
        // Each shard's query gets that shard's items (no more than the Limit asked).
        Items: feed
          .filter((i) => i.day.S === input.ExpressionAttributeValues![':day']!.S)
          .slice(0, input.Limit),
      }));
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: {
        events: [
          { streamId: { S: 'order-A' }, version: { N: '1' }, commitId: { S: a } },
          { streamId: { S: 'order-B' }, version: { N: '1' }, commitId: { S: b } },
          { streamId: { S: 'order-R' }, version: { N: '1' }, commitId: { S: replacement } },
        ],
      },
    });
    const later: Clock = { now: () => new Date('2026-11-24T10:00:05.000Z') };
    const reader = new DynamoEventStore({
      client: new DynamoDBClient({}),
      tableName: 'events',
      clock: later,
      fence: new AppendFence(0),
    });
    const page = await reader.readFeed(undefined);
    expect(page.commits.map((c) => c.commitId)).toEqual([a, b, replacement]);
    expect(page.position).toBe(replacement); // the reader still moves past what it read
    const batch = dynamo.commandCalls(BatchGetItemCommand)[0]!.args[0].input;
    expect(batch.RequestItems!.events!.ConsistentRead).toBe(true);
    // One key per item: BatchGetItem refuses a list with duplicates (the ghost and its replacement).
    expect(batch.RequestItems!.events!.Keys!.map((k) => k.streamId!.S)).toEqual([
      'order-A',
      'order-G',
      'order-B',
      'order-R',
    ]);
  });
});
