import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  type DynamoDBClient,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { Streams } from '@mtd/contracts';
import { localFeedShards, orderXml, sampleOrder, seededRandom, tableNames } from '@mtd/local';
import { dayOf } from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEvents, postOrder, startTestRuntime, takeOrdersToNotified } from './harness';

type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;

async function scanEvents(client: DynamoDBClient) {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableNames.events, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

describe('a data folder written before the feed index was sharded', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'infra-feed-upgrade-'));
  const random = seededRandom(16);
  const orders = Array.from({ length: 6 }, (_, i) => sampleOrder({ orderId: `UPG-${i}`, random }));
  let runtime: TestRuntime;
  let oldCommitIds: string[];

  beforeAll(async () => {
    // A folder with history: orders taken, issued and notified by a runtime, then stopped.
    const first = await startTestRuntime({ dataDir, inMemory: false });
    await takeOrdersToNotified(first, orders);
    await first.cleanup();

    // Put it back into the old layout: each commit in its day's one partition, days unmarked.
    const engine = await startDynalite({ path: join(dataDir, 'dynamodb') });
    const items = await scanEvents(engine.client);
    oldCommitIds = items
      .filter((i) => i.commitId?.S)
      .map((i) => i.commitId!.S!)
      .sort();
    for (const item of items) {
      const key = { streamId: item.streamId!, version: item.version! };
      await engine.client.send(
        item.commitId
          ? new UpdateItemCommand({
              TableName: tableNames.events,
              Key: key,
              UpdateExpression: 'SET #day = :day',
              ExpressionAttributeNames: { '#day': 'day' },
              ExpressionAttributeValues: { ':day': { S: dayOf(item.commitId.S!) } },
            })
          : new UpdateItemCommand({
              TableName: tableNames.events,
              Key: key,
              UpdateExpression: 'REMOVE feedShards',
            }),
      );
    }
    await engine.close();

    runtime = await startTestRuntime({ dataDir, inMemory: false });
  });
  afterAll(async () => {
    await runtime.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is upgraded on start: every commit re-keyed into its shard, every day marked', async () => {
    // Per order at least: intake's commit, DTE issued, broadcast, customer notified.
    expect(oldCommitIds.length).toBeGreaterThanOrEqual(orders.length * 4);
    const items = await scanEvents(runtime.client);
    const commits = items.filter((i) => i.commitId?.S);
    for (const item of commits) expect(item.day!.S).toMatch(/^\d{4}-\d{2}-\d{2}#\d+$/);
    for (const marker of items.filter((i) => i.streamId!.S === '$days'))
      expect(marker.feedShards).toEqual({ N: String(localFeedShards) });
  });

  it('reads its whole history through the feed, in commit order', async () => {
    const events = await allEvents(runtime.reader);
    const commitIdsInFeed: string[] = [];
    let position: string | undefined;
    for (;;) {
      const page = await runtime.reader.readFeed(position, { limit: 5 });
      if (page.commits.length === 0) break;
      commitIdsInFeed.push(...page.commits.map((c) => c.commitId));
      position = page.position;
    }
    expect(commitIdsInFeed.slice(0, oldCommitIds.length)).toEqual(oldCommitIds);
    expect(events.length).toBeGreaterThan(oldCommitIds.length);
  });

  it('takes a resend of an order stored before the upgrade as a no-op', async () => {
    for (const order of orders) {
      const before = await runtime.reader.readStream(Streams.order(order.orderId));
      const resent = await postOrder(runtime.url, orderXml(order), 'application/xml');
      expect(resent.status, order.orderId).toBe(202);
      expect(resent.body).toMatchObject({ orderId: order.orderId, status: 'accepted', duplicate: true });
      expect((await runtime.reader.readStream(Streams.order(order.orderId))).version).toBe(before.version);
    }
  });
});
