import type { Clock } from '@mtd/platform';

/** How far a job is: `done` of `total` (total unknown for some jobs), in `unit`s. */
export interface JobProgress {
  done: number;
  total?: number;
  unit: string;
  /** One short line about what it is doing now. */
  detail?: string;
}

/** A long operation running in the runtime, as `GET /api/admin/jobs/:id` shows it. */
export interface Job {
  id: string;
  kind: string;
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  progress: JobProgress;
  /** The job's own summary once done (a replay summary, the rebuild's final progress). */
  result?: unknown;
  error?: string;
}

/** What a job's body gets: a way to say how far it is. */
export interface JobControl {
  report(progress: JobProgress): void;
}

/** Asked for a job id this runtime does not know (never started, or forgotten after a restart). */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`no job ${jobId} in this runtime (jobs are kept in memory: did MTD restart?)`);
  }
}

/**
 * Long operations (replay, projection rebuild, audit verify) run in the runtime as jobs: the
 * request that starts one answers at once with its id, and the CLI follows its progress with short
 * polls. A busy runtime then answers late rather than not at all, and a job outlives the CLI that
 * started it (Ctrl-C stops following, not the job). Jobs live in memory, newest `keep` kept.
 */
export class JobRegistry {
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly deps: { clock: Clock; newId: (kind: string) => string; keep?: number }) {}

  /** Starts `run` as a job and returns it at once (running). */
  start(kind: string, initial: JobProgress, run: (control: JobControl) => Promise<unknown>): Job {
    const job: Job = {
      id: this.deps.newId(kind),
      kind,
      status: 'running',
      startedAt: this.deps.clock.now().toISOString(),
      progress: { ...initial },
    };
    this.jobs.set(job.id, job);
    this.forgetOld();
    const done = run({ report: (progress) => (job.progress = { ...progress }) }).then(
      (result) => {
        job.status = 'done';
        job.result = result;
      },
      (error: unknown) => {
        job.status = 'failed';
        job.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      },
    );
    const tracked = done.finally(() => {
      job.finishedAt = this.deps.clock.now().toISOString();
      this.running.delete(tracked);
    });
    this.running.add(tracked);
    return this.snapshot(job);
  }

  get(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new JobNotFoundError(id);
    return this.snapshot(job);
  }

  /** The running job of this kind, if any (a second rebuild joins the first). */
  runningOf(kind: string): Job | undefined {
    const job = [...this.jobs.values()].find((j) => j.kind === kind && j.status === 'running');
    return job && this.snapshot(job);
  }

  /** Newest first. */
  list(): Job[] {
    return [...this.jobs.values()].reverse().map((job) => this.snapshot(job));
  }

  /** Resolves once every running job has ended (used when the runtime stops). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private snapshot(job: Job): Job {
    return { ...job, progress: { ...job.progress } };
  }

  private forgetOld(): void {
    const keep = this.deps.keep ?? 50;
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= keep) break;
      if (job.status !== 'running') this.jobs.delete(id);
    }
  }
}
