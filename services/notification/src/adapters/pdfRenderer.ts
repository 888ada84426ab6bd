import { Worker } from 'node:worker_threads';
import type { DteIssuedV2 } from '@mtd/contracts';
import { renderDtePdf } from '../pdf/renderDtePdf';

/** Renders a DTE's printed form (PDF with the TED as a PDF417 barcode). */
export interface DtePdfRenderer {
  render(dte: DteIssuedV2): Promise<Uint8Array>;
  close(): Promise<void>;
  /**
   * The operating-system ids of the threads rendering apart from the caller's (Linux; none when it
   * renders inline), whose CPU time can be read (platform's `threadCpuSeconds`).
   */
  threads(): number[];
  /**
   * Gets ready now rather than with the first render (a worker starts its thread and loads the
   * renderer: seconds on a busy machine, which the first orders would otherwise wait out); resolves
   * when it is.
   */
  warmUp(): Promise<void>;
}

/** The PDF could not be rendered (a bug or a worker that died): the delivery is retried. */
export class PdfRenderFailedError extends Error {
  override readonly name = 'PdfRenderFailedError';
}

/**
 * Renders in this thread. For Lambda, where one message is handled at a time and nothing else waits on
 * the event loop; the bundle carries the renderer, not a worker file.
 */
export function inlinePdfRenderer(): DtePdfRenderer {
  return {
    render: (dte) => renderDtePdf(dte),
    close: async () => {},
    threads: () => [],
    warmUp: async () => {},
  };
}

interface Job {
  resolve: (pdf: Uint8Array) => void;
  reject: (error: Error) => void;
}

/**
 * Renders in worker threads, so a barcode and a page (tens of milliseconds of CPU each) never stall the
 * choreography's event loop. `threads` workers (default 1) are started by `warmUp` or on the first
 * render, and take jobs in turn; a worker that dies fails its jobs (retried by the runner) and is replaced on the next
 * render. Workers are unref'd: they never keep the process alive.
 */
export function workerPdfRenderer(options: { threads?: number } = {}): DtePdfRenderer {
  const size = Math.max(1, options.threads ?? 1);
  const workers: { worker: Worker; pending: Map<number, Job>; thread?: number; ready: Promise<void> }[] = [];
  let nextId = 1;
  let turn = 0;

  function spawn(): (typeof workers)[number] {
    const worker = new Worker(new URL('../pdf/pdfWorker.mjs', import.meta.url));
    worker.unref();
    let loaded: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    const slot: (typeof workers)[number] = { worker, pending: new Map<number, Job>(), ready };
    worker.on(
      'message',
      (message: { id: number; pdf?: Uint8Array; error?: string; thread?: number; ready?: true }) => {
        if (message.ready) {
          loaded();
          return;
        }
        if (message.thread !== undefined) {
          slot.thread = message.thread;
          return;
        }
        const job = slot.pending.get(message.id);
        if (!job) return;
        slot.pending.delete(message.id);
        if (message.pdf) job.resolve(new Uint8Array(message.pdf));
        else job.reject(new PdfRenderFailedError(`the PDF renderer failed: ${message.error ?? 'no PDF'}`));
      },
    );
    const fail = (error: Error) => {
      // A worker that died while loading is not waited for: its jobs fail, the next render spawns another.
      loaded();
      for (const job of slot.pending.values())
        job.reject(new PdfRenderFailedError(`the PDF worker died: ${error.message}`, { cause: error }));
      slot.pending.clear();
      const i = workers.indexOf(slot);
      if (i >= 0) workers.splice(i, 1);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return slot;
  }

  const startWorkers = () => {
    while (workers.length < size) workers.push(spawn());
  };

  return {
    async warmUp() {
      startWorkers();
      await Promise.all(workers.map((slot) => slot.ready));
    },
    render(dte) {
      startWorkers();
      const slot = workers[turn++ % workers.length]!;
      const id = nextId++;
      return new Promise<Uint8Array>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, dte });
      });
    },
    threads: () => workers.flatMap((slot) => (slot.thread === undefined ? [] : [slot.thread])),
    async close() {
      const all = workers.splice(0);
      await Promise.all(all.map((slot) => slot.worker.terminate()));
    },
  };
}
