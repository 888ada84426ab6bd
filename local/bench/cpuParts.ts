import { readdirSync } from 'node:fs';
import { signingCpuPart } from '@mtd/dte';
import { cpuTally, threadCpuSeconds } from '@mtd/platform';
import { taxAuthorityCpuPart } from '../src/taxAuthoritySimulator';

/**
 * Whose work the run's CPU was. Issue 11's targets are for the choreography; later issues added work
 * per order, and each reports its CPU here as it reports its calls (callBudget.ts), so the figures
 * stay honest. Every part is measured; the choreography is what the others leave of the total, so the
 * parts add up to it.
 */
export type CpuPart = 'pdfWorker' | 'taxAuthority' | 'dteSigning' | 'choreography';

/** The parts measured on their own: by their threads' CPU, and by `tallyCpu` where they run on the main thread. */
export type MeasuredPart = Exclude<CpuPart, 'choreography'>;

export const cpuParts: Record<CpuPart, { label: string; what: string }> = {
  pdfWorker: {
    label: 'PDF worker thread (notification)',
    what: 'the customer’s PDF with its PDF417 timbre, rendered in its own thread: that thread’s CPU (Linux schedstat)',
  },
  taxAuthority: {
    label: 'tax-authority simulator thread (the SII’s work)',
    what: 'the local SII simulator in its own thread: that thread’s CPU (Linux schedstat), its HTTP handling and its well-formedness, schema, signature and TED checks of each upload and token request',
  },
  dteSigning: {
    label: 'dte signing thread (issue 15)',
    what: 'TED stamps and XMLDSig signatures of documents and envelopes in their own thread: that thread’s CPU (Linux schedstat); token requests on the main thread, timed around each',
  },
  choreography: {
    label: 'choreography and the rest (issue 11)',
    what: 'the total less the parts above: handlers, store, feed, projections, ledger, the embedded engine, the load client, GC',
  },
};

/** What each measured part's CPU is timed as by `tallyCpu` when it runs on the main thread. */
const talliedAs: Record<MeasuredPart, string | undefined> = {
  pdfWorker: undefined,
  taxAuthority: taxAuthorityCpuPart,
  dteSigning: signingCpuPart,
};

export interface CpuByPart {
  /** Seconds per part; they add up to the window's total (`process.cpuUsage`, every thread). */
  seconds: Record<CpuPart, number>;
  /**
   * Every second the main thread ran, whoever's work it was: the choreography's event loop, which
   * a run saturates first.
   */
  mainThreadSeconds: number;
  /**
   * The choreography's seconds by thread: the main thread's, and every other thread's but the
   * measured parts' threads (mostly V8's platform threads: concurrent GC and compilation for every
   * isolate, the workers' included; then libuv's pool and LevelDB's compaction).
   */
  choreographyMainThreadSeconds: number;
  choreographyOtherThreadsSeconds: number;
  /** Why a part could not be measured (not Linux): then it counts in the choreography. */
  unmeasured?: string;
}

/** The ids of the process's threads (Linux), none elsewhere. */
export function threadsOfProcess(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
}

/**
 * Starts measuring the CPU by part for one window: the threads of the parts that run in their own
 * (the PDF renderer's, the SII simulator's) are read directly (sampled every second too, so a worker
 * that is replaced keeps what it spent), the main thread's timed parts from platform's `tallyCpu`.
 * Call from the runtime's main thread.
 */
export function startCpuParts(threadsOf: Partial<Record<MeasuredPart, () => number[]>>): {
  stop(totalSeconds: number): CpuByPart;
} {
  const tallyBefore = cpuTally();
  const mainBefore = threadCpuSeconds();
  const seen = new Map<number, { part: MeasuredPart; first: number; last: number }>();
  // Every thread's CPU as the window opens: a part's thread named later (a worker reports its id
  // once started, possibly after this) counts from here if it was already running, from zero if it
  // started within the window.
  const atStart = new Map<number, number>();
  for (const thread of threadsOfProcess()) {
    const seconds = threadCpuSeconds(thread);
    if (seconds !== undefined) atStart.set(thread, seconds);
  }
  const sample = () => {
    for (const [part, threads] of Object.entries(threadsOf) as [MeasuredPart, () => number[]][]) {
      for (const thread of threads()) {
        const seconds = threadCpuSeconds(thread);
        if (seconds === undefined) continue;
        const known = seen.get(thread);
        if (known) known.last = seconds;
        else seen.set(thread, { part, first: atStart.get(thread) ?? 0, last: seconds });
      }
    }
  };
  sample();
  const sampler = setInterval(sample, 1000);
  sampler.unref();
  return {
    stop(totalSeconds) {
      clearInterval(sampler);
      sample();
      const tallyAfter = cpuTally();
      const tallied = (part: MeasuredPart) => {
        const name = talliedAs[part];
        return name === undefined ? 0 : (tallyAfter[name] ?? 0) - (tallyBefore[name] ?? 0);
      };
      const inThreads = (part: MeasuredPart) =>
        [...seen.values()]
          .filter((thread) => thread.part === part)
          .reduce((sum, { first, last }) => sum + (last - first), 0);
      const measured = (['pdfWorker', 'taxAuthority', 'dteSigning'] as const).map(
        (part) => [part, { onMain: tallied(part), elsewhere: inThreads(part) }] as const,
      );
      const byPart = Object.fromEntries(
        measured.map(([part, { onMain, elsewhere }]) => [part, onMain + elsewhere]),
      ) as Record<MeasuredPart, number>;
      const talliedOnMain = measured.reduce((sum, [, { onMain }]) => sum + onMain, 0);
      const mainAfter = threadCpuSeconds();
      const main = mainBefore === undefined || mainAfter === undefined ? undefined : mainAfter - mainBefore;
      const choreography = totalSeconds - byPart.pdfWorker - byPart.taxAuthority - byPart.dteSigning;
      const choreographyMainThreadSeconds = main === undefined ? Number.NaN : main - talliedOnMain;
      return {
        seconds: { ...byPart, choreography },
        mainThreadSeconds: main ?? Number.NaN,
        choreographyMainThreadSeconds,
        choreographyOtherThreadsSeconds: choreography - choreographyMainThreadSeconds,
        ...(main === undefined
          ? {
              unmeasured:
                'no per-thread CPU here (Linux /proc/thread-self/schedstat): all of it is counted as the choreography',
            }
          : {}),
      };
    },
  };
}

/**
 * The limit ratio the choreography alone would reach, derived from this run's measured figures, not
 * run: its orders/s scaled by the share of the CPU per order that was the choreography's
 * (`total ÷ choreography`), against the engine's limit for the choreography's writes (m without the
 * SII verdict's commit). It holds as far as the run was bound by the CPU it was given: the other
 * parts' CPU would have gone to more orders.
 */
export function choreographyAloneLimit(input: {
  ordersPerSecond: number;
  cpuSecondsPerOrder: number;
  choreographySecondsPerOrder: number;
  putsPerSecond: number | null;
  mChoreography: number;
}): { ordersPerSecond: number; ordersPerSecondAtEngineLimit: number | null; ratio: number | null } {
  const { cpuSecondsPerOrder, choreographySecondsPerOrder, putsPerSecond, mChoreography } = input;
  const ordersPerSecond =
    choreographySecondsPerOrder > 0
      ? input.ordersPerSecond * (cpuSecondsPerOrder / choreographySecondsPerOrder)
      : Number.NaN;
  const ordersPerSecondAtEngineLimit =
    putsPerSecond === null || !(mChoreography > 0) ? null : putsPerSecond / mChoreography;
  return {
    ordersPerSecond,
    ordersPerSecondAtEngineLimit,
    ratio:
      ordersPerSecondAtEngineLimit === null || !Number.isFinite(ordersPerSecond)
        ? null
        : ordersPerSecond / ordersPerSecondAtEngineLimit,
  };
}

/**
 * How far the limit ratio can go on this machine, from this run's figures: the ratio were the
 * choreography free (every core given to the parts later issues added, at their measured CPU per
 * order), and the choreography CPU per order a ratio of `target` leaves, with and without those
 * parts. Both assume every core busy, so they are upper bounds. They show whether the target is
 * within reach of work on the choreography at all.
 */
export function limitRatioCeiling(input: {
  cores: number;
  /** The measured parts (PDF, SII simulator, signing): ms of CPU per order. */
  otherPartsMsPerOrder: number;
  /** The same without the SII simulator's, which is the tax authority's work, not MTD's. */
  productPartsMsPerOrder: number;
  putsPerSecond: number | null;
  m: number;
  mChoreography: number;
  target: number;
}): {
  ratioWithFreeChoreography: number | null;
  ratioWithFreeChoreographyWithoutSimulator: number | null;
  choreographyMsAllowed: number | null;
  choreographyAloneMsAllowed: number | null;
} {
  const { cores, otherPartsMsPerOrder, productPartsMsPerOrder, putsPerSecond, m, mChoreography, target } =
    input;
  if (putsPerSecond === null || !(m > 0) || !(mChoreography > 0)) {
    return {
      ratioWithFreeChoreography: null,
      ratioWithFreeChoreographyWithoutSimulator: null,
      choreographyMsAllowed: null,
      choreographyAloneMsAllowed: null,
    };
  }
  const engineLimit = putsPerSecond / m;
  const coreMs = cores * 1000;
  return {
    ratioWithFreeChoreography: otherPartsMsPerOrder > 0 ? coreMs / otherPartsMsPerOrder / engineLimit : null,
    ratioWithFreeChoreographyWithoutSimulator:
      productPartsMsPerOrder > 0 ? coreMs / productPartsMsPerOrder / engineLimit : null,
    // At `target`, an order may take coreMs ÷ (target × engine limit) ms of CPU in all.
    choreographyMsAllowed: coreMs / (target * engineLimit) - otherPartsMsPerOrder,
    choreographyAloneMsAllowed: coreMs / (target * (putsPerSecond / mChoreography)),
  };
}
