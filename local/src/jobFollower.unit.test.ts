import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, RuntimeUnavailableError } from './cliErrors';
import { followJob } from './jobFollower';
import type { Job } from './jobs';
import { RuntimeClient } from './runtimeClient';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A client whose runtime answers with `answers`, one per request (an Error is thrown instead). */
function clientAnswering(answers: (Job | Error)[], pid: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-follow-'));
  temps.push(dataDir);
  writeFileSync(
    join(dataDir, 'session.json'),
    JSON.stringify({ username: 'admin', role: 'admin', token: 't', expiresAt: '2099-01-01T00:00:00Z' }),
  );
  const fetch = (async () => {
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return new Response(JSON.stringify(next), { headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return new RuntimeClient({
    location: { url: 'http://127.0.0.1:1', inbox: '', pid },
    dataDir,
    env: {},
    fetch,
  });
}

const job = (status: Job['status'], done: number): Job => ({
  id: 'replay-1',
  kind: 'replay',
  status,
  startedAt: '2026-11-24T10:00:00.000Z',
  progress: { done, total: 100, unit: '%' },
});

function recordingDisplay() {
  const seen: string[] = [];
  return {
    seen,
    display: {
      update: (p: Job['progress']) => seen.push(`${p.done}%`),
      note: (line: string) => seen.push(line),
      end: () => seen.push('end'),
    },
  };
}

const timeout = () =>
  Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });

describe('following a job', () => {
  it('keeps following through a busy spell (no answer in time) and ends with the finished job', async () => {
    const client = clientAnswering(
      [job('running', 30), timeout(), timeout(), job('running', 60), job('done', 100)],
      process.pid,
    );
    const { seen, display } = recordingDisplay();
    const finished = await followJob(client, job('running', 0), { display, pollMs: 1 });
    expect(finished.status).toBe('done');
    expect(seen).toEqual([
      '0%',
      '30%',
      'MTD is busy (no answer within 10 s); still following job replay-1…',
      expect.stringMatching(/^MTD answers again after \d+ s$/),
      '60%',
      '100%',
      'end',
    ]);
  });

  it('stops with "not running" (exit 3) once the runtime process is gone', async () => {
    const gone = 2 ** 22 + 1; // above pid_max: no such process
    const client = clientAnswering([job('running', 30), refused()], gone);
    const { display } = recordingDisplay();
    const following = followJob(client, job('running', 0), { display, pollMs: 1 });
    await expect(following).rejects.toBeInstanceOf(RuntimeUnavailableError);
    await expect(following).rejects.toMatchObject({ exitCode: ExitCode.runtimeUnavailable });
    await expect(following).rejects.toThrow(/lost MTD while following job replay-1: MTD is not running/);
  });
});
