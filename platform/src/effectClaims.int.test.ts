import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynaliteServer, startDynalite } from './dynaliteServer';
import { ensureTables } from './dynamoTables';
import {
  dynamoEffectClaims,
  EffectInProgressError,
  type EffectSteps,
  effectClaimsTable,
} from './effectClaims';
import { logDynamoCalls } from './testing/dynamoCallLog';

const tableName = 'mtd-test-effect-claims';
let engine: DynaliteServer;

beforeAll(async () => {
  engine = await startDynalite();
  await ensureTables(engine.client, [effectClaimsTable(tableName)]);
});
afterAll(() => engine.close());
afterEach(() => vi.useRealTimers());

const claims = (options: { leaseMs?: number; keepSeconds?: number } = {}) =>
  dynamoEffectClaims({ client: engine.client, tableName, ...options });

/** An effect that counts its runs and answers which run it was. */
function countedEffect() {
  let runs = 0;
  return {
    runs: () => runs,
    effect: async () => {
      runs++;
      return { run: runs };
    },
  };
}

describe('effect claims (Powertools Idempotency on the embedded engine)', () => {
  it('two concurrent callers of one cause: exactly one effect, the other is told it is in progress', async () => {
    const sent = countedEffect();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowEffect = async () => {
      await gate;
      return sent.effect();
    };
    const c = claims();
    const first = c.once('email', 'PO-1-evt-1', slowEffect);
    // The first claim is taken (its put landed) before the second caller comes.
    await vi.waitFor(async () => {
      await expect(c.once('email', 'PO-1-evt-1', slowEffect)).rejects.toBeInstanceOf(EffectInProgressError);
    });
    release();
    expect(await first).toEqual({ run: 1 });
    expect(sent.runs()).toBe(1);
  });

  it('three callers at once, from separate claim objects (three Lambda containers): one effect', async () => {
    const sent = countedEffect();
    const results = await Promise.allSettled(
      [claims(), claims(), claims()].map((c) => c.once('upload', 'PO-3-evt-1', sent.effect)),
    );
    expect(sent.runs()).toBe(1);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    for (const r of fulfilled) expect(r.value).toEqual({ run: 1 });
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(EffectInProgressError);
    }
  });

  it('a completed claim: a duplicate is a no-op answering the first result', async () => {
    const sent = countedEffect();
    const c = claims();
    expect(await c.once('email', 'PO-2-evt-1', sent.effect)).toEqual({ run: 1 });
    expect(await c.once('email', 'PO-2-evt-1', sent.effect)).toEqual({ run: 1 });
    expect(await claims().once('email', 'PO-2-evt-1', sent.effect)).toEqual({ run: 1 });
    expect(sent.runs()).toBe(1);
    // Another cause, or another effect of the same cause, is not held by it.
    expect(await c.once('email', 'PO-2-evt-2', sent.effect)).toEqual({ run: 2 });
    expect(await c.once('upload', 'PO-2-evt-1', sent.effect)).toEqual({ run: 3 });
  });

  it('an effect that throws releases its claim: the retry does it', async () => {
    const c = claims();
    await expect(
      c.once('email', 'PO-4-evt-1', async () => {
        throw new Error('SES throttled');
      }),
    ).rejects.toThrow('SES throttled');
    const sent = countedEffect();
    expect(await c.once('email', 'PO-4-evt-1', sent.effect)).toEqual({ run: 1 });
  });

  it('a claim whose holder crashed mid-effect blocks retries until its lease runs out, then a retry sends', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-24T10:00:00Z') });
    const crashed = claims({ leaseMs: 30_000 });
    // The holder takes the claim and never finishes (a kill -9 in the middle of the send).
    void crashed.once('email', 'PO-5-evt-1', () => new Promise<never>(() => {}));
    const retry = claims({ leaseMs: 30_000 });
    const sent = countedEffect();
    await vi.waitFor(async () => {
      await expect(retry.once('email', 'PO-5-evt-1', sent.effect)).rejects.toBeInstanceOf(
        EffectInProgressError,
      );
    });
    vi.setSystemTime(new Date('2026-11-24T10:00:29Z'));
    await expect(retry.once('email', 'PO-5-evt-1', sent.effect)).rejects.toBeInstanceOf(
      EffectInProgressError,
    );
    vi.setSystemTime(new Date('2026-11-24T10:00:31Z'));
    expect(await retry.once('email', 'PO-5-evt-1', sent.effect)).toEqual({ run: 1 });
    expect(sent.runs()).toBe(1);
  });

  it('a Lambda context sets the lease: a claim lapses when the invocation that took it would have timed out', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-24T11:00:00Z') });
    const timedOut = claims({ leaseMs: 3_600_000 });
    timedOut.useLambdaContext({ getRemainingTimeInMillis: () => 5_000 });
    void timedOut.once('upload', 'PO-6-evt-1', () => new Promise<never>(() => {}));
    const retry = claims();
    const sent = countedEffect();
    await vi.waitFor(async () => {
      await expect(retry.once('upload', 'PO-6-evt-1', sent.effect)).rejects.toBeInstanceOf(
        EffectInProgressError,
      );
    });
    vi.setSystemTime(new Date('2026-11-24T11:00:06Z'));
    expect(await retry.once('upload', 'PO-6-evt-1', sent.effect)).toEqual({ run: 1 });
  });

  it('a completed claim answers duplicates for keepSeconds, then the cause may act again', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-24T12:00:00Z') });
    const c = claims({ keepSeconds: 60 });
    const sent = countedEffect();
    await c.once('email', 'PO-7-evt-1', sent.effect);
    vi.setSystemTime(new Date('2026-11-24T12:00:59Z'));
    await c.once('email', 'PO-7-evt-1', sent.effect);
    expect(sent.runs()).toBe(1);
    vi.setSystemTime(new Date('2026-11-24T12:01:01Z'));
    await c.once('email', 'PO-7-evt-1', sent.effect);
    expect(sent.runs()).toBe(2);
  });
});

/**
 * A stream that records an effect's outcome (what the handlers' streams do): `look` finds nothing
 * to do once an outcome is recorded. Counts the effects and can fail the next recording.
 */
function streamLike() {
  let effects = 0;
  let recorded: unknown;
  let failNextRecord = false;
  const steps: EffectSteps<true, { run: number }> = {
    look: async () => (recorded === undefined ? true : undefined),
    effect: async () => ({ run: ++effects }),
    record: async (_looked, result) => {
      if (failNextRecord) {
        failNextRecord = false;
        throw new Error('append throttled');
      }
      recorded ??= result;
    },
  };
  return {
    steps,
    effects: () => effects,
    recorded: () => recorded,
    failNextRecord() {
      failNextRecord = true;
    },
  };
}

describe('effect claims with the outcome in a stream (act: claim, look, act, record)', () => {
  it('costs one call when all goes well, and a duplicate after it finds the outcome and does nothing', async () => {
    const log = logDynamoCalls(engine.client);
    try {
      const stream = streamLike();
      await claims().act('email', 'ACT-1-evt-1', stream.steps);
      expect(log.calls).toEqual([{ operation: 'PutItem', table: tableName }]);
      expect(stream.recorded()).toEqual({ run: 1 });
      await claims().act('email', 'ACT-1-evt-1', stream.steps);
      expect(stream.effects()).toBe(1);
    } finally {
      log.stop();
    }
  });

  it('three deliveries at once, from separate claim objects: one effect; the others are told it is in progress, then find it done', async () => {
    const stream = streamLike();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      ...stream.steps,
      effect: async (looked: true) => gate.then(() => stream.steps.effect(looked)),
    };
    const first = claims().act('upload', 'ACT-2-evt-1', slow);
    await vi.waitFor(async () => {
      await expect(claims().act('upload', 'ACT-2-evt-1', slow)).rejects.toBeInstanceOf(EffectInProgressError);
    });
    await expect(claims().act('upload', 'ACT-2-evt-1', slow)).rejects.toBeInstanceOf(EffectInProgressError);
    release();
    await first;
    // The copies, delivered again: the claim is still held, but the stream says it is done.
    await claims().act('upload', 'ACT-2-evt-1', slow);
    await claims().act('upload', 'ACT-2-evt-1', slow);
    expect(stream.effects()).toBe(1);
  });

  it('a delivery that takes over a lapsed claim looks after claiming, so it finds the outcome the holder recorded', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-24T13:00:00Z') });
    const stream = streamLike();
    // The holder's invocation had 5 s left: its claim lapses then, though it acted and recorded.
    const holder = claims();
    holder.useLambdaContext({ getRemainingTimeInMillis: () => 5_000 });
    await holder.act('upload', 'ACT-3-evt-1', stream.steps);
    vi.setSystemTime(new Date('2026-11-24T13:00:06Z'));
    // A duplicate from another container, later: it takes the lapsed claim, then looks (a look
    // before the claim could predate the holder's record), and does nothing.
    const log = logDynamoCalls(engine.client);
    let callsBeforeLook: string[] = [];
    try {
      await claims().act('upload', 'ACT-3-evt-1', {
        ...stream.steps,
        look: (claim) => {
          callsBeforeLook = log.calls.map((c) => c.operation);
          return stream.steps.look(claim);
        },
      });
    } finally {
      log.stop();
    }
    expect(callsBeforeLook).toEqual(['PutItem']);
    expect(stream.effects()).toBe(1);
  });

  it('a recording that fails keeps the result with the claim: the next delivery records it without acting again', async () => {
    const stream = streamLike();
    stream.failNextRecord();
    await expect(claims().act('email', 'ACT-4-evt-1', stream.steps)).rejects.toThrow('append throttled');
    expect(stream.recorded()).toBeUndefined();
    await claims().act('email', 'ACT-4-evt-1', stream.steps);
    expect(stream.recorded()).toEqual({ run: 1 });
    expect(stream.effects()).toBe(1);
  });

  it('an effect that throws releases the claim: the next delivery acts', async () => {
    const stream = streamLike();
    const failing = {
      ...stream.steps,
      effect: async () => {
        throw new Error('SES throttled');
      },
    };
    await expect(claims().act('email', 'ACT-5-evt-1', failing)).rejects.toThrow('SES throttled');
    await claims().act('email', 'ACT-5-evt-1', stream.steps);
    expect(stream.recorded()).toEqual({ run: 1 });
  });

  it('finds a claim `once` completed (the same keys): records its result, acts not', async () => {
    const stream = streamLike();
    await claims().once('email', 'ACT-6-evt-1', async () => ({ run: 41 }));
    await claims().act('email', 'ACT-6-evt-1', stream.steps);
    expect(stream.recorded()).toEqual({ run: 41 });
    expect(stream.effects()).toBe(0);
  });
});
