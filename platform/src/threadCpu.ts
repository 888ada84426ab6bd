import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/**
 * CPU time one thread has run, in seconds, from Linux's scheduler statistics (`schedstat`: nanoseconds
 * on the CPU). `process.cpuUsage()` adds up every thread of the process (the libuv pool, GC helpers,
 * worker threads), so it cannot tell one thread's work from another's; this can. `undefined` where
 * the file does not exist (not Linux, or a kernel without schedstat).
 *
 * The calling thread's own figure (`'self'`, what {@link tallyCpu} reads twice per call) comes from a
 * file it keeps open, read again from offset 0 (one `pread`, ~2 µs): opening and closing
 * `/proc/thread-self/schedstat` each time cost ~14 µs, 0.8 s of the bench's main thread.
 */
export function threadCpuSeconds(thread: number | 'self' = 'self'): number | undefined {
  if (thread === 'self') return ownSchedstat === null ? undefined : ownCpuSeconds();
  try {
    return schedstatSeconds(readFileSync(`/proc/self/task/${thread}/schedstat`, 'latin1'));
  } catch {
    // A thread that has ended has no file.
    return undefined;
  }
}

function schedstatSeconds(text: string): number | undefined {
  const nanoseconds = Number(text.slice(0, text.indexOf(' ')));
  return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : undefined;
}

/**
 * This thread's schedstat file, opened on first use (`/proc/thread-self` resolves to the thread
 * that opens it; module state is per thread); null: there is none here.
 */
let ownSchedstat: number | null | undefined;
const schedstatBuffer = Buffer.alloc(96);

function ownCpuSeconds(): number | undefined {
  try {
    const descriptor = ownSchedstat ?? openOwnSchedstat();
    const length = readSync(descriptor, schedstatBuffer, 0, schedstatBuffer.length, 0);
    return schedstatSeconds(schedstatBuffer.toString('latin1', 0, length));
  } catch {
    // Without /proc (not Linux), stop trying.
    ownSchedstat = null;
    return undefined;
  }
}

function openOwnSchedstat(): number {
  const descriptor = openSync('/proc/thread-self/schedstat', 'r');
  ownSchedstat = descriptor;
  // A worker thread's module state ends with it; its descriptor is the process's, so close it.
  if (!isMainThread) process.once('exit', () => closeSync(descriptor));
  return descriptor;
}

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
 * thread runs other work. Nested calls count once, in the outermost part. It costs two reads of the
 * thread's schedstat, about 4 µs per call, always on (the figures are the bench's, but a runtime that
 * did not tally could not be benched); about half of that lands in the part, the rest outside it.
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
