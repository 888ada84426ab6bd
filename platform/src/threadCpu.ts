import { readFileSync, readlinkSync } from 'node:fs';

/**
 * CPU time one thread has run, in seconds, from Linux's scheduler statistics (`schedstat`: nanoseconds
 * on the CPU). `process.cpuUsage()` adds up every thread of the process (the libuv pool, GC helpers,
 * worker threads), so it cannot tell one thread's work from another's; this can. `undefined` where
 * the file does not exist (not Linux, or a kernel without schedstat).
 */
export function threadCpuSeconds(thread: number | 'self' = 'self'): number | undefined {
  if (!schedstatReadable) return undefined;
  try {
    const path = thread === 'self' ? '/proc/thread-self/schedstat' : `/proc/self/task/${thread}/schedstat`;
    const nanoseconds = Number(readFileSync(path, 'latin1').split(' ', 1)[0]);
    return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : undefined;
  } catch {
    // A thread that has ended has no file; without /proc at all, stop trying.
    if (thread === 'self') schedstatReadable = false;
    return undefined;
  }
}
let schedstatReadable = true;

/** The calling thread's id in the operating system (Linux), e.g. to read its CPU from another thread. */
export function osThreadId(): number | undefined {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

const tally = new Map<string, number>();
let measuring = false;

/**
 * Runs `work` and adds the CPU time its thread spent on it to `part`, in a tally kept per thread (each
 * worker thread has its own): whose work the CPU was, as the local bench reports it per order (dte's
 * signing, the tax-authority simulator's checks). For synchronous work only: across an `await` the
 * thread runs other work. Nested calls count once, in the outermost part. About 20 µs per call.
 */
export function tallyCpu<T>(part: string, work: () => T): T {
  if (measuring) return work();
  const before = threadCpuSeconds();
  if (before === undefined) return work();
  measuring = true;
  try {
    return work();
  } finally {
    measuring = false;
    const after = threadCpuSeconds();
    if (after !== undefined) tally.set(part, (tally.get(part) ?? 0) + (after - before));
  }
}

/** CPU seconds `tallyCpu` has counted on this thread so far, by part. */
export function cpuTally(): Record<string, number> {
  return Object.fromEntries(tally);
}
