import { Worker } from 'node:worker_threads';
import { signingCpuPart } from '@mtd/dte';
import { tallyCpu, threadCpuSeconds } from '@mtd/platform';
import { describe, expect, it } from 'vitest';
import { taxAuthorityCpuPart } from '../src/taxAuthoritySimulator';
import { choreographyAloneLimit, limitRatioCeiling, startCpuParts } from './cpuParts';

function work(rounds = 2e7): number {
  let x = 0;
  for (let i = 0; i < rounds; i++) x = (x + i * 7) % 1000003;
  return x;
}

/** A thread that works ~0.3 s, then names its operating-system id and idles: a worker of some part. */
async function busyThread(): Promise<{ worker: Worker; thread: number }> {
  const worker = new Worker(
    `let x = 0; for (let i = 0; i < 6e7; i++) x = (x + i * 7) % 1000003;
     require('node:worker_threads').parentPort.postMessage(require('node:fs').readlinkSync('/proc/thread-self'));
     setInterval(() => {}, 1000);`,
    { eval: true },
  );
  const path = await new Promise<string>((resolve) => worker.once('message', resolve));
  return { worker, thread: Number(path.split('/').pop()) };
}

describe('CPU by part', () => {
  it("measures the parts' threads, the tallied parts, and leaves the rest to the choreography", async () => {
    const pdfThreads: number[] = [];
    const simulatorThreads: number[] = [];
    const window = startCpuParts({ pdfWorker: () => pdfThreads, taxAuthority: () => simulatorThreads });
    // A renderer thread and a simulator thread that start within the window and work there.
    const renderer = await busyThread();
    const simulator = await busyThread();
    pdfThreads.push(renderer.thread);
    simulatorThreads.push(simulator.thread);
    const rendererSpent = threadCpuSeconds(renderer.thread)!;
    const simulatorSpent = threadCpuSeconds(simulator.thread)!;
    tallyCpu(signingCpuPart, () => work());
    work();
    const parts = window.stop(10);
    await Promise.all([renderer.worker.terminate(), simulator.worker.terminate()]);

    expect(parts.seconds.pdfWorker).toBeGreaterThanOrEqual(rendererSpent);
    expect(parts.seconds.taxAuthority).toBeGreaterThanOrEqual(simulatorSpent);
    // Each thread counts in its own part only.
    expect(parts.seconds.pdfWorker).toBeLessThan(rendererSpent + simulatorSpent);
    expect(parts.seconds.dteSigning).toBeGreaterThan(0);
    const { pdfWorker, dteSigning, taxAuthority, choreography } = parts.seconds;
    expect(pdfWorker + dteSigning + taxAuthority + choreography).toBeCloseTo(10, 9);
    expect(parts.choreographyMainThreadSeconds).toBeGreaterThan(0);
    // The main thread ran its share of the choreography and the signing tallied on it; the
    // simulator's work was in its own thread.
    expect(parts.mainThreadSeconds).toBeCloseTo(parts.choreographyMainThreadSeconds + dteSigning, 9);
    expect(parts.choreographyMainThreadSeconds + parts.choreographyOtherThreadsSeconds).toBeCloseTo(
      choreography,
      9,
    );
  });

  it('adds what a part ran on the main thread (timed by tallyCpu) to its threads', () => {
    const window = startCpuParts({});
    tallyCpu(taxAuthorityCpuPart, () => work());
    const parts = window.stop(10);
    expect(parts.seconds.taxAuthority).toBeGreaterThan(0);
    expect(parts.mainThreadSeconds).toBeCloseTo(
      parts.choreographyMainThreadSeconds + parts.seconds.taxAuthority,
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
    const window = startCpuParts({ pdfWorker: () => threads });
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

  it('bounds the limit ratio by the other parts’ CPU and gives the choreography’s allowance at the target', () => {
    const ceiling = limitRatioCeiling({
      cores: 2,
      otherPartsMsPerOrder: 5,
      productPartsMsPerOrder: 4,
      putsPerSecond: 1000,
      m: 5,
      mChoreography: 4,
      target: 0.5,
    });
    // Free choreography: 2,000 ms ÷ 5 ms = 400 orders/s against 1,000 ÷ 5 = 200 at the engine's limit.
    expect(ceiling.ratioWithFreeChoreography).toBe(2);
    expect(ceiling.ratioWithFreeChoreographyWithoutSimulator).toBe(2.5);
    // At 0.5: 100 orders/s, 20 ms each, 5 of them the other parts'.
    expect(ceiling.choreographyMsAllowed).toBe(15);
    // Alone, m = 4: 0.5 × 250 = 125 orders/s, 16 ms each.
    expect(ceiling.choreographyAloneMsAllowed).toBe(16);
    expect(
      limitRatioCeiling({
        cores: 2,
        otherPartsMsPerOrder: 5,
        productPartsMsPerOrder: 4,
        putsPerSecond: null,
        m: 5,
        mChoreography: 4,
        target: 0.5,
      }).choreographyMsAllowed,
    ).toBeNull();
  });
});
