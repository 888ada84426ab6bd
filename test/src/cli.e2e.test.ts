import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CustomerNotifiedV1,
  DteBroadcastV1,
  DteIssuedV1,
  OrderAcceptedV1,
  OrderReceivedV2,
} from '@mtd/contracts';
import { batchXml, defects, orderXml, sampleOrder, seededRandom } from '@mtd/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caughtUp, eventually, startTestRuntime, testAdminPassword } from './harness';

const run = promisify(execFile);
const mtdBin = join(import.meta.dirname, '..', '..', 'local', 'bin', 'mtd.mjs');

describe('the mtd CLI against a running runtime', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
  const mtd = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, [mtdBin, ...args, '--data', runtime.dataDir], {
        env: {
          ...process.env,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          MTD_PASSWORD: testAdminPassword,
        },
      });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: `${failed.stdout}${failed.stderr}` };
    }
  };
  const random = seededRandom(5);
  const good = sampleOrder({ orderId: 'CLI-1', random });
  const bad = defects.badEmail(sampleOrder({ orderId: 'CLI-2', random }));

  beforeAll(async () => {
    runtime = await startTestRuntime();
    const signedIn = await mtd('login');
    expect(signedIn.stdout).toContain('signed in as admin (admin)');
  });
  afterAll(() => runtime.cleanup());

  it('sends single orders and a batch file, and tells which were refused', async () => {
    const dir = runtime.dataDir;
    writeFileSync(join(dir, 'good.xml'), orderXml(good));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    writeFileSync(join(dir, 'batch.xml'), batchXml([orderXml(sampleOrder({ orderId: 'CLI-3', random }))]));
    const sent = await mtd('send', join(dir, 'good.xml'), join(dir, 'bad.json'), join(dir, 'batch.xml'));
    expect(sent.code).toBe(1); // one order was refused
    expect(sent.stdout).toMatch(/good\.xml: 202 .*"orderId":"CLI-1"/);
    expect(sent.stdout).toMatch(/bad\.json: 400 .*customer\.email/);
    expect(sent.stdout).toMatch(/batch\.xml: batch placed in the inbox/);
    await eventually('all three orders through', () => caughtUp(runtime.url), Boolean);
  });

  it('lists, traces and counts orders for people and as JSON', async () => {
    await eventually(
      'CLI-1 and CLI-3 completed',
      async () =>
        JSON.parse((await mtd('orders', '--stage', 'completed', '--json')).stdout) as {
          items: { orderId: string }[];
        },
      (page) => ['CLI-1', 'CLI-3'].every((id) => page.items.some((o) => o.orderId === id)),
    );
    const table = await mtd('orders', '--stage', 'completed');
    expect(table.stdout).toMatch(/^orderId\s+stage/m);
    expect(table.stdout).toMatch(/^CLI-1\s+completed/m);

    const trace = JSON.parse((await mtd('trace', 'CLI-1', '--json')).stdout) as {
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
    expect((await mtd('trace', 'CLI-1')).stdout).toMatch(/^CLI-1: completed/);

    const stats = JSON.parse((await mtd('stats', '--json')).stdout) as { received: number; rejected: number };
    expect(stats).toMatchObject({ received: 3, rejected: 1 });
    expect((await mtd('stats', '--csv')).stdout.split('\n')[0]).toContain(',');

    expect(JSON.parse((await mtd('dlq', 'list', '--json')).stdout)).toEqual({ items: [] });
  });

  it('says clearly what is wrong with a bad command', async () => {
    const unknown = await mtd('frobnicate');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('unknown command "frobnicate"');
    const missing = await mtd('trace');
    expect(missing.stdout).toContain('usage: mtd trace <orderId>');
    const notFound = await mtd('trace', 'NOPE-404');
    expect(notFound.code).toBe(1);
    expect(notFound.stdout).toContain('404');
  });

  it('adds a user with a generated password and refuses an expired session clearly', async () => {
    const added = await mtd('users', 'add', 'ana', '--role', 'analyst');
    expect(added.stdout).toMatch(/created ana \(analyst\); password \(shown once\): \S{24}/);
    expect((await mtd('users', 'list')).stdout).toMatch(/^ana\s+analyst/m);
    const file = join(runtime.dataDir, 'session.json');
    const session = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, JSON.stringify({ ...session, expiresAt: '2020-01-01T00:00:00.000Z' }));
    const expired = await mtd('orders');
    expect(expired.code).toBe(1);
    expect(expired.stdout).toContain('expired at 2020-01-01T00:00:00.000Z: run "mtd login" again');
    writeFileSync(file, JSON.stringify(session), { mode: 0o600 });
  });
});
