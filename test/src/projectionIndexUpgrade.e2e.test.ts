import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  DeleteTableCommand,
  PutItemCommand,
  ScanCommand,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { sampleOrder, seededRandom, tableNames } from '@mtd/local';
import { ensureTables } from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';
import {
  legacyOrderIndexes,
  type OrderView,
  ordersByDayIndex,
  ordersByStageIndex,
  projectionTables,
} from '@mtd/projection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, takeOrdersToNotified } from './harness';

type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;

const byId = (views: OrderView[]) => [...views].sort((a, b) => a.orderId.localeCompare(b.orderId));

describe('a data folder whose order views were indexed before the keys-only indexes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'projection-index-upgrade-'));
  const random = seededRandom(23);
  const orders = Array.from({ length: 5 }, (_, i) => sampleOrder({ orderId: `IDX-${i}`, random }));
  let runtime: TestRuntime;
  let viewsBefore: OrderView[];

  beforeAll(async () => {
    // A folder with history: orders taken, issued and notified by a runtime, then stopped.
    const first = await startTestRuntime({ dataDir, inMemory: false });
    await takeOrdersToNotified(first, orders);
    viewsBefore = byId(
      (await first.projections.live.queries.listOrders({ stage: 'completed', limit: 100 })).items,
    );
    expect(viewsBefore.map((v) => v.orderId)).toEqual(orders.map((o) => o.orderId).sort());
    await first.cleanup();

    // Put the orders table back into the old layout: indexes byDay and byStage projecting ALL.
    const engine = await startDynalite({ path: join(dataDir, 'dynamodb') });
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await engine.client.send(
        new ScanCommand({ TableName: tableNames.orders, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const [current] = projectionTables(
      { orders: tableNames.orders, timeline: tableNames.timeline },
      { legacyIndexes: ['byDay', 'byStage'] },
    );
    await engine.client.send(new DeleteTableCommand({ TableName: tableNames.orders }));
    await waitUntilTableNotExists(
      { client: engine.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
      { TableName: tableNames.orders },
    );
    await ensureTables(engine.client, [
      {
        ...current!,
        GlobalSecondaryIndexes: current!.GlobalSecondaryIndexes!.filter(
          (index) => index.IndexName !== ordersByDayIndex && index.IndexName !== ordersByStageIndex,
        ),
      },
    ]);
    for (const item of items)
      await engine.client.send(new PutItemCommand({ TableName: tableNames.orders, Item: item }));
    await engine.close();

    runtime = await startTestRuntime({ dataDir, inMemory: false });
  });
  afterAll(async () => {
    await runtime.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists its orders while the upgrade runs, then moves to a version with the keys-only indexes', async () => {
    expect(legacyOrderIndexes.byStage).not.toBe(ordersByStageIndex);
    // The runtime started the upgrade (a rebuild into version 2) on its own.
    expect(runtime.projections.progress()).toMatchObject({ version: 2 });
    expect(runtime.projections.progress().status).not.toBe('idle');
    const listed = async () =>
      byId((await runtime.projections.live.queries.listOrders({ stage: 'completed', limit: 100 })).items);
    // Whichever version serves now (the old one reads the indexes it had), the same orders.
    expect(await listed()).toEqual(viewsBefore);
    const upgrade = await runtime.projections.rebuild();
    expect(upgrade).toMatchObject({ status: 'done', version: 2 });
    expect(await runtime.projections.needsIndexUpgrade()).toBe(false);
    expect(await listed()).toEqual(viewsBefore);
    const day = viewsBefore[0]!.day!;
    expect(byId(await runtime.projections.live.queries.viewsOfDays(day, day))).toEqual(viewsBefore);
  });
});
