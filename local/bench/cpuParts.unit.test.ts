import { Worker } from 'node:worker_threads';
import { signingCpuPart } from '@mtd/dte';
import { tallyCpu, threadCpuSeconds } from '@mtd/platform';
import { describe, expect, it } from 'vitest';
import { taxAuthorityCpuPart } from '../src/taxAuthoritySimulator';
import { choreographyAloneLimit, startCpuParts } from './cpuParts';

function work(rounds = 2e7): number {
  let x = 0;
  for (let i = 0; i < rounds; i++) x = (x + i * 7) % 1000003;
  return x;
}

describe('CPU by part', () => {
  it("measures the renderer's threads, the tallied parts, and leaves the rest to the choreography", async () => {
    const threads: number[] = [];
    const window = startCpuParts(() => threads);
    // A renderer thread that starts within the window and works there.
    const worker = new Worker(
      `let x = 0; for (let i = 0; i < 6e7; i++) x = (x + i * 7) % 1000003;
       require('node:worker_threads').parentPort.postMessage(require('node:fs').readlinkSync('/proc/thread-self'));
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    threads.push(
      Number((await new Promise<string>((resolve) => worker.once('message', resolve))).split('/').pop()),
    );
    const workerSpent = threadCpuSeconds(threads[0]!)!;
    tallyCpu(signingCpuPart, () => work());
    tallyCpu(taxAuthorityCpuPart, () => work());
    work();
    const parts = window.stop(10);
    await worker.terminate();

    expect(parts.seconds.pdfWorker).toBeGreaterThanOrEqual(workerSpent);
    expect(parts.seconds.dteSigning).toBeGreaterThan(0);
    expect(parts.seconds.taxAuthorityChecks).toBeGreaterThan(0);
    const { pdfWorker, dteSigning, taxAuthorityChecks, choreography } = parts.seconds;
    expect(pdfWorker + dteSigning + taxAuthorityChecks + choreography).toBeCloseTo(10, 9);
    expect(parts.choreographyMainThreadSeconds).toBeGreaterThan(0);
    expect(parts.choreographyMainThreadSeconds + parts.choreographyOtherThreadsSeconds).toBeCloseTo(
      choreography,
      9,
    );
  });

  it('leaves out what a renderer thread spent before the window, though it names itself only later', async () => {
    const worker = new Worker(
      `let x = 0; for (let i = 0; i < 6e7; i++) x = (x + i * 7) % 1000003;
       const { parentPort } = require('node:worker_threads');
       parentPort.postMessage('busy');
       parentPort.once('message', () => parentPort.postMessage(require('node:fs').readlinkSync('/proc/thread-self')));
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    const threads: number[] = [];
    const window = startCpuParts(() => threads);
    worker.postMessage('who are you');
    threads.push(
      Number((await new Promise<string>((resolve) => worker.once('message', resolve))).split('/').pop()),
    );
    const spentBefore = threadCpuSeconds(threads[0]!)!;
    const parts = window.stop(10);
    await worker.terminate();
    expect(spentBefore).toBeGreaterThan(0);
    expect(parts.seconds.pdfWorker).toBeLessThan(spentBefore / 2);
  });

  it('derives the choreography-alone limit from the CPU shares and m without the verdict', () => {
    expect(
      choreographyAloneLimit({
        ordersPerSecond: 20,
        cpuSecondsPerOrder: 0.08,
        choreographySecondsPerOrder: 0.04,
        putsPerSecond: 1000,
        mChoreography: 5,
      }),
    ).toEqual({ ordersPerSecond: 40, ordersPerSecondAtEngineLimit: 200, ratio: 0.2 });
    expect(
      choreographyAloneLimit({
        ordersPerSecond: 20,
        cpuSecondsPerOrder: 0.08,
        choreographySecondsPerOrder: 0.04,
        putsPerSecond: null,
        mChoreography: 5,
      }).ratio,
    ).toBeNull();
  });
});
