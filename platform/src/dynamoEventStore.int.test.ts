import { EventValidationError, Sources, Streams } from '@mtd/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidGenerator } from './clock';
import { StreamOwnershipError, StreamVersionConflictError } from './errors';
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

describe('DynamoEventStore on dynalite', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(() => engine.close());

  it('appends a multi-event commit atomically and reads it back with stream versions', async () => {
    const store = engine.storeFor(Sources.intake);
    const stream = Streams.order('PO-1');
    const result = await store.append(stream, [rejected('PO-1'), rejected('PO-1')], {
      expectedVersion: 'no-stream',
    });
    expect(result.nextExpectedVersion).toBe(2);
    const read = await store.readStream(stream);
    expect(read.version).toBe(2);
    expect(read.events.map((e) => e.metadata.streamVersion)).toEqual([1, 2]);
    expect(read.events[0]!.type).toBe('OrderRejected');
  });

  it('refuses a stale expected version with a named error', async () => {
    const store = engine.storeFor(Sources.intake);
    const stream = Streams.order('PO-2');
    await store.append(stream, [rejected('PO-2')], { expectedVersion: 'no-stream' });
    await expect(
      store.append(stream, [rejected('PO-2')], { expectedVersion: 'no-stream' }),
    ).rejects.toBeInstanceOf(StreamVersionConflictError);
    await store.append(stream, [rejected('PO-2')], { expectedVersion: 1 });
    await expect(store.append(stream, [rejected('PO-2')], { expectedVersion: 1 })).rejects.toBeInstanceOf(
      StreamVersionConflictError,
    );
    const any = await store.append(stream, [rejected('PO-2')], { expectedVersion: 'any' });
    expect(any.nextExpectedVersion).toBe(3);
  });

  it("refuses another service's stream and an invalid event, storing nothing", async () => {
    const dte = engine.storeFor(Sources.dte);
    await expect(
      dte.append(Streams.order('PO-3'), [rejected('PO-3')], { expectedVersion: 'any' }),
    ).rejects.toBeInstanceOf(StreamOwnershipError);
    const intake = engine.storeFor(Sources.intake);
    const bad = { ...rejected('PO-3'), data: { orderId: 'PO-3', rejectedAt: 'yesterday', reasons: [] } };
    await expect(intake.append(Streams.order('PO-3'), [bad], { expectedVersion: 'any' })).rejects.toThrow(
      /OrderRejected v1 is invalid: data\.rejectedAt: .*; data\.reasons/,
    );
    await expect(
      intake.append(Streams.order('PO-3'), [bad], { expectedVersion: 'any' }),
    ).rejects.toBeInstanceOf(EventValidationError);
    expect((await intake.readStream(Streams.order('PO-3'))).version).toBe(0);
  });

  it('reads the feed in commit order from a position, page by page', async () => {
    const store = engine.storeFor(Sources.intake);
    for (let i = 0; i < 5; i++)
      await store.append(Streams.order(`F-${i}`), [rejected(`F-${i}`)], { expectedVersion: 'no-stream' });
    const seen: string[] = [];
    const commitIds: string[] = [];
    let position: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await engine.reader.readFeed(position, { limit: 2 });
      seen.push(...result.commits.map((c) => c.streamId));
      commitIds.push(...result.commits.map((c) => c.commitId));
      position = result.position;
      if (result.commits.length === 0) break;
    }
    expect(seen.filter((s) => s.startsWith('order-F-'))).toEqual([
      'order-F-0',
      'order-F-1',
      'order-F-2',
      'order-F-3',
      'order-F-4',
    ]);
    expect(new Set(commitIds).size).toBe(commitIds.length);
    expect([...commitIds].sort()).toEqual(commitIds);
  });
});
