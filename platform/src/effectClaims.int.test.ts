import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynaliteServer, startDynalite } from './dynaliteServer';
import { ensureTables } from './dynamoTables';
import { dynamoEffectClaims, EffectInProgressError, effectClaimsTable } from './effectClaims';

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
