import { Worker } from 'node:worker_threads';
import type { TaxAuthoritySimulatorOptions } from './taxAuthoritySimulator';

/**
 * The local SII simulator running in a thread of its own: the same HTTP server as
 * `startTaxAuthoritySimulator`, controlled over the worker's message port.
 */
export interface TaxAuthoritySimulatorThread {
  /** e.g. `http://127.0.0.1:49152`; the SII's services are under `${url}/sii/`. */
  url: string;
  /** A test CAF (the SII's CAF XML file) for the next free range of the issuer and type. */
  issueCaf(request: { rut: string; name: string; dteType: 33 | 39; count: number }): Promise<string>;
  /** Resolves once the simulator answers uploads with the new rate. */
  setFailureRate(rate: number): Promise<void>;
  /** Loads the SII's schemas now rather than with the first envelope (see the simulator's warmUp). */
  warmUp(): Promise<void>;
  /** The operating-system id of the simulator's thread (Linux; none elsewhere): its CPU, for benchmarks. */
  threads(): number[];
  /** Closes the server and ends the thread. */
  close(): Promise<void>;
}

/** The simulator's thread failed to start, died, or an operation on it failed. */
export class TaxAuthoritySimulatorThreadError extends Error {
  override readonly name = 'TaxAuthoritySimulatorThreadError';
}

type Operation = 'issueCaf' | 'setFailureRate' | 'warmUp' | 'close';
type Reply = { id: number; result?: unknown; error?: string };
type Started = { started: { url: string; thread?: number } } | { startFailed: string };

/**
 * Starts the SII simulator in a worker thread. The tax authority is an outside system: its schema,
 * signature and TED checks and its HTTP handling (a few ms of CPU per order) run beside the
 * choreography, not in its event loop (docs/decisions.md). The options are the in-process
 * simulator's, less `random` (a function does not cross threads: the thread draws its own).
 *
 * The thread is unref'd (it never keeps the process alive) and ended by `close`. If it dies, its
 * server goes with it: uploads fail as the SII's unavailability does (retried, then an exception an
 * operator can retry), and `onError` says why.
 */
export async function startTaxAuthoritySimulatorThread(
  options: Omit<TaxAuthoritySimulatorOptions, 'random'> & { onError?: (error: Error) => void },
): Promise<TaxAuthoritySimulatorThread> {
  const { onError, ...simulatorOptions } = options;
  const worker = new Worker(new URL('./taxAuthoritySimulatorWorker.mjs', import.meta.url), {
    workerData: simulatorOptions,
  });
  worker.unref();
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let closed: Promise<void> | undefined;
  /** Set once the thread has ended: every later request fails with it at once. */
  let dead: Error | undefined;

  const started = new Promise<{ url: string; thread?: number }>((resolve, reject) => {
    worker.once('message', (message: Started) => {
      if ('started' in message) resolve(message.started);
      else
        reject(
          new TaxAuthoritySimulatorThreadError(`the SII simulator did not start: ${message.startFailed}`),
        );
    });
    worker.once('error', (error) =>
      reject(
        new TaxAuthoritySimulatorThreadError(`the SII simulator did not start: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    worker.once('exit', (code) =>
      reject(
        new TaxAuthoritySimulatorThreadError(
          `the SII simulator's thread ended while starting (code ${code})`,
        ),
      ),
    );
  });
  const { url, thread } = await started;

  worker.on('message', (message: Reply) => {
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    if (message.error === undefined) request.resolve(message.result);
    else request.reject(new TaxAuthoritySimulatorThreadError(`the SII simulator: ${message.error}`));
  });
  const died = (error: Error) => {
    if (dead) return;
    dead = error;
    for (const request of pending.values()) request.reject(error);
    pending.clear();
    if (!closed) onError?.(error);
  };
  worker.on('error', (error) =>
    died(
      new TaxAuthoritySimulatorThreadError(`the SII simulator's thread failed: ${error.message}`, {
        cause: error,
      }),
    ),
  );
  worker.on('exit', (code) =>
    died(new TaxAuthoritySimulatorThreadError(`the SII simulator's thread ended (code ${code})`)),
  );

  const ask = <T>(operation: Operation, argument?: unknown) =>
    new Promise<T>((resolve, reject) => {
      if (dead) return reject(dead);
      const id = nextId++;
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      worker.postMessage({ id, operation, argument });
    });

  return {
    url,
    issueCaf: (request) => ask<string>('issueCaf', request),
    setFailureRate: (rate) => ask<void>('setFailureRate', rate),
    warmUp: () => ask<void>('warmUp'),
    threads: () => (thread === undefined ? [] : [thread]),
    close() {
      // The server closes first (its sockets, the schema validator), then the thread ends. A thread
      // that already died has nothing to close.
      closed ??= ask<void>('close')
        .catch(() => undefined)
        .then(async () => {
          await worker.terminate();
        });
      return closed;
    },
  };
}
