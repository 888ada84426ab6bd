import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchXml, orderXml, sampleOrder, seededRandom } from '@mtd/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildRuntime, startChildRuntime, stopChild } from './childRuntime';
import { caughtUp, eventually, orderHeaders } from './harness';

// The local runtime as a person starts it (`mtd start`, its own process, on disk): its data folder
// is readable by its owner only (including a folder an older version left open), it hands out an
// intake API key once, and every HTTP endpoint has a body limit and timeouts.

/** Every folder and file under `dir` whose permissions are not owner-only (0700 / 0600). */
function openEntries(dir: string): string[] {
  const open: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) open.push(`${path} ${mode.toString(8)}`);
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if (mode !== 0o600) open.push(`${path} ${mode.toString(8)}`);
  };
  walk(dir);
  return open;
}

/** The child's resident memory in MB (Linux /proc). */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
  return Number(line?.[1]) / 1024;
}

/** Sends `size` bytes to `path` in 1 MiB chunks without holding them (declared length, or chunked). */
function postBig(
  url: string,
  path: string,
  size: number,
  headers: Record<string, string>,
  chunked = false,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path,
        method: 'POST',
        headers: { ...headers, ...(chunked ? {} : { 'content-length': size }) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!req.write(part)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

describe('the local runtime in its own process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-hardening-'));
  let running: ChildRuntime;
  const random = seededRandom(14);

  beforeAll(async () => {
    // A data folder as an older version left it: open folders, readable files.
    chmodSync(dataDir, 0o755);
    mkdirSync(join(dataDir, 'outbox'), { mode: 0o755 });
    writeFileSync(join(dataDir, 'outbox', 'old.eml'), 'Subject: old\r\n\r\nold', { mode: 0o644 });
    writeFileSync(join(dataDir, 'notes.txt'), 'kept', { mode: 0o644 });
    // No MTD_INTAKE_API_KEY: the runtime makes the local key itself and prints it once.
    running = await startChildRuntime(dataDir, [], { MTD_INTAKE_API_KEY: undefined });
  });
  afterAll(async () => {
    if (running) await stopChild(running.child, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the local intake key once, keeps it 0600 for the CLI, and takes orders only with a key', async () => {
    const keyFile = join(dataDir, 'intake-api-key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^mtdk_[A-Za-z0-9_-]{43}$/);
    await eventually(
      'the banner',
      () => running.output(),
      (out) => out.includes('MTD is running'),
    );
    expect(running.output()).toContain(`created the intake API key of partner "local": ${key}`);
    const order = sampleOrder({ orderId: 'HARD-1', random });
    const without = await fetch(`${running.url}/orders`, {
      method: 'POST',
      body: orderXml(order),
      headers: { 'content-type': 'application/xml' },
    });
    expect(without.status).toBe(403);
    expect(await without.json()).toMatchObject({
      error: 'Forbidden',
      message: expect.stringContaining('x-api-key'),
    });
    const accepted = await fetch(`${running.url}/orders`, {
      method: 'POST',
      body: orderXml(order),
      headers: orderHeaders('application/xml', key),
    });
    expect(accepted.status).toBe(202);
    // A batch file in the inbox is not HTTP: no key.
    writeFileSync(
      join(dataDir, 'inbox', 'b.xml'),
      batchXml([orderXml(sampleOrder({ orderId: 'HARD-2', random }))]),
    );
    await eventually(
      'the batch report',
      () => existsSync(join(dataDir, 'inbox', 'done', 'b.xml.report.json')),
      Boolean,
    );
    await eventually(
      'both orders emailed',
      () => readdirSync(join(dataDir, 'outbox')).length,
      (n) => n >= 3,
    );
    await eventually('caught up', () => caughtUp(running.url), Boolean);
  });

  it('keeps the data folder owner-only: 0700 folders, 0600 files, old ones upgraded, new ones born so', () => {
    expect(openEntries(dataDir)).toEqual([]);
    // The engine's own files, the upgraded email and the new ones are all in that walk.
    expect(readdirSync(join(dataDir, 'dynamodb')).length).toBeGreaterThan(3);
    expect(
      readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml')).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('listens on no port but its HTTP API and the tax-authority simulator (the engine is in-process)', async () => {
    const pid = running.child.pid!;
    const sockets = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined; // closed since the listing
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
    const listening = ['tcp', 'tcp6'].flatMap((table) =>
      readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((f) => f[3] === '0A' && sockets.has(f[9]!)) // 0A: LISTEN
        .map((f) => Number.parseInt(f[1]!.split(':')[1]!, 16)),
    );
    const simulator = /Tax authority\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(running.output())?.[1];
    expect(simulator).toBeDefined();
    expect(listening.sort()).toEqual([Number(new URL(running.url).port), Number(simulator)].sort());
  });

  it('answers 413 to a 50 MB order: the client reads the answer, no dropped connection', async () => {
    const key = readFileSync(join(dataDir, 'intake-api-key'), 'utf8').trim();
    const big = await postBig(running.url, '/orders', 50 * 1024 * 1024, orderHeaders('application/xml', key));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ limit: 64 * 1024 });
  });

  it('answers 413 to a 40 MB sign-in and to a big body on any /api route, and its memory stays flat', async () => {
    const pid = running.child.pid!;
    const before = rssMb(pid);
    const json = { 'content-type': 'application/json' };
    for (const chunked of [false, true]) {
      const signIn = await postBig(running.url, '/api/auth/login', 40 * 1024 * 1024, json, chunked);
      expect(signIn.status).toBe(413);
    }
    // Admin routes refuse it before the token is even looked at.
    const admin = await postBig(running.url, '/api/admin/jobs/replay', 40 * 1024 * 1024, json, true);
    expect(admin.status).toBe(413);
    expect(JSON.parse(admin.body)).toMatchObject({ error: 'PayloadTooLarge' });
    const after = rssMb(pid);
    console.info(`RSS around three 40 MB bodies: ${before.toFixed(0)} -> ${after.toFixed(0)} MB`);
    expect(after - before).toBeLessThan(40);
  });

  it('cuts off a client that dribbles its headers', async () => {
    const { hostname, port } = new URL(running.url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('POST /orders HTTP/1.1\r\nHost: localhost\r\n');
    let lines = 0;
    const dribble = setInterval(() => {
      if (!socket.destroyed) socket.write(`x-slow-${lines++}: 1\r\n`);
    }, 1_000);
    const started = Date.now();
    await closed;
    clearInterval(dribble);
    // headersTimeout is 10 s, checked every second; the header section never ended.
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(9);
    expect(seconds).toBeLessThan(25);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a restart keeps the key and does not print it again', async () => {
    const key = readFileSync(join(dataDir, 'intake-api-key'), 'utf8').trim();
    await stopChild(running.child, 'SIGTERM');
    running = await startChildRuntime(dataDir, [], { MTD_INTAKE_API_KEY: undefined });
    await eventually(
      'the banner',
      () => running.output(),
      (out) => out.includes('MTD is running'),
    );
    expect(running.output()).not.toContain('intake API key');
    expect(readFileSync(join(dataDir, 'intake-api-key'), 'utf8').trim()).toBe(key);
    const order = sampleOrder({ orderId: 'HARD-3', random });
    const accepted = await fetch(`${running.url}/orders`, {
      method: 'POST',
      body: orderXml(order),
      headers: orderHeaders('application/xml', key),
    });
    expect(accepted.status).toBe(202);
    expect(openEntries(dataDir)).toEqual([]);
  });
});
