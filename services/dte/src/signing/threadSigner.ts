import { Piscina } from 'piscina';
import type { DteSigner } from './dteSigner';

/** A {@link DteSigner} whose work runs in worker threads, with what a runtime needs to manage them. */
export interface ThreadSigner extends DteSigner {
  /**
   * Starts the threads and loads the signing code now rather than with the first order (a thread
   * loads xml-crypto, from source through tsx: a second or more on a busy machine).
   */
  warmUp(): Promise<void>;
  /** The operating-system ids of the signing threads seen so far (Linux): their CPU, for benchmarks. */
  threads(): number[];
  /** Waits for the signatures in hand, then ends the threads. */
  close(): Promise<void>;
}

/** What a signing thread answers: the result, and which OS thread made it. */
interface Answer<T> {
  thread?: number;
  signed: T;
}

/**
 * Signs in a small pool of worker threads (piscina), so the TED stamps and XMLDSig signatures (~2 ms
 * of CPU per order) stay out of the event loop of a process that runs the whole choreography (the
 * local runtime). Sending the inputs and taking the XML back costs the caller well under 0.1 ms per
 * order (docs/decisions.md). One thread by default: it keeps up with ~500 orders/s. The threads start
 * with the first signature or `warmUp`; idle ones are unref'd by piscina, so they never keep the
 * process alive; `close` ends them.
 */
export function threadSigner(options: { threads?: number } = {}): ThreadSigner {
  const size = Math.max(1, options.threads ?? 1);
  // Made with the first signature (or warmUp): a runtime that signs nothing (a rebuild, a query
  // session) starts no thread.
  let pool: Piscina | undefined;
  const seen = new Set<number>();
  const run = async <T>(task: object): Promise<T> => {
    pool ??= new Piscina({
      filename: new URL('./signingWorker.mjs', import.meta.url).href,
      minThreads: size,
      maxThreads: size,
    });
    const answer = (await pool.run(task)) as Answer<T>;
    if (answer.thread !== undefined) seen.add(answer.thread);
    return answer.signed;
  };
  return {
    signDocument: (document, caf, credentials, signedAt) =>
      run({ kind: 'document', document, caf, credentials, signedAt }),
    signEnvelope: (input, credentials, signedAt) => run({ kind: 'envelope', input, credentials, signedAt }),
    async warmUp() {
      await Promise.all(Array.from({ length: size }, () => run({ kind: 'ready' })));
    },
    threads: () => [...seen],
    close: async () => {
      await pool?.close();
    },
  };
}
