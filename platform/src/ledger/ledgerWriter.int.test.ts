import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidGenerator } from '../clock';
import { type DynaliteServer, startDynalite } from '../dynaliteServer';
import type { Ledger } from './dynamoLedger';
import { appendOrder, startLedgerFixture } from './ledgerTestOrders';
import { LedgerWriter } from './ledgerWriter';

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dynamo: DynaliteServer;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

describe('LedgerWriter gathering', { timeout: 30_000 }, () => {
  /** A writer whose clock the test moves, recording the size of every page it appends. */
  async function aGatheringWriter(options: { gatherMs: number; pageSize?: number }) {
    const fixture = await startLedgerFixture(dynamo);
    let now = Date.parse('2026-11-24T12:00:00Z');
    const pages: number[] = [];
    const reads: number[] = [];
    const ledger = fixture.ledger;
    const counting = {
      appendCommits: async (commits: Parameters<Ledger['appendCommits']>[0]) => {
        pages.push(commits.length);
        return ledger.appendCommits(commits);
      },
      treeHead: () => ledger.treeHead(),
      checkpoint: () => ledger.checkpoint(),
    } as unknown as Ledger;
    const reader = {
      readStream: (streamId: string) => fixture.engine.reader.readStream(streamId),
      readFeed: async (position: string | undefined, readOptions?: { limit?: number }) => {
        const page = await fixture.engine.reader.readFeed(position, readOptions);
        reads.push(page.commits.length);
        return page;
      },
    };
    const writer = new LedgerWriter({
      ledger: counting,
      reader,
      clock: { now: () => new Date(now) },
      // Longer than the test may run: only the test's clock ends a gathering.
      pollMs: 60_000,
      checkpointEveryMs: Number.POSITIVE_INFINITY,
      ...options,
    });
    await writer.start();
    const ids = ulidGenerator();
    return {
      writer,
      pages,
      reads,
      /** An order's three commits (received, accepted, issued). */
      appendOrder: async (orderId: string) => {
        await appendOrder(fixture.engine, orderId, ids);
        writer.poke();
      },
      advance(ms: number) {
        now += ms;
        writer.poke();
      },
    };
  }

  it('appends a page that is not full once its gathering time from the first read has passed', async () => {
    const { writer, pages, reads, appendOrder, advance } = await aGatheringWriter({ gatherMs: 100 });
    await appendOrder('PO-1');
    await until(() => reads.some((n) => n > 0));
    await appendOrder('PO-2');
    await until(() => reads.includes(6));
    advance(99);
    await until(() => reads.filter((n) => n === 6).length >= 2);
    expect(pages).toEqual([]);
    advance(1);
    await until(() => pages.length === 1);
    expect(pages).toEqual([6]);
    await until(() => writer.caughtUp);
    await writer.stop();
  });

  it('appends a full page at once', async () => {
    const { writer, pages, appendOrder } = await aGatheringWriter({ gatherMs: 100, pageSize: 3 });
    await appendOrder('PO-1');
    await until(() => pages.length === 1);
    expect(pages).toEqual([3]);
    await writer.stop();
  });
});
