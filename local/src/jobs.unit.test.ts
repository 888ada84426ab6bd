import { describe, expect, it } from 'vitest';
import { JobNotFoundError, JobRegistry } from './jobs';

describe('jobs in the runtime', () => {
  const clock = { now: () => new Date('2026-11-24T10:00:00Z') };
  let n = 0;
  const registry = () => new JobRegistry({ clock, newId: (kind) => `${kind}-${++n}`, keep: 2 });

  it('answers at once with a running job, then shows its progress and its result', async () => {
    const jobs = registry();
    let finish: (value: string) => void = () => {};
    const job = jobs.start('replay', { done: 0, total: 100, unit: '%' }, (control) => {
      control.report({ done: 40, total: 100, unit: '%' });
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    });
    expect(job).toMatchObject({ kind: 'replay', status: 'running', startedAt: '2026-11-24T10:00:00.000Z' });
    expect(jobs.get(job.id).progress.done).toBe(40);
    expect(jobs.runningOf('replay')?.id).toBe(job.id);
    finish('summary');
    await jobs.settled();
    expect(jobs.get(job.id)).toMatchObject({
      status: 'done',
      result: 'summary',
      finishedAt: '2026-11-24T10:00:00.000Z',
    });
    expect(jobs.runningOf('replay')).toBeUndefined();
  });

  it('keeps a failure with its error, forgets the oldest finished jobs, and names an unknown id', async () => {
    const jobs = registry();
    const failed = jobs.start('rebuild', { done: 0, unit: 'events' }, async () => {
      throw new RangeError('no table');
    });
    await jobs.settled();
    expect(jobs.get(failed.id)).toMatchObject({ status: 'failed', error: 'RangeError: no table' });
    const second = jobs.start('replay', { done: 0, unit: '%' }, async () => 1);
    const third = jobs.start('replay', { done: 0, unit: '%' }, async () => 2);
    await jobs.settled();
    expect(jobs.list().map((j) => j.id)).toEqual([third.id, second.id]);
    expect(() => jobs.get(failed.id)).toThrow(JobNotFoundError);
  });
});
