import { type MtdEvent, Sources, Streams, subscriptionNamed } from '@mtd/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff';
import { checkpointTable, DynamoCheckpoints } from './checkpoints';
import { systemClock, ulidGenerator } from './clock';
import { DynamoDeadLetters, deadLetterTable } from './deadLetters';
import { InvalidEventPatternError } from './eventPattern';
import type { HandlerContext } from './handler';
import { seededRandom } from './seededRandom';
import { SubscriptionRunner, type SubscriptionRunnerOptions } from './subscriptionRunner';
import { anOrderAccepted, startTestEngine, type TestEngine } from './testing';

const ids = ulidGenerator();
const accepted = (orderId: string) => anOrderAccepted(orderId, ids.next());

describe('SubscriptionRunner replay, validation and redrive', () => {
  let engine: TestEngine;
  let runnerOptions: Omit<SubscriptionRunnerOptions, 'handler' | 'subscription'>;
  let deadLetters: DynamoDeadLetters;
  const appendedAt: Date[] = [];
  beforeAll(async () => {
    engine = await startTestEngine({
      tables: [checkpointTable('mtd-checkpoints'), deadLetterTable('mtd-dead-letters')],
    });
    deadLetters = new DynamoDeadLetters({ client: engine.client, tableName: 'mtd-dead-letters' });
    runnerOptions = {
      reader: engine.reader,
      checkpoints: new DynamoCheckpoints({ client: engine.client, tableName: 'mtd-checkpoints' }),
      deadLetters,
      clock: systemClock,
      random: Math.random,
      backoff: { baseMs: 1, maxMs: 2 },
      pollMs: 10,
    };
    const store = engine.storeFor(Sources.intake);
    for (let i = 0; i < 6; i++) {
      appendedAt.push(new Date());
      await store.append(Streams.order(`REPLAY-${i}`), [accepted(`REPLAY-${i}`)], {
        expectedVersion: 'no-stream',
      });
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  afterAll(() => engine.close());

  it('refuses a subscription whose pattern EventBridge would refuse', () => {
    expect(
      () =>
        new SubscriptionRunner({
          ...runnerOptions,
          subscription: {
            ...subscriptionNamed('issueDteOnOrderAccepted'),
            pattern: { source: 'mtd.intake' },
          },
          handler: async () => {},
        }),
    ).toThrow(InvalidEventPatternError);
  });

  it('replays the events of a time range, with the replay name, narrowed by a pattern', async () => {
    const deliveries: [string, HandlerContext][] = [];
    const runner = new SubscriptionRunner({
      ...runnerOptions,
      subscription: { ...subscriptionNamed('issueDteOnOrderAccepted'), name: 'replayTest' },
      handler: async (event: MtdEvent, context) => {
        deliveries.push([event.data.orderId, context]);
      },
    });
    const all = await runner.replay({ from: new Date(0), to: new Date(), replayName: 'r-all' });
    expect(all).toEqual({ subscription: 'replayTest', matched: 6 });
    expect(deliveries.map(([id]) => id).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `REPLAY-${i}`));
    expect(deliveries.every(([, c]) => c.replayName === 'r-all' && c.attempt === 1)).toBe(true);

    deliveries.length = 0;
    // From just before REPLAY-2's append to 1 ms before REPLAY-5's: each append is stamped between
    // the instant taken before it and the next one (5 ms apart at least), however slow the append.
    const some = await runner.replay({
      from: appendedAt[2]!,
      to: new Date(appendedAt[5]!.getTime() - 1),
      replayName: 'r-some',
      pattern: { detail: { data: { orderId: [{ 'anything-but': 'REPLAY-3' }] } } },
    });
    expect(some.matched).toBe(2);
    expect(deliveries.map(([id]) => id).sort()).toEqual(['REPLAY-2', 'REPLAY-4']);
  });

  it('keeps the replay name on a failed replayed delivery, so its retries are replays too', async () => {
    const contexts: HandlerContext[] = [];
    let failing = true;
    const runner = new SubscriptionRunner({
      ...runnerOptions,
      subscription: { ...subscriptionNamed('issueDteOnOrderAccepted'), name: 'replayRetryTest' },
      maxAttempts: 2,
      handler: async (event: MtdEvent, context) => {
        if (event.data.orderId !== 'REPLAY-0') return;
        contexts.push(context);
        if (failing) throw new Error('down');
      },
    });
    await runner.replay({ from: new Date(0), to: new Date(), replayName: 'r-fail' });
    const parked = await deadLetters.get('replayRetryTest', (await deadLetters.list())[0]?.eventId ?? '');
    expect(parked).toMatchObject({ status: 'retrying', replayName: 'r-fail', attempts: 1 });
    // The live loop (started at the end of the feed) retries it as a replay, then it is dead.
    await runnerOptions.checkpoints.save('replayRetryTest', ids.next());
    await runner.start();
    const deadline = Date.now() + 10_000;
    while ((await deadLetters.list({ status: 'dead' })).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const [dead] = await deadLetters.list({ status: 'dead' });
    expect(dead).toMatchObject({ subscription: 'replayRetryTest', attempts: 2, replayName: 'r-fail' });
    expect(dead!.history.map((h) => h.attempt)).toEqual([1, 2]);

    // Redrive all after fixing the cause: handled again, still as the replay, and the letter is gone.
    failing = false;
    const redriven = await deadLetters.redriveAll(new Date(), { subscription: 'replayRetryTest' });
    expect(redriven).toHaveLength(1);
    expect(redriven[0]!.history).toHaveLength(2); // the history survives the redrive
    while ((await deadLetters.list()).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    expect(await deadLetters.list()).toEqual([]);
    expect(contexts.map((c) => c.replayName)).toEqual(['r-fail', 'r-fail', 'r-fail']);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const random = seededRandom(7);
    const policy = { baseMs: 100, maxMs: 5_000 };
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = Math.min(policy.maxMs, 100 * 2 ** (attempt - 1));
      const delays = Array.from({ length: 200 }, () => backoffDelayMs(attempt, policy, random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      // Jitter: the delays spread over the window rather than sitting at one value.
      expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(ceiling / 2);
    }
  });
});
