import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CustomerNotifiedV1,
  DteBroadcastV2,
  type EventMetadata,
  OrderAcceptedV1,
  type OrderReceivedV1,
  OrderReceivedV2,
  parseEvent,
  Sources,
  Streams,
} from '@mtd/contracts';
import { orderXml, sampleOrder, seededRandom, tableNames } from '@mtd/local';
import { commitItem, dayOf, ensureTables, eventStoreTable, feedDayItem, ulidGenerator } from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';
import { createProjection, projectionTables } from '@mtd/projection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEvents, authedFetch, caughtUp, eventually, postOrder, startTestRuntime } from './harness';

type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;

describe('a store holding OrderReceived v1 (written by the old intake) and v2', () => {
  let runtime: TestRuntime;
  const random = seededRandom(12);
  const ids = ulidGenerator();
  const oldOrders = Array.from({ length: 15 }, (_, i) => sampleOrder({ orderId: `OLD-${i}`, random }));
  const newOrders = Array.from({ length: 15 }, (_, i) => sampleOrder({ orderId: `NEW-${i}`, random }));
  const all = [...oldOrders, ...newOrders];

  beforeAll(async () => {
    // The history an older intake left in the store before this runtime (the upgrade) started.
    const dataDir = mkdtempSync(join(tmpdir(), 'mtd-mixed-'));
    const engine = await startDynalite({ path: join(dataDir, 'dynamodb') });
    await ensureTables(engine.client, [eventStoreTable(tableNames.events)]);
    const client = engine.client;
    // What the previous intake stored: OrderReceived v1 (via + batch) and OrderAccepted, one commit.
    for (const [index, order] of oldOrders.entries()) {
      const at = new Date().toISOString();
      const meta = (eventType: string, eventVersion: number, streamVersion: number): EventMetadata => ({
        eventId: ids.next(),
        eventType,
        eventVersion,
        streamId: Streams.order(order.orderId),
        streamVersion,
        occurredAt: at,
        correlationId: order.orderId,
        causationId: `old-batch-${index}`,
        producer: Sources.intake,
        actor: 'partner:web',
      });
      const v1: OrderReceivedV1 = {
        orderId: order.orderId,
        receivedAt: at,
        via: 'batch',
        format: 'xml',
        contentHash: index.toString(16).padStart(64, '0'),
        raw: orderXml(order),
        batch: { file: 'old-intake.xml', index },
      };
      await client.send(
        new PutItemCommand({
          TableName: tableNames.events,
          Item: commitItem({
            streamId: Streams.order(order.orderId),
            version: 1,
            commitId: ids.next(),
            producer: Sources.intake,
            envelopes: [
              { metadata: meta('OrderReceived', 1, 1), data: v1 },
              {
                metadata: meta('OrderAccepted', 1, 2),
                data: { orderId: order.orderId, acceptedAt: at, order },
              },
            ],
          }),
          ConditionExpression: 'attribute_not_exists(streamId)',
        }),
      );
    }
    await client.send(
      new PutItemCommand({ TableName: tableNames.events, Item: feedDayItem(dayOf(ids.next())) }),
    );
    await engine.close();
    runtime = await startTestRuntime({ dataDir, inMemory: false });
  });
  afterAll(() => runtime.cleanup());

  it('lets every consumer and read model work on the mixed history', async () => {
    // What the current intake stores: v2.
    for (const order of newOrders)
      expect((await postOrder(runtime.url, orderXml(order), 'application/xml')).status).toBe(202);

    await eventually(
      'all 30 orders broadcast and notified',
      () => allEvents(runtime.reader),
      (events) =>
        all.every(
          (o) =>
            events.some((e) => e.type === CustomerNotifiedV1.detailType && e.data.orderId === o.orderId) &&
            events.some(
              // The SII's verdict, not only the upload's receipt (DteBroadcast v2 `received`).
              (e) =>
                e.type === DteBroadcastV2.detailType &&
                e.data.orderId === o.orderId &&
                e.data.status !== 'received',
            ),
        ),
    );
    await eventually('every subscription to catch up', () => caughtUp(runtime.url), Boolean);

    const events = await allEvents(runtime.reader);
    const receivedVersions = events
      .filter((e) => e.type === OrderReceivedV2.detailType)
      .map((e) => e.metadata.eventVersion);
    expect(receivedVersions.filter((v) => v === 1)).toHaveLength(15); // the feed gives events as stored
    expect(receivedVersions.filter((v) => v === 2)).toHaveLength(15);

    // A decider reading an old stream sees v2, upcast on read.
    const oldStream = await runtime.reader.readStream(Streams.order('OLD-3'));
    expect(oldStream.events[0]).toMatchObject({
      metadata: { eventVersion: 2 },
      data: {
        source: { kind: 'batch', file: 'old-intake.xml', index: 3 },
        rawBytes: Buffer.byteLength(orderXml(oldOrders[3]!)),
      },
    });

    for (const order of all) {
      const { order: view, timeline } = (await (
        await authedFetch(runtime.url, `/api/orders/${order.orderId}`)
      ).json()) as {
        order: { stage: string; facts: { received: { via: string } } };
        timeline: { type: string; summary: string }[];
      };
      expect(view.stage, order.orderId).toBe('completed');
      expect(view.facts.received.via).toBe(order.orderId.startsWith('OLD') ? 'batch' : 'http');
      expect(timeline.map((t) => t.type)).toContain(OrderAcceptedV1.detailType);
    }
    const oldTimeline = (await (await authedFetch(runtime.url, `/api/orders/OLD-0`)).json()) as {
      timeline: { summary: string }[];
    };
    expect(oldTimeline.timeline[0]!.summary).toContain('lote old-intake.xml (#0)');

    const audit = (await (await authedFetch(runtime.url, `/api/audit/verify`)).json()) as {
      ok: boolean;
      treeSize: number;
    };
    // The ledger holds the old intake's events as stored (v1) beside the new ones, and verifies.
    expect(audit).toMatchObject({ ok: true, treeSize: events.length, problems: [] });
  });

  it('replays the mixed store, shuffled and with duplicates, into the same read models', async () => {
    const names = { orders: 'replay-orders', timeline: 'replay-timeline' };
    await ensureTables(runtime.client, projectionTables(names));
    const replay = createProjection({ client: runtime.client, tables: names, timeZone: 'America/Santiago' });
    const live = createProjection({
      client: runtime.client,
      tables: { orders: tableNames.orders, timeline: tableNames.timeline },
      timeZone: 'America/Santiago',
    });
    // Consumers validate and upcast on receipt, exactly as the subscription runner does.
    const events = (await allEvents(runtime.reader)).map(({ type: _type, ...detail }) => parseEvent(detail));
    const shuffled = [...events, ...events.slice(0, 40)].sort(() => random() - 0.5);
    for (const event of shuffled)
      await replay.projectOrderOnEvent.handlePage([event], { subscription: 'replay' });

    for (const order of all) {
      expect(await replay.queries.getOrder(order.orderId), order.orderId).toEqual(
        await live.queries.getOrder(order.orderId),
      );
      expect(await replay.queries.timeline(order.orderId)).toEqual(
        await live.queries.timeline(order.orderId),
      );
    }
    const day = (await live.queries.getOrder('NEW-0'))!.day!;
    const asOf = new Date();
    expect(await replay.queries.statsForDay(day, asOf)).toEqual(await live.queries.statsForDay(day, asOf));
  });
});
