import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type CliColdStart = { helpMs: number; runs: number; command: string } | { skipped: string };

const bin = join(import.meta.dirname, '..', 'bin', 'mtd.mjs');

/**
 * `node bin/mtd.mjs --help`, median of 3, once the CLI is compiled. While the bin still registers
 * tsx and imports the TypeScript, each call compiles it again, which measures tsx, not the CLI:
 * then it is skipped, and says why.
 */
export function measureCliColdStart(): CliColdStart {
  let source: string;
  try {
    source = readFileSync(bin, 'utf8');
  } catch {
    return { skipped: `no CLI at ${bin}` };
  }
  if (/\btsx\b/.test(source) || /\.ts['"]/.test(source))
    return { skipped: 'the CLI is not compiled yet (bin/mtd.mjs runs src/cli.ts through tsx)' };
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const run = spawnSync(process.execPath, [bin, '--help'], { stdio: 'ignore', timeout: 30_000 });
    if (run.status !== 0)
      return { skipped: `node bin/mtd.mjs --help exited with ${run.status ?? run.signal}` };
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { helpMs: times[1]!, runs: times.length, command: 'node local/bin/mtd.mjs --help' };
}
