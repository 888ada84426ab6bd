import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sources, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine } from '@mtd/platform/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InboxWatcher, startInboxWatcher } from '#adapters/inboxWatcher';
import type { BatchFile, BatchReport } from '#handlers/receiveOrdersFromBatchFile';
import { createIntake } from '#src/index';
import { aPurchaseOrder, ordersXml } from '#src/testing/orderBuilders';
import { aClock } from '#src/testing/testClock';

let dir: string;
let watcher: InboxWatcher | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mtd-inbox-'));
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, deadlineMs = 5_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const listing = async (sub = '') => (await readdir(join(dir, sub))).sort();
const readReport = async (path: string) => JSON.parse(await readFile(join(dir, path), 'utf8')) as BatchReport;

function processedReport(file: BatchFile): BatchReport {
  return {
    file: file.name,
    status: 'processed',
    total: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    conflicts: 0,
    unidentified: 0,
    refused: 0,
    orders: [],
  };
}

describe('startInboxWatcher', () => {
  it('takes a file renamed into the inbox, records its orders and files it in done/ with its report', async () => {
    const engine = await startTestEngine();
    try {
      const intake = createIntake({
        store: engine.storeFor(Sources.intake),
        clock: aClock(),
        ids: ulidGenerator(),
      });
      const reports: BatchReport[] = [];
      watcher = await startInboxWatcher({
        dir,
        receiveBatchFile: intake.receiveBatchFile,
        pollMs: 20,
        onReport: (r) => reports.push(r),
      });
      const orders = [aPurchaseOrder({ orderId: 'IN-1' }), aPurchaseOrder({ orderId: 'IN-2' })];
      // The writer's side of the convention: write elsewhere (or to .tmp), then rename in.
      await writeFile(join(dir, 'orders.xml.tmp'), ordersXml(orders));
      await rename(join(dir, 'orders.xml.tmp'), join(dir, 'orders.xml'));

      const report = await waitFor(() => readReport('done/orders.xml.report.json'), 'the report');
      expect(report).toMatchObject({ file: 'orders.xml', status: 'processed', total: 2, accepted: 2 });
      expect(await listing('done')).toEqual(['orders.xml', 'orders.xml.report.json']);
      expect(await listing()).toEqual(['done', 'failed', 'processing']);
      expect(reports).toEqual([report]);
      expect((await engine.reader.readStream(Streams.order('IN-2'))).events).toHaveLength(2);
    } finally {
      await watcher?.stop();
      watcher = undefined;
      await engine.close();
    }
  });

  it('waits until a file stops growing before taking it', async () => {
    const received: string[] = [];
    watcher = await startInboxWatcher({
      dir,
      pollMs: 100,
      receiveBatchFile: async (file) => {
        received.push(Buffer.from(file.content).toString());
        return processedReport(file);
      },
    });
    const path = join(dir, 'slow.json');
    let content = '';
    // Appends come much faster than polls, so the size keeps changing between two listings.
    for (let i = 0; i < 40; i++) {
      const chunk = `${JSON.stringify({ orderId: `S-${i}` })}\n`;
      content += chunk;
      await appendFile(path, chunk);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitFor(async () => (await listing('done')).includes('slow.json'), 'the file in done/');
    expect(received).toEqual([content]);
  });

  it('ignores files that are not .xml or .json (partial .tmp files, dotfiles)', async () => {
    const seen: string[] = [];
    watcher = await startInboxWatcher({
      dir,
      pollMs: 20,
      receiveBatchFile: async (file) => {
        seen.push(file.name);
        return processedReport(file);
      },
    });
    await writeFile(join(dir, 'a.xml.tmp'), '<PurchaseOrders>');
    await writeFile(join(dir, '.b.json'), '[]');
    await writeFile(join(dir, 'c.JSON'), '[]');
    await waitFor(async () => (await listing('done')).includes('c.JSON'), 'c.JSON in done/');
    expect(seen).toEqual(['c.JSON']);
    expect(await listing()).toEqual(['.b.json', 'a.xml.tmp', 'done', 'failed', 'processing']);
  });

  it('files an unreadable file in failed/ with its report', async () => {
    const engine = await startTestEngine();
    try {
      const intake = createIntake({
        store: engine.storeFor(Sources.intake),
        clock: aClock(),
        ids: ulidGenerator(),
      });
      watcher = await startInboxWatcher({ dir, pollMs: 20, receiveBatchFile: intake.receiveBatchFile });
      await writeFile(join(dir, 'broken.xml'), '<!DOCTYPE x><PurchaseOrders/>');
      const report = await waitFor(() => readReport('failed/broken.xml.report.json'), 'the failure report');
      expect(report).toMatchObject({ status: 'unreadable', problems: [{ code: 'doctype_not_allowed' }] });
      expect(await listing('failed')).toEqual(['broken.xml', 'broken.xml.report.json']);
    } finally {
      await watcher?.stop();
      watcher = undefined;
      await engine.close();
    }
  });

  it('ignores a .part file until it is renamed in, then takes it whole', async () => {
    const received: string[] = [];
    watcher = await startInboxWatcher({
      dir,
      pollMs: 20,
      receiveBatchFile: async (file) => {
        received.push(Buffer.from(file.content).toString());
        return processedReport(file);
      },
    });
    const whole = ordersXml([aPurchaseOrder({ orderId: 'PART-1' })]);
    await writeFile(join(dir, 'copy.xml.part'), whole.slice(0, 40));
    // Several polls pass while the writer is still at it: nothing is taken.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(received).toEqual([]);
    await appendFile(join(dir, 'copy.xml.part'), whole.slice(40));
    await rename(join(dir, 'copy.xml.part'), join(dir, 'copy.xml'));
    await waitFor(async () => (await listing('done')).includes('copy.xml'), 'the file in done/');
    expect(received).toEqual([whole]);
  });

  it('files a file that cannot be read as orders in failed/ after exactly one attempt', async () => {
    const engine = await startTestEngine();
    try {
      const intake = createIntake({
        store: engine.storeFor(Sources.intake),
        clock: aClock(),
        ids: ulidGenerator(),
      });
      let attempts = 0;
      watcher = await startInboxWatcher({
        dir,
        pollMs: 20,
        receiveBatchFile: (file) => {
          attempts++;
          return intake.receiveBatchFile(file);
        },
      });
      // Not UTF-8, not XML: random bytes with an .xml name; then an order nested past the limit.
      await writeFile(join(dir, 'noise.xml'), Buffer.from([0xff, 0xfe, 0x00, 0x3c, 0x80, 0x81]));
      await writeFile(join(dir, 'deep.json'), `${'['.repeat(5_000)}${']'.repeat(5_000)}`);
      const noise = await waitFor(() => readReport('failed/noise.xml.report.json'), 'the noise report');
      const deep = await waitFor(() => readReport('failed/deep.json.report.json'), 'the deep report');
      expect(noise).toMatchObject({ status: 'unreadable', problems: [{ code: 'invalid_encoding' }] });
      expect(deep).toMatchObject({ status: 'unreadable', problems: [{ code: 'too_deep' }] });
      // Several more polls: neither file comes back.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(attempts).toBe(2);
      expect(await listing()).toEqual(['done', 'failed', 'processing']);
    } finally {
      await watcher?.stop();
      watcher = undefined;
      await engine.close();
    }
  });

  it('gives up on a file whose processing keeps throwing: failed/ with a report, never retried forever', async () => {
    let calls = 0;
    watcher = await startInboxWatcher({
      dir,
      pollMs: 10,
      maxAttempts: 3,
      onError: () => {},
      receiveBatchFile: async () => {
        calls++;
        throw new Error('store unavailable');
      },
    });
    await writeFile(join(dir, 'stuck.json'), '[]');
    const report = await waitFor(() => readReport('failed/stuck.json.report.json'), 'the failure report');
    expect(report).toMatchObject({ status: 'failed', problems: [{ code: 'processing_failed' }] });
    expect(report.problems?.[0]?.message).toMatch(/failed 3 times, last: store unavailable/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(3);
  });

  it('re-processes what a crash left in processing/ first, and never overwrites an earlier done file', async () => {
    await mkdir(join(dir, 'processing'), { recursive: true });
    await mkdir(join(dir, 'done'), { recursive: true });
    await writeFile(join(dir, 'processing', 'left.xml'), '<PurchaseOrders/>');
    await writeFile(join(dir, 'done', 'left.xml'), 'an earlier file of the same name');
    const seen: string[] = [];
    watcher = await startInboxWatcher({
      dir,
      pollMs: 20,
      receiveBatchFile: async (file) => {
        seen.push(file.name);
        return processedReport(file);
      },
    });
    await waitFor(
      async () => (await listing('done')).includes('left-2.xml.report.json'),
      'the recovered report',
    );
    expect(seen).toEqual(['left.xml']);
    expect(await listing('done')).toEqual(['left-2.xml', 'left-2.xml.report.json', 'left.xml']);
    expect(await listing('processing')).toEqual([]);
  });

  it('gives a file back to the inbox when processing throws, and retries it', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    watcher = await startInboxWatcher({
      dir,
      pollMs: 20,
      onError: (error) => errors.push(error),
      receiveBatchFile: async (file) => {
        calls++;
        if (calls === 1) throw new Error('store unavailable');
        return processedReport(file);
      },
    });
    await writeFile(join(dir, 'retry.json'), '[]');
    await waitFor(async () => (await listing('done')).includes('retry.json'), 'the retried file in done/');
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('store unavailable')]);
  });

  it('gives a file back beside one of the same name that arrived meanwhile, never over it', async () => {
    let calls = 0;
    const received: string[] = [];
    watcher = await startInboxWatcher({
      dir,
      pollMs: 20,
      onError: () => {},
      receiveBatchFile: async (file) => {
        calls++;
        if (calls === 1) {
          // While the store is out, the partner drops the next file under the same name.
          await writeFile(join(dir, 'daily.json'), '[{"orderId":"SECOND"}]');
          throw new Error('store unavailable');
        }
        received.push(file.content.toString());
        return processedReport(file);
      },
    });
    await writeFile(join(dir, 'daily.json'), '[{"orderId":"FIRST"}]');
    await waitFor(async () => (await listing('done')).length === 4 || undefined, 'both files in done/');
    expect(received.sort()).toEqual(['[{"orderId":"FIRST"}]', '[{"orderId":"SECOND"}]']);
  });

  it('stop() waits for the file in flight', async () => {
    let release: () => void = () => {};
    let started = false;
    watcher = await startInboxWatcher({
      dir,
      pollMs: 20,
      receiveBatchFile: async (file) => {
        started = true;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return processedReport(file);
      },
    });
    await writeFile(join(dir, 'inflight.xml'), '<PurchaseOrders/>');
    await waitFor(async () => started, 'processing to start');
    let stopped = false;
    const stopping = watcher.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    watcher = undefined;
    expect(await listing('done')).toEqual(['inflight.xml', 'inflight.xml.report.json']);
  });
});
