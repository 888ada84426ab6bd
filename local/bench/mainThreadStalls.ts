import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface MainThreadStalls {
  /** How late a 10 ms timer fired: what every callback waiting on the main thread waits too. */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Garbage collection on the main thread: pauses everything on it. */
  gc: GcPauses & { major: GcPauses };
}

export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
}

/**
 * Watches the main thread over one measured window: the event loop's delay (Node's own histogram,
 * no timer of ours) and its garbage-collection pauses. Long synchronous work or long GC pauses show
 * here as a high p99 or max, and every order in flight waits that long.
 */
export function watchMainThread(): { stop(): MainThreadStalls } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const gc = { count: 0, totalMs: 0, maxMs: 0, major: { count: 0, totalMs: 0, maxMs: 0 } };
  const add = (pauses: GcPauses, ms: number) => {
    pauses.count++;
    pauses.totalMs += ms;
    pauses.maxMs = Math.max(pauses.maxMs, ms);
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      add(gc, entry.duration);
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) add(gc.major, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      delay.disable();
      observer.disconnect();
      // The histogram is in nanoseconds, and counts the timer's own resolution in.
      const ms = (ns: number) => Math.max(0, ns / 1e6 - 10);
      return {
        loopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
        gc,
      };
    },
  };
}
