import { type AttributeValue, QueryCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Sources, Streams } from '@mtd/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidGenerator } from './clock';
import { dynamoClientFor } from './dynaliteServer';
import { DynamoEventStore, dayOf, feedIndex, upgradeFeedIndex } from './dynamoEventStore';
import type { NewEvent } from './eventStore';
import { startTestEngine, type TestEngine } from './testing';

const ids = ulidGenerator();
const rejected = (orderId: string): NewEvent => ({
  type: 'OrderRejected',
  data: {
    orderId,
    rejectedAt: '2026-11-24T10:00:00.000Z',
    reasons: [{ path: 'lines', code: 'empty', message: 'no lines' }],
  },
  metadata: {
    eventId: ids.next(),
    occurredAt: '2026-11-24T10:00:00.000Z',
    correlationId: orderId,
    causationId: 'req-1',
    actor: 'system',
  },
});

async function readAll(engine: TestEngine, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let position: string | undefined;
  for (;;) {
    // A reader configured like the writers: it reads an unmarked (pre-shard) day's shards too.
    const reader = new DynamoEventStore({
      client: engine.client,
      tableName: 'mtd-events',
      fence: engine.fence,
      feedShards: shards,
    });
    const page = await reader.readFeed(position, { limit });
    if (page.commits.length === 0) return seen;
    expect(page.commits.length).toBeLessThanOrEqual(limit);
    seen.push(...page.commits.map((c) => c.commitId));
    position = page.position;
  }
}

async function commitItems(engine: TestEngine) {
  const items = (await engine.client.send(new ScanCommand({ TableName: 'mtd-events' }))).Items ?? [];
  return items.filter((i) => i.commitId?.S);
}

const shards = 8;

describe('the sharded feed index', () => {
  let engine: TestEngine;
  const appended: string[] = [];
  beforeAll(async () => {
    engine = await startTestEngine();
    const store = new DynamoEventStore({
      client: engine.client,
      tableName: 'mtd-events',
      producer: Sources.intake,
      fence: engine.fence,
      feedShards: shards,
    });
    for (let i = 0; i < 120; i++) {
      const result = await store.append(Streams.order(`S-${i}`), [rejected(`S-${i}`)], {
        expectedVersion: 'no-stream',
      });
      appended.push(result.commitId);
    }
  });
  afterAll(() => engine.close());

  it('spreads a day’s commits over its shards, so no partition takes them all', async () => {
    const partitions = new Map<string, number>();
    for (const item of await commitItems(engine))
      partitions.set(item.day!.S!, (partitions.get(item.day!.S!) ?? 0) + 1);
    expect([...partitions.keys()].every((p) => /^\d{4}-\d{2}-\d{2}#[0-7]$/.test(p))).toBe(true);
    expect(partitions.size).toBe(shards);
    expect(Math.max(...partitions.values())).toBeLessThan(120 / 2);
  });

  it('reads every commit once, in commit-id order, whatever the page size', async () => {
    for (const limit of [1, 3, 7, 100, 500])
      expect(await readAll(engine, limit), `limit ${limit}`).toEqual(appended);
  });

  it('finds the head among the shards', async () => {
    expect(await engine.reader.headPosition()).toBe(appended.at(-1));
  });

  it('upgrades a day written before sharding: re-keys its commits, marks the day, reads the same feed', async () => {
    // The layout an older store wrote: every commit in its day's one partition, an unmarked day.
    const items = await commitItems(engine);
    for (const item of items)
      await engine.client.send(
        new UpdateItemCommand({
          TableName: 'mtd-events',
          Key: { streamId: item.streamId!, version: item.version! },
          UpdateExpression: 'SET #day = :day',
          ExpressionAttributeNames: { '#day': 'day' },
          ExpressionAttributeValues: { ':day': { S: dayOf(item.commitId!.S!) } },
        }),
      );
    const day = dayOf(appended[0]!);
    await engine.client.send(
      new UpdateItemCommand({
        TableName: 'mtd-events',
        Key: { streamId: { S: '$days' }, version: { N: day.replaceAll('-', '') } },
        UpdateExpression: 'REMOVE feedShards',
      }),
    );
    // Before the upgrade, readers still see every commit (the old partition is read too).
    expect(await readAll(engine, 7)).toEqual(appended);
    // A commit appended by the new code on the unmarked day lands in a shard; readers see it too.
    const late = await new DynamoEventStore({
      client: engine.client,
      tableName: 'mtd-events',
      producer: Sources.intake,
      fence: engine.fence,
      feedShards: shards,
    }).append(Streams.order('S-late'), [rejected('S-late')], { expectedVersion: 'no-stream' });
    const all = [...appended, late.commitId];
    expect(await readAll(engine, 7)).toEqual(all);

    const upgrade = await upgradeFeedIndex(engine.client, 'mtd-events', { feedShards: shards });
    expect(upgrade).toEqual({ days: [day], commits: 120 });
    const legacy = await engine.client.send(
      new QueryCommand({
        TableName: 'mtd-events',
        IndexName: feedIndex,
        KeyConditionExpression: '#day = :day',
        ExpressionAttributeNames: { '#day': 'day' },
        ExpressionAttributeValues: { ':day': { S: day } },
      }),
    );
    expect(legacy.Items).toEqual([]);
    expect(await readAll(engine, 7)).toEqual(all);
    expect(await upgradeFeedIndex(engine.client, 'mtd-events')).toEqual({ days: [], commits: 0 });
  });
});

describe('marking a new day in the feed', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(() => engine.close());

  /** A client that counts the calls on the day markers (`$days`) and can fail the first marking. */
  function markerCountingClient(endpoint: string, options: { failFirstMarking?: boolean } = {}) {
    const client = dynamoClientFor(endpoint);
    const calls = { PutItemCommand: 0, GetItemCommand: 0 };
    let failNext = options.failFirstMarking ?? false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as {
          Item?: Record<string, AttributeValue>;
          Key?: Record<string, AttributeValue>;
        };
        const name = context.commandName as keyof typeof calls;
        if (name in calls && (input.Item ?? input.Key)?.streamId?.S === '$days') {
          calls[name]++;
          if (failNext && name === 'PutItemCommand') {
            failNext = false;
            throw new Error('network down');
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'countMarkerCalls' },
    );
    return { client, calls };
  }

  async function appendConcurrently(store: DynamoEventStore, prefix: string, count: number) {
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        store.append(Streams.order(`${prefix}-${i}`), [rejected(`${prefix}-${i}`)], {
          expectedVersion: 'no-stream',
        }),
      ),
    );
  }

  it('writes the marker once for all the appends of the day in flight at once, and a second process reads it once', async () => {
    // Each of 25 concurrent appends used to put the marker itself (24 refused, then 24 GetItems): the
    // hottest item of the table, and in the embedded engine a queue on its lock that stalled the feed.
    const first = markerCountingClient(engine.endpoint);
    const store = new DynamoEventStore({
      client: first.client,
      tableName: 'mtd-events',
      producer: Sources.intake,
      fence: engine.fence,
      feedShards: 4,
    });
    await appendConcurrently(store, 'M', 25);
    expect(first.calls).toEqual({ PutItemCommand: 1, GetItemCommand: 0 });

    // Another process configured with 8 shards follows the count the day was marked with.
    const second = markerCountingClient(engine.endpoint);
    const other = new DynamoEventStore({
      client: second.client,
      tableName: 'mtd-events',
      producer: Sources.intake,
      fence: engine.fence,
      feedShards: 8,
    });
    await appendConcurrently(other, 'N', 25);
    expect(second.calls).toEqual({ PutItemCommand: 1, GetItemCommand: 1 });
    const partitions = new Set((await commitItems(engine)).map((item) => item.day!.S!.split('#')[1]));
    expect([...partitions].sort()).toEqual(['0', '1', '2', '3']);
  });

  it('marks the day once for all the producers of one process (the stores forProducer makes)', async () => {
    const fresh = await startTestEngine();
    try {
      const counting = markerCountingClient(fresh.endpoint);
      const intake = new DynamoEventStore({
        client: counting.client,
        tableName: 'mtd-events',
        producer: Sources.intake,
        fence: fresh.fence,
        feedShards: 4,
      });
      // The local runtime's stores are made so, one per producer; the same producer keeps this short.
      const sibling = intake.forProducer(Sources.intake);
      await Promise.all([appendConcurrently(intake, 'P', 5), appendConcurrently(sibling, 'Q', 5)]);
      expect(counting.calls).toEqual({ PutItemCommand: 1, GetItemCommand: 0 });
    } finally {
      await fresh.close();
    }
  });

  it('tries the marking again on the next append when it failed', async () => {
    const fresh = await startTestEngine();
    try {
      const counting = markerCountingClient(fresh.endpoint, { failFirstMarking: true });
      const store = new DynamoEventStore({
        client: counting.client,
        tableName: 'mtd-events',
        producer: Sources.intake,
        fence: fresh.fence,
        feedShards: 4,
      });
      await expect(
        store.append(Streams.order('F-1'), [rejected('F-1')], { expectedVersion: 'no-stream' }),
      ).rejects.toThrow('network down');
      await store.append(Streams.order('F-2'), [rejected('F-2')], { expectedVersion: 'no-stream' });
      expect(counting.calls).toEqual({ PutItemCommand: 2, GetItemCommand: 0 });
      expect((await fresh.reader.readFeed(undefined)).commits.map((c) => c.streamId)).toEqual([
        Streams.order('F-2'),
      ]);
    } finally {
      await fresh.close();
    }
  });
});
