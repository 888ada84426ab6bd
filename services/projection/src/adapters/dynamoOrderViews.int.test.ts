import type { MtdEvent } from '@mtd/contracts';
import { ensureTables, type HandlerContext } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  legacyOrderIndexes,
  ordersByDayIndex,
  ordersByStageIndex,
  projectionTables,
} from '#adapters/projectionTables';
import { createProjection, type Projection } from '#src/index';
import { anOrder } from '#src/testing/orderHistory';

const context: HandlerContext = { subscription: 'test', attempt: 1 };

/** Three orders of 2026-11-24 (Santiago): one with its DTE issued, two accepted. */
function threeOrders(): MtdEvent[] {
  return ['PO-L1', 'PO-L2', 'PO-L3'].flatMap((orderId, i) => {
    const order = anOrder(orderId)
      .received(`2026-11-24T13:00:0${i}.000Z`)
      .accepted(`2026-11-24T13:00:0${i}.500Z`);
    return (i === 0 ? order.issued('2026-11-24T13:01:00.000Z') : order).events;
  });
}

/** Lists threeOrders() by stage and by day, as the portal and CLI do; returns the day's views. */
async function expectThreeOrdersListed(projection: Projection) {
  const ids = (views: { orderId: string }[]) => views.map((v) => v.orderId);
  expect(ids((await projection.queries.listOrders({ stage: 'accepted' })).items)).toEqual(['PO-L2', 'PO-L3']);
  expect(ids((await projection.queries.listOrders({ stage: 'dte-issued' })).items)).toEqual(['PO-L1']);
  const day = await projection.queries.viewsOfDays('2026-11-24', '2026-11-24');
  expect(ids(day).sort()).toEqual(['PO-L1', 'PO-L2', 'PO-L3']);
  return day;
}

describe('order listings over the keys-only indexes, and over the ones they replace', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(() => engine.close());

  it('lists by stage and by day through keys-only indexes, reading each view by key', async () => {
    const tables = { orders: 'keys-orders', timeline: 'keys-timeline' };
    const [definition] = projectionTables(tables);
    expect(
      definition!
        .GlobalSecondaryIndexes!.filter((i) => i.Projection?.ProjectionType === 'KEYS_ONLY')
        .map((i) => i.IndexName),
    ).toEqual([ordersByDayIndex, ordersByStageIndex]);
    await ensureTables(engine.client, projectionTables(tables));
    const projection = createProjection({ client: engine.client, tables });
    await projection.projectOrderOnEvent.handlePage(threeOrders(), context);
    const day = await expectThreeOrdersListed(projection);
    // Whole views, as the index projecting ALL gave them.
    for (const view of day) expect(view).toEqual(await projection.queries.getOrder(view.orderId));
  });

  it('reads the indexes they replace while a table has only those (a table from before the switch)', async () => {
    const tables = { orders: 'legacy-orders', timeline: 'legacy-timeline' };
    const [orders, timeline] = projectionTables(tables, { legacyIndexes: ['byDay', 'byStage'] });
    const before = {
      ...orders!,
      GlobalSecondaryIndexes: orders!.GlobalSecondaryIndexes!.filter(
        (i) => i.IndexName !== ordersByDayIndex && i.IndexName !== ordersByStageIndex,
      ),
    };
    expect(before.GlobalSecondaryIndexes!.map((i) => i.IndexName)).toEqual(
      expect.arrayContaining([legacyOrderIndexes.byDay, legacyOrderIndexes.byStage]),
    );
    await ensureTables(engine.client, [before, timeline!]);
    const projection = createProjection({ client: engine.client, tables });
    await projection.projectOrderOnEvent.handlePage(threeOrders(), context);
    await expectThreeOrdersListed(projection);
  });
});
