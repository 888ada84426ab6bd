import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderAcceptedV1, OrderReceivedV2 } from '@mtd/contracts';
import { orderXml, type Runtime, sampleOrder, seededRandom, startRuntime } from '@mtd/local';
import { afterAll, describe, expect, it } from 'vitest';
import { startWithNpm, withoutNpmMachineWarnings } from './childRuntime';
import { allEvents, authedFetch, caughtUp, eventually, orderHeaders, testAdminPassword } from './harness';

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start -- --demo, then SIGTERM under load', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-sigterm-'));
  let restarted: Runtime | undefined;
  let runtimePid: number | undefined;
  afterAll(async () => {
    // Had the test failed mid-way, leave no runtime behind.
    if (runtimePid !== undefined && processIsAlive(runtimePid)) process.kill(runtimePid, 'SIGKILL');
    await restarted?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 within 10 s with no error output, and every order it acknowledged is kept and completes', async () => {
    // npm itself gets the signal, as from a supervisor; it forwards it to the runtime.
    const running = await startWithNpm(dataDir, ['--demo', '--demo-rate', '5']);
    runtimePid = (JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { pid: number }).pid;
    const random = seededRandom(12);
    const acknowledged = new Set<string>();
    let stop = false;
    let sequence = 0;
    // Partners keep posting through the stop: what is refused or cut off is not acknowledged.
    const senders = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const order = sampleOrder({ orderId: `TERM-${sequence++}`, random });
        try {
          const response = await fetch(`${running.url}/orders`, {
            method: 'POST',
            body: orderXml(order),
            headers: orderHeaders('application/xml'),
          });
          if (response.status === 202) acknowledged.add(order.orderId);
        } catch {
          // refused or cut off once the server closed: not acknowledged
        }
        await new Promise((r) => setTimeout(r, 500)); // about 10 orders/s from six partners
      }
    });
    await eventually(
      'demo and partner orders flowing',
      () => ({
        partners: acknowledged.size,
        demo: (running.output().match(/^demo: sent (\d+)/gm) ?? []).length,
      }),
      (seen) => seen.partners >= 40 && seen.demo >= 1,
      90_000,
    );

    const signalledAt = Date.now();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      running.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    running.child.kill('SIGTERM');
    const exit = await exited;
    const stopMs = Date.now() - signalledAt;
    stop = true;
    await Promise.all(senders);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(processIsAlive(runtimePid!)).toBe(false);
    expect(stopMs).toBeLessThan(10_000);
    expect(withoutNpmMachineWarnings(running.stderr())).toBe('');
    expect(running.output()).not.toMatch(/error|uncaught|unhandled|closed/i);
    // Drained, or stopped at the deadline with work left for the next start: both said, both exit 0.
    expect(running.output()).toMatch(
      /^(MTD stopped\.|stopped after 8 s with work in hand; it is redone at the next start)$/m,
    );

    // Nothing lost: start again on the same folder; every acknowledged order is in the store, and
    // every order the store accepted (partners' and the demo's) completes.
    restarted = await startRuntime({
      dataDir,
      port: 0,
      adminPassword: testAdminPassword,
      taxAuthority: { failureRate: 0, latencyMs: { min: 1, max: 5 } },
    });
    const url = restarted.url;
    await eventually('caught up after the restart', () => caughtUp(url), Boolean, 240_000);
    const events = await allEvents(restarted.reader);
    const received = new Set(
      events.filter((e) => e.type === OrderReceivedV2.detailType).map((e) => e.data.orderId as string),
    );
    const accepted = [
      ...new Set(
        events.filter((e) => e.type === OrderAcceptedV1.detailType).map((e) => e.data.orderId as string),
      ),
    ];
    expect([...acknowledged].filter((id) => !received.has(id))).toEqual([]);
    expect(accepted.length).toBeGreaterThan(acknowledged.size);
    const pending = new Set(accepted);
    await eventually(
      'every accepted order completed',
      async () => {
        // Only the orders not seen completed yet, 16 at a time.
        const ids = [...pending];
        for (let i = 0; i < ids.length; i += 16)
          await Promise.all(
            ids.slice(i, i + 16).map(async (id) => {
              const response = await authedFetch(url, `/api/orders/${encodeURIComponent(id)}`);
              const view = (await response.json()) as { order?: { stage: string } };
              if (view.order?.stage === 'completed') pending.delete(id);
            }),
          );
        return [...pending];
      },
      (left) => left.length === 0,
      240_000,
    );
    // Batch files the demo dropped were all taken and reported, none left half done.
    expect(readdirSync(join(dataDir, 'inbox', 'processing'))).toEqual([]);
  });
});
