import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type CliColdStart =
  | { helpMs: number; queryMs: number; runs: number; help: string; query: string }
  | { skipped: string };

const bin = join(import.meta.dirname, '..', 'bin', 'mtd.mjs');

/**
 * The compiled CLI's cold start, as a person pays it: a new `node local/bin/mtd.mjs` process (the
 * bin checks its build is current, then loads local/dist/mtd.mjs) until it exits. Measured for
 * `--help` and for one query against the bench's own runtime (`orders --json --limit 1`, signed in,
 * HTTP round trip included), median of `runs`, after one untimed call of each (which builds the CLI
 * if its sources changed, and signs in). Asynchronous on purpose: the runtime answering the query
 * runs in this very process.
 */
export async function measureCliColdStart(target: {
  dataDir: string;
  password: string;
  runs?: number;
}): Promise<CliColdStart> {
  const runs = target.runs ?? 5;
  const env = {
    ...process.env,
    MTD_DATA: target.dataDir,
    MTD_PASSWORD: target.password,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const time = async (args: string[]): Promise<number> => {
    const started = performance.now();
    await run(process.execPath, [bin, ...args], { env, timeout: 60_000 });
    return performance.now() - started;
  };
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const help = ['--help'];
  const query = ['orders', '--json', '--limit', '1'];
  try {
    await time(help);
    await time(query);
    const helpTimes: number[] = [];
    const queryTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      helpTimes.push(await time(help));
      queryTimes.push(await time(query));
    }
    return {
      helpMs: median(helpTimes),
      queryMs: median(queryTimes),
      runs,
      help: `node local/bin/mtd.mjs ${help.join(' ')}`,
      query: `node local/bin/mtd.mjs ${query.join(' ')}`,
    };
  } catch (error) {
    return { skipped: `the CLI failed: ${(error as Error).message.split('\n')[0]}` };
  }
}
