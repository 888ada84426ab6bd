import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { MtdEvent } from '@mtd/contracts';
import type { HandlerContext } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '#adapters/dynamoAuditLog';
import { projectionTables } from '#adapters/projectionTables';
import { chainEntry } from '#domain/auditChain';
import { createAppendAuditEntryOnEvent } from '#handlers/appendAuditEntryOnEvent';
import { anOrder, seededRandom, shuffledWithDuplicates } from '#src/testing/orderHistory';

const context: HandlerContext = { subscription: 'appendAuditEntryOnEvent', attempt: 1 };

const historyOf = (orderId: string): MtdEvent[] =>
  anOrder(orderId)
    .received('2026-11-24T13:00:00.000Z')
    .accepted('2026-11-24T13:00:01.000Z')
    .issued('2026-11-24T13:00:02.000Z')
    .broadcast('2026-11-24T13:00:03.000Z')
    .notified('2026-11-24T13:00:04.000Z').events;

describe('appendAuditEntryOnEvent on dynalite', () => {
  let engine: TestEngine;
  let counter = 0;

  beforeAll(async () => {
    const tables = Array.from(
      { length: 4 },
      (_, i) => projectionTables({ orders: `o${i}`, timeline: `t${i}`, audit: `audit${i}` })[2]!,
    );
    engine = await startTestEngine({ tables });
  });
  afterAll(() => engine.close());

  const freshLog = () => {
    const tableName = `audit${counter++}`;
    return { tableName, audit: new DynamoAuditLog({ client: engine.client, tableName }) };
  };

  it('chains each event once when delivered shuffled with duplicates, and verifies', async () => {
    const { audit } = freshLog();
    const handler = createAppendAuditEntryOnEvent({ audit });
    const events = [...historyOf('PO-A1'), ...historyOf('PO-A2')];
    for (const event of shuffledWithDuplicates(events, seededRandom(7))) await handler(event, context);
    const page = await audit.entries({ limit: 100 });
    expect(page.items).toHaveLength(events.length);
    expect(new Set(page.items.map((e) => e.eventId))).toEqual(new Set(events.map((e) => e.metadata.eventId)));
    const verification = await audit.verify();
    expect(verification).toEqual({
      ok: true,
      entries: events.length,
      head: page.items[page.items.length - 1]!.hash,
    });
  });

  it('chains each event once even with concurrent duplicate deliveries', async () => {
    const { audit } = freshLog();
    const events = historyOf('PO-C');
    const delivered = shuffledWithDuplicates([...events, ...events], seededRandom(11));
    await Promise.all(delivered.map((e) => audit.append(e)));
    expect(await audit.verify()).toMatchObject({ ok: true, entries: events.length });
  });

  it('recovers from a crash between the entry and its marker without double-chaining', async () => {
    const { audit, tableName } = freshLog();
    const [first, second, third] = historyOf('PO-K') as [MtdEvent, MtdEvent, MtdEvent];
    const one = await audit.append(first);
    expect(one.appended).toBe(true);
    // Simulate the crash: entry 2 written, marker never written.
    const head = one.appended ? one.entry : undefined;
    const orphan = chainEntry(head, second);
    await engine.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: 'chain' },
          seq: { N: String(orphan.seq) },
          eventId: { S: orphan.eventId },
          streamId: { S: orphan.streamId },
          streamVersion: { N: String(orphan.streamVersion) },
          eventType: { S: orphan.eventType },
          eventVersion: { N: String(orphan.eventVersion) },
          occurredAt: { S: orphan.occurredAt },
          actor: { S: orphan.actor },
          payloadHash: { S: orphan.payloadHash },
          prevHash: { S: orphan.prevHash },
          hash: { S: orphan.hash },
        },
      }),
    );
    // Another event is chained before the redelivery of the crashed one arrives.
    expect(await audit.append(third)).toMatchObject({ appended: true, entry: { seq: 3 } });
    expect(await audit.append(second)).toEqual({ appended: false, seq: 2 });
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 3 });
  });

  it('names the first tampered entry in the stored log, and pages with a cursor', async () => {
    const { audit, tableName } = freshLog();
    for (const event of historyOf('PO-T')) await audit.append(event);
    const first = await audit.entries({ limit: 2 });
    expect(first.items.map((e) => e.seq)).toEqual([1, 2]);
    const second = await audit.entries({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((e) => e.seq)).toEqual([3, 4]);
    await engine.client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'chain' }, seq: { N: '3' } },
        UpdateExpression: 'SET actor = :a',
        ExpressionAttributeValues: { ':a': { S: 'user:mallory' } },
      }),
    );
    expect(await audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 3 });
  });
});
