import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, testAdminPassword } from './harness';

const mtdBin = join(import.meta.dirname, '..', '..', 'local', 'bin', 'mtd.mjs');

/** `mtd start` as a real child process on a data folder, as `npm start` runs it. */
export async function startChildRuntime(
  dataDir: string,
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const info = join(dataDir, 'runtime.json');
  rmSync(info, { force: true });
  let output = '';
  const child = spawn(process.execPath, [mtdBin, 'start', '--data', dataDir, '--port', '0'], {
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      MTD_ADMIN_PASSWORD: testAdminPassword,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const { url } = await eventually(
    'the child runtime to write runtime.json',
    () => (existsSync(info) ? (JSON.parse(readFileSync(info, 'utf8')) as { url: string }) : { url: '' }),
    (value) => value.url !== '' || child.exitCode !== null,
    60_000,
  );
  if (child.exitCode !== null) throw new Error(`mtd start exited with ${child.exitCode}:\n${output}`);
  return { url, child, output: () => output };
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
