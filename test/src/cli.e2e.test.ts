import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CustomerNotifiedV1,
  DteBroadcastV1,
  DteIssuedV1,
  OrderAcceptedV1,
  OrderReceivedV2,
} from '@mtd/contracts';
import { batchXml, defects, orderXml, sampleOrder, seededRandom } from '@mtd/local';
import type { DeadLetter } from '@mtd/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtdBin, startChildRuntime, stopChild } from './childRuntime';
import {
  api,
  authedFetch,
  caughtUp,
  eventually,
  failWhen,
  startTestRuntime,
  testAdminPassword,
} from './harness';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The compiled CLI as a person runs it: its own process, exit code, stdout and stderr apart. */
function mtdIn(
  dataDir: () => string,
  baseEnv: NodeJS.ProcessEnv = { MTD_PASSWORD: testAdminPassword },
): (args: string[], env?: NodeJS.ProcessEnv, stdin?: string) => Promise<Run> {
  return (args, env = {}, stdin = '') =>
    new Promise((resolve) => {
      const { MTD_PASSWORD: _password, MTD_USER: _user, ...inherited } = process.env;
      const child = execFile(
        process.execPath,
        [mtdBin, ...args, '--data', dataDir()],
        { env: { ...inherited, ...baseEnv, ...env }, timeout: 120_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin); // what a pipe gives: this, then the end
    });
}

describe('the mtd CLI against a running runtime', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
  const mtd = mtdIn(() => runtime.dataDir);
  const random = seededRandom(5);
  const good = sampleOrder({ orderId: 'CLI-1', random });
  const bad = defects.badEmail(sampleOrder({ orderId: 'CLI-2', random }));
  const logged: string[] = [];

  beforeAll(async () => {
    runtime = await startTestRuntime({ log: (line) => logged.push(line) });
    const signedIn = await mtd(['login']);
    expect(signedIn.stdout).toMatch(/^signed in as admin \(admin\) until \S+; renews itself until \S+$/m);
    expect(signedIn.code).toBe(0);
  });
  afterAll(() => runtime.cleanup());

  it('sends single orders and a batch file, follows the batch to its report, and exits 1 for the refused one', async () => {
    const dir = runtime.dataDir;
    writeFileSync(join(dir, 'good.xml'), orderXml(good));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    writeFileSync(join(dir, 'batch.xml'), batchXml([orderXml(sampleOrder({ orderId: 'CLI-3', random }))]));
    const sent = await mtd(['send', join(dir, 'good.xml'), join(dir, 'bad.json'), join(dir, 'batch.xml')]);
    expect(sent.code).toBe(1); // one order was refused
    expect(sent.stdout).toMatch(/good\.xml: 202 .*"orderId":"CLI-1"/);
    expect(sent.stdout).toMatch(/bad\.json: 400 .*customer\.email/);
    expect(sent.stdout).toMatch(/batch\.xml: batch of 1: 1 accepted, 0 rejected, 0 duplicates$/m);
    await eventually('all three orders through', () => caughtUp(runtime.url), Boolean);
  });

  it('counts every outcome of a batch in its line, and exits 1 when any order of it was not recorded', async () => {
    const dir = runtime.dataDir;
    const conflicting = { ...sampleOrder({ orderId: 'CLI-1', random }), channel: 'app' };
    writeFileSync(join(dir, 'odd.json'), JSON.stringify({ orders: [conflicting, 1, null] }));
    const sent = await mtd(['send', join(dir, 'odd.json')]);
    expect(sent.stdout).toMatch(
      /odd\.json: batch of 3: 0 accepted, 0 rejected, 0 duplicates, 1 conflicts, 2 without a usable id \(not recorded\)$/m,
    );
    expect(sent.code).toBe(1);
    // The operator watching MTD's own output reads the same counts.
    expect(logged).toContain(
      'inbox: odd.json: 0 accepted, 0 rejected, 0 duplicates, 1 conflicts, 2 without a usable id (not recorded)',
    );
  });

  it('lists, traces and counts orders for people and as JSON', async () => {
    await eventually(
      'CLI-1 and CLI-3 completed',
      async () =>
        JSON.parse((await mtd(['orders', '--stage', 'completed', '--json'])).stdout) as {
          items: { orderId: string }[];
        },
      (page) => ['CLI-1', 'CLI-3'].every((id) => page.items.some((o) => o.orderId === id)),
    );
    const table = await mtd(['orders', '--stage', 'completed']);
    expect(table.stdout).toMatch(/^orderId\s+stage/m);
    expect(table.stdout).toMatch(/^CLI-1\s+completed/m);

    const trace = JSON.parse((await mtd(['trace', 'CLI-1', '--json'])).stdout) as {
      timeline: { type: string }[];
    };
    expect(trace.timeline.map((t) => t.type)).toEqual(
      expect.arrayContaining([
        OrderReceivedV2.detailType,
        OrderAcceptedV1.detailType,
        DteIssuedV1.detailType,
        DteBroadcastV1.detailType,
        CustomerNotifiedV1.detailType,
      ]),
    );
    const traced = (await mtd(['trace', 'CLI-1'])).stdout;
    expect(traced).toMatch(/^CLI-1: completed/);
    // People read Santiago's wall clock, and the column says so; the JSON keeps the UTC instants.
    expect(traced).toMatch(/^occurredAt \(America\/Santiago\)\s+type/m);
    const received = (trace.timeline as unknown as { occurredAt: string }[])[0]!.occurredAt;
    const santiago = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'America/Santiago',
      dateStyle: 'short',
      timeStyle: 'medium',
    }).format(new Date(received));
    expect(traced).toMatch(new RegExp(`^${santiago}\\s+OrderReceived`, 'm'));
    expect(traced).not.toContain(received);

    const stats = JSON.parse((await mtd(['stats', '--json'])).stdout) as {
      received: number;
      rejected: number;
    };
    expect(stats).toMatchObject({ received: 3, rejected: 1 });
    expect((await mtd(['stats', '--csv'])).stdout.split('\n')[0]).toContain(',');

    // Letters parked for a later attempt (a DTE status check) may come and go; none is dead.
    expect(JSON.parse((await mtd(['dlq', 'list', '--status', 'dead', '--json'])).stdout)).toEqual({
      items: [],
    });
  });

  it('runs replay and rebuild as jobs in the runtime and follows them with plain progress lines', async () => {
    const replay = await mtd(['replay', '--from', '2020-01-01T00:00:00Z', '--to', '2099-01-01T00:00:00Z']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(
      /^replay-\S+: 2020-01-01T00:00:00\.000Z \.\. 2099-01-01T00:00:00\.000Z in \d+ ms$/m,
    );
    expect(replay.stdout).toMatch(/^ {2}projectOrderOnEvent\s+\d+ events$/m);
    expect(replay.stdout).toMatch(/^ {2}notifyCustomerOnDteIssued\s+skipped: external effects/m);
    // Not a terminal: progress is plain lines on stderr, ending at 100%.
    expect(replay.stderr).toMatch(/^replay replay-[0-9a-f]+: 100% · \d+ events re-delivered$/m);
    expect(replay.stderr).not.toContain('\r');

    const rebuild = await mtd(['projections', 'rebuild']);
    expect(rebuild.code).toBe(0);
    expect(rebuild.stdout).toMatch(/^projections v2 active: \d+ events at \d+ events\/s$/m);
    expect(rebuild.stderr).toMatch(/^projections-rebuild projections-rebuild-[0-9a-f]+: 100% · v2: /m);

    const jobs = JSON.parse((await mtd(['jobs', 'list', '--json'])).stdout) as {
      items: { id: string; kind: string; status: string }[];
    };
    expect(jobs.items.map((j) => [j.kind, j.status])).toEqual([
      ['projections-rebuild', 'done'],
      ['replay', 'done'],
    ]);
    const shown = await mtd(['jobs', 'show', jobs.items[1]!.id]);
    expect(shown.stdout).toMatch(/^replay-[0-9a-f]+ \(replay\): done, 100% · \d+ events re-delivered$/m);
    const started = JSON.parse(
      (
        await mtd([
          'replay',
          '--from',
          '2020-01-01T00:00:00Z',
          '--to',
          '2020-01-02T00:00:00Z',
          '--no-follow',
          '--json',
        ])
      ).stdout,
    ) as { id: string; status: string };
    expect(started.status).toBe('running');
    const followed = await mtd(['jobs', 'show', started.id, '--follow']);
    expect(followed).toMatchObject({ code: 0 });
    expect(followed.stdout).toContain(`${started.id}: done`);

    const refused = await mtd(['replay', '--from', '2026-11-25T00:00:00Z', '--to', '2026-11-24T00:00:00Z']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('mtd: 400 from /api/admin/jobs/replay: --from must be a time before --to\n');
  });

  it('refuses a replay request whose fields have the wrong type, instead of widening it', async () => {
    const window = { from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z' };
    const refusals: [Record<string, unknown>, string][] = [
      [{ ...window, toSubscription: 123 }, 'toSubscription must be the name of one subscription (text)'],
      [{ ...window, includeExternal: 'yes' }, 'includeExternal must be true or false'],
      [{ ...window, pattern: 'x' }, 'pattern must be an EventBridge event pattern (a JSON object)'],
      [{ ...window, from: '1' }, 'from and to must be ISO times like 2026-11-24T00:00:00Z'],
    ];
    for (const [body, error] of refusals) {
      const response = await authedFetch(runtime.url, '/api/admin/jobs/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 400,
        body: { error },
      });
    }
  });

  it('says clearly what is wrong with a bad command, with exit code 2 for typing mistakes', async () => {
    const unknown = await mtd(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await mtd(['trace']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'orderId'");
    const badTime = await mtd(['replay', '--from', 'yesterday', '--to', '2026-11-24T00:00:00Z']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain("option '--from <time>' argument 'yesterday' is invalid");
    for (const day of ['yesterday', '2026-02-30', '2026-13-01']) {
      const badDay = await mtd(['stats', '--day', day]);
      expect(badDay.code).toBe(2);
      expect(badDay.stderr).toContain(
        `option '--day <YYYY-MM-DD>' argument '${day}' is invalid. It must be a day of the calendar like 2026-11-24.`,
      );
    }
    const notFound = await mtd(['trace', 'NOPE-404']);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toContain('mtd: 404 from /api/orders/NOPE-404');
    const help = await mtd(['dlq', 'redrive', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: mtd dlq redrive [options] [subscription] [eventId]');
  });

  it('signs in with a piped password, and refuses an empty one saying where a password comes from', async () => {
    const piped = await mtd(['login'], { MTD_PASSWORD: undefined }, `${testAdminPassword}\n`);
    expect(piped).toMatchObject({ code: 0, stderr: '' });
    const empty = await mtd(['login'], { MTD_PASSWORD: undefined }, '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe(
      'mtd: no password given: set MTD_PASSWORD, pipe it (echo "$PW" | mtd login), or type it at the prompt\n',
    );
  });

  it('adds a user with a generated password', async () => {
    const added = await mtd(['users', 'add', 'ana', '--role', 'analyst']);
    expect(added.stdout).toMatch(/created ana \(analyst\); password \(shown once\): \S{24}/);
    expect((await mtd(['users', 'list'])).stdout).toMatch(/^ana\s+analyst/m);
    const again = await mtd(['users', 'add', 'ana', '--role', 'analyst']);
    expect(again.code).toBe(1);
  });

  it('adds, lists and revokes intake partners; a key is shown once and held to its usage plan', async () => {
    const added = await mtd(['partners', 'add', 'acme', '--rate', '50', '--burst', '50', '--quota', '2']);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^added partner acme: 50 requests\/s, burst 50, 2 requests per UTC day$/m);
    const key = /API key \(shown once; send it as the x-api-key header\): (mtdk_\S+)$/m.exec(
      added.stdout,
    )?.[1];
    expect(key).toBeDefined();
    expect((await mtd(['partners', 'add', 'acme'])).stderr).toMatch(
      /a partner named "acme" has a key already/,
    );
    expect((await mtd(['partners', 'add', 'acme2', '--rate', '0'])).code).toBe(2);

    const listed = await mtd(['partners', 'list', '--json']);
    expect(listed.stdout).not.toContain(key);
    expect(JSON.parse(listed.stdout).items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'acme',
          status: 'active',
          rateLimit: 50,
          burstLimit: 50,
          quotaPerDay: 2,
        }),
        expect.objectContaining({ name: 'local', status: 'active' }),
      ]),
    );
    expect((await mtd(['partners', 'list'])).stdout).toMatch(/^acme\s+active\s+50\s+50\s+2\s/m);

    // mtd send with the partner's key (MTD_API_KEY): two orders fit the day's quota of 2, a third does not.
    const dir = runtime.dataDir;
    const files = ['P-1', 'P-2', 'P-3'].map((orderId) => {
      const file = join(dir, `${orderId}.xml`);
      writeFileSync(file, orderXml(sampleOrder({ orderId, random })));
      return file;
    });
    const sent = await mtd(['send', ...files], { MTD_API_KEY: key! });
    expect(sent.code).toBe(1);
    expect(sent.stdout).toMatch(/P-1\.xml: 202 /);
    expect(sent.stdout).toMatch(/P-2\.xml: 202 /);
    expect(sent.stdout).toMatch(/P-3\.xml: 429 .*"error":"LimitExceeded".*quota of 2 requests/);

    const revoked = await mtd(['partners', 'revoke', 'acme']);
    expect(revoked.stdout).toMatch(/^revoked partner acme at \S+$/m);
    const refused = await mtd(['send', files[2]!], { MTD_API_KEY: key! });
    expect(refused.stdout).toMatch(/P-3\.xml: 403 .*partner \\"acme\\" was revoked/);
    // The runtime's own key (DATA/intake-api-key) still works for everyone else.
    expect((await mtd(['send', files[2]!])).stdout).toMatch(/P-3\.xml: 202 /);
  });

  it('renews an expired session by itself: with the refresh token, else with MTD_PASSWORD; else says what to do', async () => {
    const file = join(runtime.dataDir, 'session.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const session = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    const expire = (changes: Record<string, string | undefined>) =>
      writeFileSync(file, JSON.stringify({ ...session, expiresAt: '2020-01-01T00:00:00.000Z', ...changes }), {
        mode: 0o600,
      });
    const noPassword = { MTD_PASSWORD: undefined };

    expire({});
    const refreshed = await mtd(['orders'], noPassword);
    expect(refreshed).toMatchObject({ code: 0, stderr: '' });
    expect(Date.parse(JSON.parse(readFileSync(file, 'utf8')).expiresAt)).toBeGreaterThan(Date.now());

    expire({ refreshToken: undefined, refreshExpiresAt: undefined });
    expect(await mtd(['orders'])).toMatchObject({ code: 0, stderr: '' });

    expire({ refreshToken: undefined, refreshExpiresAt: undefined });
    const refused = await mtd(['orders'], noPassword);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toBe(
      'mtd: your session as admin expired at 2020-01-01T00:00:00.000Z: run "mtd login" again (scripts: set MTD_PASSWORD and the CLI signs in by itself)\n',
    );
    expect((await mtd(['logout'])).stdout).toBe('signed out\n');
    const signedOut = await mtd(['orders'], noPassword);
    expect(signedOut).toMatchObject({ code: 4 });
    expect(signedOut.stderr).toContain('not signed in: run "mtd login"');
    expect(await mtd(['orders'])).toMatchObject({ code: 0 }); // MTD_PASSWORD: signs in by itself
  });
});

describe('mtd dlq show and redrive --all', () => {
  let broken = true;
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
  const mtd = mtdIn(() => runtime.dataDir);
  beforeAll(async () => {
    runtime = await startTestRuntime({
      wrapHandler: (name, handler) =>
        name === 'notifyCustomerOnDteIssued'
          ? failWhen(handler, (event) => broken && event.data.orderId === 'DLQ-CLI-1', 'SMTP relay refused')
          : handler,
    });
  });
  afterAll(() => runtime.cleanup());

  it('shows a dead letter with every attempt, then redrives them all once the cause is fixed', async () => {
    const random = seededRandom(8);
    writeFileSync(join(runtime.dataDir, 'dlq.xml'), orderXml(sampleOrder({ orderId: 'DLQ-CLI-1', random })));
    expect((await mtd(['send', join(runtime.dataDir, 'dlq.xml')])).code).toBe(0);
    const [letter] = await eventually(
      'a dead letter',
      async () => (await api<{ items: DeadLetter[] }>(runtime.url, '/api/dead-letters?status=dead')).items,
      (items) => items.length === 1,
    );
    const shown = await mtd(['dlq', 'show', 'notifyCustomerOnDteIssued', letter!.eventId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(`^notifyCustomerOnDteIssued ${letter!.eventId}: dead after 10 attempts$`, 'm'),
    );
    expect(shown.stdout).toMatch(/^ {2}attempt 10 at \S+: Error: SMTP relay refused$/m);
    expect((await mtd(['dlq', 'show', 'notifyCustomerOnDteIssued', 'nope'])).code).toBe(1);

    const misspelt = await mtd(['dlq', 'redrive', '--all', '--to-subscription', 'notifyCustomerOnDteIsued']);
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toContain('no subscription named notifyCustomerOnDteIsued');

    broken = false;
    const redriven = await mtd(['dlq', 'redrive', '--all']);
    expect(redriven).toMatchObject({ code: 0 });
    expect(redriven.stdout).toBe(
      `redriven 1 dead letter(s)\n  notifyCustomerOnDteIssued ${letter!.eventId}\n`,
    );
    await eventually(
      'the letter delivered',
      async () => (await api<{ items: DeadLetter[] }>(runtime.url, '/api/dead-letters')).items.length,
      (n) => n === 0,
    );
    expect((await mtd(['dlq', 'redrive', 'notifyCustomerOnDteIssued'])).code).toBe(2);
  });
});

describe('mtd without a runtime to talk to', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-cli-absent-'));
  const mtd = mtdIn(() => dataDir);
  let silent: Server;
  afterAll(() => {
    silent?.closeAllConnections();
    silent?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const session = {
    url: '',
    username: 'admin',
    role: 'admin',
    token: 'any',
    expiresAt: '2099-01-01T00:00:00.000Z',
  };

  it('tells "not started" (3) from "stopped" (3) from "running but busy" (6)', async () => {
    const none = await mtd(['orders']);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('runtime.json is missing): start one with "npm start"');

    // A runtime that has exited: its pid is gone and nothing listens on its port.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const deadPort = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));
    writeFileSync(join(dataDir, 'session.json'), JSON.stringify(session));
    writeFileSync(
      join(dataDir, 'runtime.json'),
      JSON.stringify({
        url: `http://127.0.0.1:${deadPort}`,
        pid: 2 ** 22 + 1,
        inbox: join(dataDir, 'inbox'),
      }),
    );
    const stopped = await mtd(['orders']);
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain('MTD is not running:');

    // A runtime that is alive (this process) and accepts connections but answers nothing in time.
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    writeFileSync(
      join(dataDir, 'runtime.json'),
      JSON.stringify({
        url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        pid: process.pid,
        inbox: join(dataDir, 'inbox'),
      }),
    );
    const busy = await mtd(['orders', '--timeout', '1']);
    expect(busy.code).toBe(6);
    expect(busy.stderr).toContain(
      `(pid ${process.pid}) is running but did not answer within 1 s: it is busy`,
    );
  });

  it('refuses a file it cannot read before sending anything (exit 2), naming it', async () => {
    const order = join(dataDir, 'one.xml');
    writeFileSync(order, orderXml(sampleOrder({ orderId: 'CLI-NOT-SENT', random: seededRandom(3) })));
    const missing = await mtd(['send', order, join(dataDir, 'typo.xml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `mtd: cannot read ${join(dataDir, 'typo.xml')}: there is no such file; nothing was sent\n`,
    );
    const folder = await mtd(['send', dataDir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('it is a folder; name the order files in it');
  });

  it('refuses a replay pattern file it cannot read or that is not JSON (exit 2), naming it', async () => {
    const replay = ['replay', '--from', '2026-11-24T00:00:00Z', '--to', '2026-11-25T00:00:00Z'];
    const missing = join(dataDir, 'no-pattern.json');
    expect(await mtd([...replay, '--pattern', missing])).toMatchObject({
      code: 2,
      stderr: `mtd: cannot read the pattern file ${missing}: there is no such file\n`,
    });
    const broken = join(dataDir, 'broken-pattern.json');
    writeFileSync(broken, '{"source": [');
    const notJson = await mtd([...replay, '--pattern', broken]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^mtd: the pattern file \S+broken-pattern\.json is not JSON: /);
  });

  it('refuses a --url or MTD_URL that is not an http(s) URL (exit 2), instead of looking for MTD there', async () => {
    for (const url of ['127.0.0.1:3000', 'http://[::1']) {
      expect(await mtd(['orders'], { MTD_URL: url })).toMatchObject({
        code: 2,
        stderr: `mtd: --url (or MTD_URL) must be an http(s) URL like http://127.0.0.1:3000, got "${url}"\n`,
      });
    }
  });

  it('says a schema registry that refuses is the outcome (exit 1), not a bug', async () => {
    const aFile = join(dataDir, 'registry-file');
    writeFileSync(aFile, '');
    const pushed = await mtd(['schemas', 'push', '--registry', 'mtd-dev-events', '--local', aFile]);
    expect(pushed.code).toBe(1);
    expect(pushed.stderr).toMatch(/^mtd: schema registry mtd-dev-events: ensureRegistry failed: ENOTDIR/);
    expect(pushed.stderr).not.toContain('a bug');
  });

  it('stops quietly when whoever reads its output stops reading (mtd … | head -1)', async () => {
    const child = spawn(process.execPath, [mtdBin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader has gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('refuses the commands that need AWS when none is configured (exit 5), saying what to do', async () => {
    const noAws = {
      AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'no-credentials'),
      AWS_CONFIG_FILE: join(dataDir, 'no-config'),
      ...Object.fromEntries(
        [
          'AWS_PROFILE',
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
          'AWS_REGION',
          'AWS_DEFAULT_REGION',
          'AWS_WEB_IDENTITY_TOKEN_FILE',
          'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
          'AWS_CONTAINER_CREDENTIALS_FULL_URI',
        ].map((name) => [name, undefined]),
      ),
    };
    const push = await mtd(['schemas', 'push', '--registry', 'mtd-dev-events'], noAws);
    expect(push.code).toBe(5);
    expect(push.stderr).toContain('mtd schemas push --registry mtd-dev-events needs an AWS account');
    expect(push.stderr).toContain('--local DIR');
    const replay = await mtd(
      ['replay', '--stage', 'dev', '--from', '2026-11-24T00:00:00Z', '--to', '2026-11-25T00:00:00Z'],
      noAws,
    );
    expect(replay.code).toBe(5);
    expect(replay.stderr).toContain('Without --stage, mtd replay replays the local runtime.');
  });
});

describe('mtd send into an inbox where a file of the same name waits', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-cli-inbox-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('places the second file beside the first, never over it', async () => {
    // A runtime that is alive (this process) but whose inbox nobody watches: files stay where they land.
    const inbox = join(dataDir, 'inbox');
    mkdirSync(inbox);
    writeFileSync(
      join(dataDir, 'runtime.json'),
      JSON.stringify({ url: 'http://127.0.0.1:1', pid: process.pid, inbox }),
    );
    const random = seededRandom(11);
    const batches = ['from-shop', 'from-app'].map((folder, i) => {
      mkdirSync(join(dataDir, folder));
      const file = join(dataDir, folder, 'orders.xml');
      writeFileSync(file, batchXml([orderXml(sampleOrder({ orderId: `INBOX-${i}`, random }))]));
      return file;
    });
    const placed = await mtdIn(() => dataDir)(['send', '--no-wait', ...batches]);
    expect(placed.code).toBe(0);
    expect(placed.stdout).toContain('orders.xml: batch placed in the inbox; its report will be in');
    expect(placed.stdout).toContain('as orders-2.xml (a file of that name waits there still)');
    expect(readdirSync(inbox).sort()).toEqual(['orders-2.xml', 'orders.xml']);
    expect(readFileSync(join(inbox, 'orders.xml'), 'utf8')).toContain('INBOX-0');
    expect(readFileSync(join(inbox, 'orders-2.xml'), 'utf8')).toContain('INBOX-1');
  });
});

describe('mtd start where another MTD runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-cli-taken-'));
  const other = mkdtempSync(join(tmpdir(), 'mtd-cli-other-'));
  afterAll(() => {
    for (const dir of [dataDir, other]) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a data folder that cannot be one, and a bad MTD_PORT, saying which (exit 2)', async () => {
    const notAFolder = join(other, 'a-file');
    writeFileSync(notAFolder, '');
    expect(await mtdIn(() => notAFolder)(['start', '--port', '0'])).toMatchObject({
      code: 2,
      stderr: `mtd: cannot use ${notAFolder} as MTD's data folder: a file of that name is there, not a folder; start with another --data (or MTD_DATA)\n`,
    });
    expect(await mtdIn(() => other)(['start'], { MTD_PORT: 'abc' })).toMatchObject({
      code: 2,
      stderr: 'mtd: MTD_PORT must be a port number 0..65535 (0 picks a free one), got "abc"\n',
    });
  });

  it('says the port or the data folder is taken, and exits 1 instead of hanging', async () => {
    const running = await startChildRuntime(dataDir);
    try {
      const port = new URL(running.url).port;
      const samePort = await mtdIn(() => other)(['start', '--port', port]);
      expect(samePort.code).toBe(1);
      expect(samePort.stderr).toContain(`mtd: port ${port} is in use (another MTD, or another program)`);
      const sameFolder = await mtdIn(() => dataDir)(['start', '--port', '0']);
      expect(sameFolder.code).toBe(1);
      expect(sameFolder.stderr).toContain(
        `mtd: the data folder ${dataDir} is in use by another MTD (pid ${running.child.pid}): stop it first`,
      );
    } finally {
      await stopChild(running.child, 'SIGTERM');
    }
  });
});
