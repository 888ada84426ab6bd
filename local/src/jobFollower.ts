import { CommandFailedError, ExitCode, FollowInterruptedError, RuntimeUnavailableError } from './cliErrors';
import type { Job } from './jobs';
import type { ProgressDisplay } from './progressDisplay';
import type { RuntimeClient } from './runtimeClient';

export interface FollowOptions {
  display: ProgressDisplay;
  /** Between two looks at the job. */
  pollMs?: number;
  /** One look may take this long before the runtime counts as busy (then the CLI keeps waiting). */
  pollTimeoutMs?: number;
  /** Aborted (Ctrl-C): the CLI stops following; the job goes on in the runtime. */
  signal?: AbortSignal;
}

/**
 * Follows a job of the runtime until it ends, showing its progress. A runtime that is slow to
 * answer is busy, not gone: the CLI says so once and keeps waiting. Only a runtime whose process
 * has exited ends the wait early. Resolves with the finished job (done or failed).
 */
export async function followJob(client: RuntimeClient, started: Job, options: FollowOptions): Promise<Job> {
  const { display, signal } = options;
  const pollMs = options.pollMs ?? 300;
  let job = started;
  let busySince: number | undefined;
  display.update(job.progress);
  while (job.status === 'running') {
    await pause(pollMs, signal);
    if (signal?.aborted) throw interrupted(job);
    try {
      job = await client.call<Job>(`/api/admin/jobs/${encodeURIComponent(job.id)}`, {
        timeoutMs: options.pollTimeoutMs ?? 10_000,
        ...(signal ? { signal } : {}),
      });
      if (busySince !== undefined) display.note(`MTD answers again after ${secondsSince(busySince)} s`);
      busySince = undefined;
      display.update(job.progress);
    } catch (error) {
      if (signal?.aborted) throw interrupted(job);
      if (!(error instanceof RuntimeUnavailableError)) throw error;
      if (error.exitCode === ExitCode.runtimeBusy) {
        if (busySince === undefined)
          display.note(`MTD is busy (no answer within 10 s); still following job ${job.id}…`);
        busySince ??= Date.now();
        continue;
      }
      throw new RuntimeUnavailableError(
        `lost MTD while following job ${job.id}: ${error.message}`,
        ExitCode.runtimeUnavailable,
        { cause: error },
      );
    }
  }
  display.end();
  return job;
}

/** The job's own outcome as the CLI's: a failed job is a failed command (exit 1). */
export function requireDone(job: Job): Job {
  if (job.status === 'failed') throw new CommandFailedError(`job ${job.id} failed: ${job.error}`);
  return job;
}

/** An AbortSignal that fires on Ctrl-C (and SIGTERM) while a job is followed; `release` stops listening. */
export function interruptSignal(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

function interrupted(job: Job): FollowInterruptedError {
  return new FollowInterruptedError(
    `stopped following job ${job.id}; it keeps running in MTD. Follow it again with: mtd jobs show ${job.id} --follow`,
  );
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function secondsSince(at: number): number {
  return Math.round((Date.now() - at) / 1000);
}
