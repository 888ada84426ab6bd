import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type MtdEvent, Sources, Streams, subscriptionNamed } from '@mtd/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointTable, DynamoCheckpoints } from './checkpoints';
import { systemClock, ulidGenerator } from './clock';
import { DynamoDeadLetters, deadLetterTable } from './deadLetters';
import { commitItem, DynamoEventStore } from './dynamoEventStore';
import { EffectInProgressError } from './effectClaims';
import { StreamCache } from './streamCache';
import { SubscriptionRunner } from './subscriptionRunner';
import { anOrderAccepted, startTestEngine, type TestEngine } from './testing';

const ids = ulidGenerator();
const accepted = (orderId: string) => anOrderAccepted(orderId, ids.next());

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An engine with the runner's checkpoint and dead-letter tables, and the stores over them. */
async function runnerTables() {
  const engine = await startTestEngine({
    tables: [checkpointTable('mtd-checkpoints'), deadLetterTable('mtd-dead-letters')],
  });
  return {
    engine,
    checkpoints: new DynamoCheckpoints({ client: engine.client, tableName: 'mtd-checkpoints' }),
    deadLetters: new DynamoDeadLetters({ client: engine.client, tableName: 'mtd-dead-letters' }),
  };
}

describe('SubscriptionRunner', { timeout: 30_000 }, () => {
  let engine: TestEngine;
  let checkpoints: DynamoCheckpoints;
  let deadLetters: DynamoDeadLetters;
  beforeAll(async () => {
    ({ engine, checkpoints, deadLetters } = await runnerTables());
  });
  afterAll(() => engine.close());

  it('dead-letters an event whose handler always throws after 10 attempts, while the others flow', async () => {
    const store = engine.storeFor(Sources.intake);
    const orders = Array.from({ length: 20 }, (_, i) => `RUN-${i}`);
    for (const orderId of orders)
      await store.append(Streams.order(orderId), [accepted(orderId)], { expectedVersion: 'no-stream' });
    const handled = new Set<string>();
    let poisonCalls = 0;
    const runner = new SubscriptionRunner({
      subscription: subscriptionNamed('issueDteOnOrderAccepted'),
      handler: async (event: MtdEvent) => {
        if (event.data.orderId === 'RUN-7') {
          poisonCalls++;
          throw new Error('boom on RUN-7');
        }
        handled.add(event.data.orderId);
      },
      reader: engine.reader,
      checkpoints,
      deadLetters,
      clock: systemClock,
      random: Math.random,
      backoff: { baseMs: 5, maxMs: 20 },
      pollMs: 10,
    });
    await runner.start();
    await until(() => handled.size === 19);
    await until(async () => (await deadLetters.list({ status: 'dead' })).length === 1);
    await runner.stop();

    const [dead] = await deadLetters.list({ status: 'dead' });
    expect(dead!.attempts).toBe(10);
    expect(poisonCalls).toBe(10);
    expect(dead!.history).toHaveLength(10);
    expect(dead!.lastError).toBe('Error: boom on RUN-7');
    expect(dead!.subscription).toBe('issueDteOnOrderAccepted');
    expect(await checkpoints.load('issueDteOnOrderAccepted')).toBeDefined();
  });

  it('resumes from its checkpoint after a restart without re-delivering handled events', async () => {
    const store = engine.storeFor(Sources.intake);
    const seen: string[] = [];
    const make = () =>
      new SubscriptionRunner({
        subscription: { ...subscriptionNamed('issueDteOnOrderAccepted'), name: 'resumeTest' },
        handler: async (event: MtdEvent) => {
          seen.push(event.metadata.eventId);
        },
        reader: engine.reader,
        checkpoints,
        deadLetters,
        clock: systemClock,
        random: Math.random,
        pollMs: 10,
      });
    const first = make();
    await first.start();
    await store.append(Streams.order('RESUME-1'), [accepted('RESUME-1')], { expectedVersion: 'no-stream' });
    await until(() => seen.length === 21); // the 20 of the test before, and RESUME-1
    await first.stop();
    const count = seen.length;
    await store.append(Streams.order('RESUME-2'), [accepted('RESUME-2')], { expectedVersion: 'no-stream' });
    const second = make();
    await second.start();
    await until(() => seen.length === count + 1);
    await second.stop();
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('sends an event that fails validation on receipt to the dead letters with its report, and handles the rest', async () => {
    // Producers validate before they write, so an invalid event can only come from outside the store's
    // code path (an old or broken producer): written here as raw items.
    const valid = (orderId: string) => {
      const event = accepted(orderId);
      return {
        metadata: {
          ...event.metadata,
          eventType: 'OrderAccepted',
          eventVersion: 1,
          streamId: Streams.order(orderId),
          streamVersion: 1,
          producer: Sources.intake,
        },
        data: event.data,
      };
    };
    const good = valid('VAL-1');
    const bad = valid('VAL-2');
    const broken = {
      ...bad,
      metadata: { ...bad.metadata, streamId: Streams.order('VAL-1'), streamVersion: 2 },
      data: { orderId: 'VAL-2', acceptedAt: 'yesterday' },
    };
    const other = valid('VAL-3');
    await engine.client.send(
      new PutItemCommand({
        TableName: 'mtd-events',
        Item: commitItem({
          streamId: Streams.order('VAL-1'),
          version: 1,
          commitId: ids.next(),
          producer: Sources.intake,
          envelopes: [good, broken],
        }),
      }),
    );
    await engine.client.send(
      new PutItemCommand({
        TableName: 'mtd-events',
        Item: commitItem({
          streamId: Streams.order('VAL-3'),
          version: 1,
          commitId: ids.next(),
          producer: Sources.intake,
          envelopes: [other],
        }),
      }),
    );
    const handled: string[] = [];
    const runner = new SubscriptionRunner({
      subscription: { ...subscriptionNamed('issueDteOnOrderAccepted'), name: 'validationTest' },
      handler: async (event: MtdEvent) => {
        handled.push(event.data.orderId);
      },
      reader: engine.reader,
      checkpoints,
      deadLetters,
      clock: systemClock,
      random: Math.random,
      pollMs: 10,
    });
    await runner.start();
    await until(() => handled.includes('VAL-1') && handled.includes('VAL-3'));
    const letter = await (async () => {
      await until(
        async () => (await deadLetters.get('validationTest', broken.metadata.eventId)) !== undefined,
      );
      return (await deadLetters.get('validationTest', broken.metadata.eventId))!;
    })();
    await runner.stop();
    expect(handled).not.toContain('VAL-2');
    expect(letter.status).toBe('dead');
    expect(letter.attempts).toBe(1); // not retried: an invalid event will not become valid
    expect(letter.lastError).toMatch(
      /^EventValidationError: OrderAccepted v1 is invalid: data\.acceptedAt: .*; data\.order: /,
    );
    expect(letter.detail).toEqual(broken);
  });
  it('hands a page handler whole pages, and on a failing page retries its events one by one', async () => {
    const store = engine.storeFor(Sources.intake);
    const orders = Array.from({ length: 12 }, (_, i) => `PAGE-${i}`);
    for (const orderId of orders)
      await store.append(Streams.order(orderId), [accepted(orderId)], { expectedVersion: 'no-stream' });
    const pageSizes: number[] = [];
    const handled = new Set<string>();
    const runner = new SubscriptionRunner({
      subscription: { ...subscriptionNamed('issueDteOnOrderAccepted'), name: 'pageTest' },
      handler: {
        async handlePage(events) {
          pageSizes.push(events.length);
          if (events.some((e) => e.data.orderId === 'PAGE-4')) throw new Error('boom on PAGE-4');
          for (const event of events)
            if (event.data.orderId.startsWith('PAGE-')) handled.add(event.data.orderId);
        },
      },
      reader: engine.reader,
      checkpoints,
      deadLetters,
      clock: systemClock,
      random: Math.random,
      backoff: { baseMs: 5, maxMs: 20 },
      pollMs: 10,
      pageSize: 100,
    });
    await runner.start();
    await until(() => handled.size === 11);
    await until(async () =>
      (await deadLetters.list({ status: 'dead' })).some(
        (l) => l.subscription === 'pageTest' && l.lastError.includes('PAGE-4'),
      ),
    );
    await runner.stop();
    // Every order but PAGE-4 went through (with the other tests' orders); pages held many events.
    expect([...handled].sort()).toEqual(orders.filter((o) => o !== 'PAGE-4').sort());
    expect(pageSizes[0]).toBeGreaterThan(1);
    const dead = (await deadLetters.list({ status: 'dead' })).filter((l) => l.subscription === 'pageTest');
    // (The other tests' invalid event is dead here too: this subscription matches it as well.)
    expect(dead.map((l) => l.lastError).filter((e) => e.includes('PAGE-'))).toEqual([
      'Error: boom on PAGE-4',
    ]);
  });

  it('tells a handler an event is delivered for the first time only for commits appended since it started', async () => {
    // The local runtime's store: the one writer of the table, so it knows which commits are new.
    const reader = new DynamoEventStore({
      client: engine.client,
      tableName: 'mtd-events',
      fence: engine.fence,
      streams: new StreamCache(),
    });
    const store = reader.forProducer(Sources.intake);
    await store.append(Streams.order('FIRST-OLD'), [accepted('FIRST-OLD')], { expectedVersion: 'no-stream' });
    const seen: { orderId: string; firstDelivery: boolean | undefined; attempt: number }[] = [];
    let failedOnce = false;
    const runner = new SubscriptionRunner({
      subscription: { ...subscriptionNamed('issueDteOnOrderAccepted'), name: 'firstDeliveryTest' },
      handler: async (event: MtdEvent, context) => {
        const { orderId } = event.data;
        if (!orderId.startsWith('FIRST-')) return;
        seen.push({ orderId, firstDelivery: context.firstDelivery, attempt: context.attempt });
        if (orderId === 'FIRST-FAILS' && !failedOnce) {
          failedOnce = true;
          throw new Error('fails once');
        }
      },
      reader,
      checkpoints,
      deadLetters,
      clock: systemClock,
      random: Math.random,
      backoff: { baseMs: 5, maxMs: 20 },
      pollMs: 10,
    });
    await runner.start();
    for (const orderId of ['FIRST-NEW', 'FIRST-FAILS'])
      await store.append(Streams.order(orderId), [accepted(orderId)], { expectedVersion: 'no-stream' });
    await until(() => seen.length === 4);
    await runner.stop();
    expect(seen).toEqual([
      // Stored before the runner started: an earlier run may have delivered it.
      { orderId: 'FIRST-OLD', firstDelivery: undefined, attempt: 1 },
      { orderId: 'FIRST-NEW', firstDelivery: true, attempt: 1 },
      { orderId: 'FIRST-FAILS', firstDelivery: true, attempt: 1 },
      // A retry is a repeat.
      { orderId: 'FIRST-FAILS', firstDelivery: undefined, attempt: 2 },
    ]);
    // A store that is not the one writer (the test engine's, a Lambda's) never says so.
    expect(engine.reader.newCommitsAfter()).toBeUndefined();
  });

  it('looks again at an event whose effect another delivery holds, without spending its attempts', async () => {
    const store = engine.storeFor(Sources.intake);
    await store.append(Streams.order('CLAIMED-1'), [accepted('CLAIMED-1')], { expectedVersion: 'no-stream' });
    let looks = 0;
    let handled = false;
    let eventId = '';
    const runner = new SubscriptionRunner({
      subscription: subscriptionNamed('issueDteOnOrderAccepted'),
      handler: async (event: MtdEvent) => {
        if (event.data.orderId !== 'CLAIMED-1') return;
        eventId = event.metadata.eventId;
        // More "in progress" answers than the 10 attempts a failing event gets.
        if (++looks <= 12) throw new EffectInProgressError('customer-email', 'CLAIMED-1-evt');
        handled = true;
      },
      reader: engine.reader,
      checkpoints,
      deadLetters,
      clock: systemClock,
      random: Math.random,
      backoff: { baseMs: 5, maxMs: 20 },
      pollMs: 10,
      inProgressRetryMs: 5,
    });
    await runner.start();
    await until(() => handled);
    await runner.stop();
    expect(looks).toBe(13);
    expect((await deadLetters.list({})).filter((l) => l.eventId === eventId)).toEqual([]);
  });
});

describe('SubscriptionRunner batching window', { timeout: 30_000 }, () => {
  let engine: TestEngine;
  let checkpoints: DynamoCheckpoints;
  let deadLetters: DynamoDeadLetters;
  beforeAll(async () => {
    ({ engine, checkpoints, deadLetters } = await runnerTables());
  });
  afterAll(() => engine.close());

  /** A page handler on every event, from the feed's head, with a clock the test moves. */
  async function aWindowedRunner(
    name: string,
    { fromHead = true, ...options }: { batchWindowMs: number; pageSize?: number; fromHead?: boolean },
  ) {
    const head = await engine.reader.headPosition();
    if (fromHead && head) await checkpoints.save(name, head);
    let now = Date.parse('2026-11-24T10:00:00Z');
    const pages: string[][] = [];
    const reads: number[] = [];
    const reader = {
      readStream: (streamId: string) => engine.reader.readStream(streamId),
      readFeed: async (position: string | undefined, readOptions?: { limit?: number }) => {
        const page = await engine.reader.readFeed(position, readOptions);
        reads.push(page.commits.length);
        return page;
      },
    };
    const runner = new SubscriptionRunner({
      subscription: { ...subscriptionNamed('projectOrderOnEvent'), name },
      handler: {
        handlePage: async (events: MtdEvent[]) => {
          pages.push(events.map((e) => e.data.orderId));
        },
      },
      reader,
      checkpoints,
      deadLetters,
      clock: { now: () => new Date(now) },
      random: Math.random,
      // Longer than the test may run: only the test's clock ends a window.
      pollMs: 60_000,
      ...options,
    });
    await runner.start();
    return {
      runner,
      pages,
      reads,
      advance(ms: number) {
        now += ms;
        runner.poke();
      },
    };
  }

  const append = (orderId: string) =>
    engine
      .storeFor(Sources.intake)
      .append(Streams.order(orderId), [accepted(orderId)], { expectedVersion: 'no-stream' });

  it('holds a page that is not full until its window ends, taking what arrives meanwhile', async () => {
    const { runner, pages, reads, advance } = await aWindowedRunner('windowTest', { batchWindowMs: 100 });
    await append('WIN-1');
    runner.poke();
    await until(() => reads.includes(1));
    await append('WIN-2');
    await append('WIN-3');
    runner.poke();
    await until(() => reads.includes(3));
    advance(99);
    await until(() => reads.filter((n) => n === 3).length >= 2);
    expect(pages).toEqual([]);
    advance(1);
    await until(() => pages.length === 1);
    expect(pages).toEqual([['WIN-1', 'WIN-2', 'WIN-3']]);
    expect(runner.position).toBe(await engine.reader.headPosition());
    await runner.stop();
  });

  it('delivers a full page at once, and opens the next window with the next page', async () => {
    const { runner, pages, reads, advance } = await aWindowedRunner('fullPageTest', {
      batchWindowMs: 100,
      pageSize: 2,
    });
    await append('FULL-1');
    await append('FULL-2');
    await append('FULL-3');
    runner.poke();
    await until(() => pages.length === 1);
    expect(pages).toEqual([['FULL-1', 'FULL-2']]);
    await until(() => reads.at(-1) === 1);
    expect(pages).toHaveLength(1);
    advance(100);
    await until(() => pages.length === 2);
    expect(pages[1]).toEqual(['FULL-3']);
    await runner.stop();
  });

  it('stops while a page waits, and the page is delivered after the restart', async () => {
    const { runner, pages, reads } = await aWindowedRunner('stopTest', { batchWindowMs: 100 });
    await append('STOP-1');
    runner.poke();
    await until(() => reads.includes(1));
    await runner.stop();
    expect(pages).toEqual([]);
    const again = await aWindowedRunner('stopTest', { batchWindowMs: 0, fromHead: false });
    await until(() => again.pages.length === 1);
    expect(again.pages).toEqual([['STOP-1']]);
    await again.runner.stop();
  });
});
