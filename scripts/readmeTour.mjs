// The README's commands, run as written: every line of its ```bash blocks, in order, each in its
// own `bash -c` from the repository root, checked for the exit code the README states (a trailing
// `# exits N`, else 0). `npm start …` lines run in the background like the README's first terminal,
// until the next one or the end, and are then stopped with Ctrl-C (SIGINT to their process group):
// each must exit 0 with nothing on stderr.
//
//   node scripts/readmeTour.mjs      (CI runs it; test/src/readme.e2e.test.ts checks the outputs)
//
// The environment points the tour at a fresh data folder (MTD_DATA), a free port (MTD_PORT=0),
// a known admin password (MTD_ADMIN_PASSWORD, MTD_PASSWORD, as the README says scripts do) and no
// AWS account, so nothing of a developer's own `.mtd/` or AWS is touched.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(import.meta.dirname, '..');

/** The README's sections whose commands are not run here, and why (CI runs them on its own). */
export const notRunSections = { '## Development': 'CI runs npm test, npm run lint and npm run synth itself' };

/** Every command of the README's ```bash blocks, in order, with its section and expected exit code. */
export function readmeCommands(markdown) {
  const commands = [];
  let section = '';
  let inBash = false;
  for (const [index, line] of markdown.split('\n').entries()) {
    if (!inBash && line.startsWith('## ')) section = line.trim();
    if (line.startsWith('```')) {
      inBash = !inBash && line.trim() === '```bash';
      continue;
    }
    if (!inBash || line.trim() === '') continue;
    const comment = / {2,}#\s?(.*)$/.exec(line);
    const command = (comment ? line.slice(0, comment.index) : line).trim();
    const exits = comment ? /^exits (\d+)/.exec(comment[1]) : null;
    commands.push({
      command,
      line: index + 1,
      section,
      expectedExit: exits ? Number(exits[1]) : 0,
      server: /^npm start\b/.test(command),
    });
  }
  return commands;
}

/** A fresh, isolated environment for the tour (see the header). */
export function tourEnvironment(dataDir, base = process.env) {
  const env = { ...base };
  for (const name of Object.keys(env))
    if (
      /^AWS_(PROFILE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|REGION|DEFAULT_REGION|WEB_IDENTITY|CONTAINER_)/.test(
        name,
      )
    )
      delete env[name];
  const password = `tour-${Math.random().toString(36).slice(2)}-Aa1!`;
  return {
    ...env,
    MTD_DATA: dataDir,
    MTD_PORT: '0',
    MTD_ADMIN_PASSWORD: password,
    MTD_PASSWORD: password,
    AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'no-aws-credentials'),
    AWS_CONFIG_FILE: join(dataDir, 'no-aws-config'),
    NO_COLOR: '1',
  };
}

/** npm warns about this machine's own user config (TOOLCHAIN.md); that is not MTD's output. */
export function withoutNpmMachineWarnings(stderr) {
  return stderr
    .split('\n')
    .filter((line) => !/^npm warn Unknown (user|global|project) config "nodedir"/.test(line))
    .join('\n');
}

function runCommand(command, env) {
  return new Promise((resolveRun) => {
    const child = spawn('bash', ['-c', command], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code, signal) =>
      resolveRun({ code: code ?? (signal ? 128 : 1), stdout, stderr: withoutNpmMachineWarnings(stderr) }),
    );
  });
}

/** `npm start …` in its own process group, as in a terminal; resolves once MTD is running. */
async function startServer(command, env, readyMs) {
  const runtimeJson = join(env.MTD_DATA, 'runtime.json');
  rmSync(runtimeJson, { force: true });
  const child = spawn('bash', ['-c', command], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const server = { command, child, stdout: '', stderr: '', exit: undefined };
  child.stdout.on('data', (chunk) => {
    server.stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    server.stderr += chunk;
  });
  server.exited = new Promise((resolveExit) =>
    child.on('exit', (code, signal) => {
      server.exit = { code, signal };
      resolveExit(server.exit);
    }),
  );
  const deadline = Date.now() + readyMs;
  const demo = /--demo\b/.test(command);
  for (;;) {
    const running = server.stdout.includes('MTD is running.') && existsSync(runtimeJson);
    // With the demo, wait for its first summary line: there is traffic to stop under.
    if (running && (!demo || /^demo: sent \d+/m.test(server.stdout))) return server;
    if (server.exit)
      throw new Error(
        `${command} exited early (${JSON.stringify(server.exit)}):\n${server.stdout}${server.stderr}`,
      );
    if (Date.now() > deadline) {
      process.kill(-child.pid, 'SIGKILL');
      throw new Error(
        `${command} was not running after ${readyMs / 1000} s:\n${server.stdout}${server.stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Ctrl-C, as a terminal sends it: SIGINT to the whole process group (npm, and MTD under it). */
async function stopServer(server, stopMs = 15_000) {
  const signalledAt = Date.now();
  process.kill(-server.child.pid, 'SIGINT');
  const timer = setTimeout(() => process.kill(-server.child.pid, 'SIGKILL'), stopMs);
  const exit = await server.exited;
  clearTimeout(timer);
  return { ...exit, ms: Date.now() - signalledAt };
}

/**
 * Runs `commands` in order (see readmeCommands); `onStep` sees each result as it comes; a command
 * whose result is not `settled` yet is run again every 0.5 s for up to 30 s. Returns
 * every result: `{ command, line, expectedExit, code, stdout, stderr }` for commands, and for each
 * server `{ command, server: true, code, signal, ms, stdout, stderr }` once stopped.
 */
export async function runReadme(
  commands,
  { env, onStep = () => {}, readyMs = 600_000, settled = () => true } = {},
) {
  const results = [];
  let server;
  const stop = async () => {
    if (!server) return;
    const exit = await stopServer(server);
    const result = {
      command: server.command,
      line: server.line,
      server: true,
      expectedExit: 0,
      code: exit.code,
      signal: exit.signal,
      ms: exit.ms,
      stdout: server.stdout,
      stderr: withoutNpmMachineWarnings(server.stderr),
    };
    results.push(result);
    onStep(result);
    server = undefined;
  };
  try {
    for (const step of commands) {
      if (step.server) {
        await stop();
        server = await startServer(step.command, env, readyMs);
        server.line = step.line;
        continue;
      }
      let result = { ...step, ...(await runCommand(step.command, env)) };
      // A read that shows work in progress may be run again, as a person would, for a while.
      const until = Date.now() + 30_000;
      while (!settled(result) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 500));
        result = { ...step, ...(await runCommand(step.command, env)) };
      }
      results.push(result);
      onStep(result);
    }
  } finally {
    await stop();
  }
  return results;
}

/** Whether a result is what the README promised: its exit code; a server also a clean stop. */
export function failureOf(result) {
  if (result.server) {
    if (result.code !== 0) return `stopped with ${result.code ?? result.signal}, not 0`;
    if (result.stderr.trim() !== '') return `wrote to stderr: ${result.stderr.trim().slice(0, 500)}`;
    return undefined;
  }
  if (result.code !== result.expectedExit)
    return `exited ${result.code}, the README says ${result.expectedExit}`;
  return undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const commands = readmeCommands(readme).filter((c) => !(c.section in notRunSections));
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-readme-tour-'));
  let failures = 0;
  try {
    await runReadme(commands, {
      env: tourEnvironment(dataDir),
      onStep: (result) => {
        const failure = failureOf(result);
        if (failure) failures++;
        const what = result.server
          ? `${result.command} (stopped with Ctrl-C in ${result.ms} ms)`
          : result.command;
        console.log(
          `${failure ? 'FAIL' : 'ok  '} README.md:${result.line}  ${what}${failure ? `: ${failure}` : ''}`,
        );
        if (failure) console.log(`${result.stdout}${result.stderr}`.trimEnd().replace(/^/gm, '      '));
      },
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  for (const [section, reason] of Object.entries(notRunSections))
    console.log(`not run: ${section} (${reason})`);
  console.log(
    failures === 0
      ? `README tour: every command as written, as the README says`
      : `README tour: ${failures} failed`,
  );
  process.exit(failures === 0 ? 0 : 1);
}
