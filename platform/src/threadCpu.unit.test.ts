import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { cpuTally, osThreadId, tallyCpu, threadCpuSeconds } from './threadCpu';

/** A fixed amount of CPU work (no allocation, so no GC thread joins in): tens of milliseconds. */
function work(rounds = 3e7): number {
  let x = 0;
  for (let i = 0; i < rounds; i++) x = (x + i * 7) % 1000003;
  return x;
}
const workSource = `let x = 0; for (let i = 0; i < 1.2e8; i++) x = (x + i * 7) % 1000003;`;

/** The process's CPU (every thread), in seconds. */
const processCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

// Figures are compared with each other, never with wall time, so a busy machine cannot fail them.
describe('threadCpu (Linux schedstat)', () => {
  it("counts the calling thread's CPU: what process.cpuUsage counts when only it works", () => {
    const [thread, all] = [threadCpuSeconds()!, processCpu()];
    work();
    const [threadSpent, allSpent] = [threadCpuSeconds()! - thread, processCpu() - all];
    expect(threadSpent).toBeGreaterThan(0);
    expect(threadSpent).toBeLessThanOrEqual(allSpent + 0.01);
    expect(threadSpent).toBeGreaterThan(allSpent * 0.8);
  });

  it("reads another thread's CPU by its id, none of which is the caller's", async () => {
    const before = threadCpuSeconds()!;
    const worker = new Worker(
      `${workSource}
       require('node:worker_threads').parentPort.postMessage(require('node:fs').readlinkSync('/proc/thread-self'));
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    const other = Number(
      (await new Promise<string>((resolve) => worker.once('message', resolve))).split('/').pop(),
    );
    const otherSpent = threadCpuSeconds(other)!;
    const callerSpent = threadCpuSeconds()! - before;
    await worker.terminate();
    expect(otherSpent).toBeGreaterThan(0);
    expect(callerSpent).toBeLessThan(otherSpent);
    expect(osThreadId()).toBe(process.pid);
  });

  it('tallies the CPU of synchronous work by part, nested work once, in the outer part', () => {
    const before = cpuTally();
    const thread = threadCpuSeconds()!;
    tallyCpu('outer', () => {
      work();
      return tallyCpu('inner', () => work());
    });
    const spent = threadCpuSeconds()! - thread;
    const outer = (cpuTally().outer ?? 0) - (before.outer ?? 0);
    expect(outer).toBeGreaterThan(spent * 0.9);
    expect(outer).toBeLessThanOrEqual(spent);
    expect(cpuTally().inner).toBe(before.inner);
  });

  it('tallies work that throws, and lets the error through', () => {
    const before = cpuTally().failing ?? 0;
    expect(() =>
      tallyCpu('failing', () => {
        work();
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect((cpuTally().failing ?? 0) - before).toBeGreaterThan(0);
  });
});
