/**
 * `npm run bench:idle -- [--seconds 60]`: the runtime at rest. Starts it on a fresh data folder (on
 * disk), lets it settle, then for the given time counts DynamoDB calls by operation and table and
 * measures the CPU it uses, as a share of one core. An idle runtime should only run its slow timers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRuntime } from '../src/runtime';

// As `mtd` and the bench do: the SDK's Node-version notice is not the runtime's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
const seconds = Number(values.seconds);
const dataDir = mkdtempSync(join(tmpdir(), 'mtd-idle-'));
const runtime = await startRuntime({ dataDir });
const calls = new Map<string, number>();
runtime.client.middlewareStack.add(
  (next, context) => async (args) => {
    const key = `${context.commandName}:${(args.input as { TableName?: string }).TableName ?? ''}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return next(args);
  },
  { step: 'initialize', name: 'countIdleCalls' },
);
await new Promise((r) => setTimeout(r, 3_000));
calls.clear();
const cpuBefore = process.cpuUsage();
const started = Date.now();
await new Promise((r) => setTimeout(r, seconds * 1_000));
const cpu = process.cpuUsage(cpuBefore);
const wallMs = Date.now() - started;
await runtime.stop();
rmSync(dataDir, { recursive: true, force: true });

console.log(`idle for             ${(wallMs / 1000).toFixed(1)} s`);
console.log(
  `CPU                  ${(((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(2)} % of one core`,
);
console.log(`DynamoDB calls       ${[...calls.values()].reduce((a, b) => a + b, 0)}`);
for (const [key, count] of [...calls].sort())
  console.log(`  ${key.padEnd(40)} ${count} (one every ${(wallMs / 1000 / count).toFixed(1)} s)`);
