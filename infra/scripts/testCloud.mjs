// `npm run test:cloud`: synthesise with bundling when cdk.out is older than the sources, fetch the
// runtime (Node 24, DynamoDB Local), then run the emulated-cloud tier's vitest on Node 24, so the
// bundles run in-process on the runtime they will meet on AWS.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cloudRuntime } from './cloudRuntime.mjs';

const infraDir = join(import.meta.dirname, '..');
const repoRoot = join(infraDir, '..');
const manifest = join(infraDir, 'cdk.out', 'manifest.json');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'cdk.out' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function check(result, what) {
  if (result.status !== 0) {
    console.error(`test:cloud: ${what} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

const sources = ['contracts', 'platform', 'services', 'infra/lib', 'infra/bin'].map((dir) =>
  join(repoRoot, dir),
);
if (!existsSync(manifest) || Math.max(...sources.map(newestSource)) > statSync(manifest).mtimeMs) {
  console.error('test:cloud: cdk.out is missing or older than the sources; synthesising with bundling');
  check(spawnSync('npm', ['run', 'synth'], { cwd: infraDir, stdio: 'inherit' }), 'synth');
}
const { node24, dynamodbLocal } = cloudRuntime();
const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
const args = [vitest, 'run', '-c', 'vitest.cloud.config.ts', ...process.argv.slice(2)];
const env = { ...process.env, MTD_DYNAMODB_LOCAL_DIR: dynamodbLocal };
check(spawnSync(node24, args, { cwd: infraDir, stdio: 'inherit', env }), 'vitest');
