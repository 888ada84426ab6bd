import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, testAdminPassword, testIntakeApiKey } from './harness';

/** The compiled CLI, as `npx mtd` runs it (it builds itself first when its sources changed). */
export const mtdBin = join(import.meta.dirname, '..', '..', 'local', 'bin', 'mtd.mjs');

export interface ChildRuntime {
  url: string;
  child: ChildProcess;
  /** stdout and stderr, interleaved as they came. */
  output: () => string;
  stderr: () => string;
}

export const repoRoot = join(import.meta.dirname, '..', '..');

/**
 * `mtd start` as a real child process on a data folder, as `npm start` runs it. `env` replaces the
 * test defaults (MTD_ADMIN_PASSWORD, MTD_INTAKE_API_KEY); a variable set to undefined is left out.
 */
export function startChildRuntime(
  dataDir: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildRuntime> {
  return startAndWait(dataDir, () =>
    spawn(process.execPath, [mtdBin, 'start', '--data', dataDir, '--port', '0', ...args], {
      env: Object.fromEntries(
        Object.entries({ ...runtimeEnv(), ...env }).filter(([, value]) => value !== undefined),
      ),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** `npm start -- <args>` from the repository root, exactly as the README says to run it. */
export function startWithNpm(dataDir: string, args: string[] = []): Promise<ChildRuntime> {
  return startAndWait(dataDir, () =>
    spawn('npm', ['start', '--', '--data', dataDir, '--port', '0', ...args], {
      cwd: repoRoot,
      env: runtimeEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

function runtimeEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MTD_ADMIN_PASSWORD: testAdminPassword, MTD_INTAKE_API_KEY: testIntakeApiKey };
}

/**
 * This machine's user npm config sets `nodedir`, so every npm command warns about it on stderr
 * (TOOLCHAIN.md): machine configuration, not output of MTD. Everything else on stderr counts.
 */
export function withoutNpmMachineWarnings(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^npm warn Unknown (user|global|project) config "nodedir"/.test(line))
    .join('\n');
}

async function startAndWait(dataDir: string, launch: () => ChildProcess): Promise<ChildRuntime> {
  const info = join(dataDir, 'runtime.json');
  rmSync(info, { force: true });
  const child = launch();
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
    stderr += chunk;
  });
  const { url } = await eventually(
    'the child runtime to write runtime.json',
    () => (existsSync(info) ? (JSON.parse(readFileSync(info, 'utf8')) as { url: string }) : { url: '' }),
    (value) => value.url !== '' || child.exitCode !== null,
    60_000,
  );
  if (child.exitCode !== null) throw new Error(`mtd start exited with ${child.exitCode}:\n${output}`);
  return { url, child, output: () => output, stderr: () => stderr };
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
