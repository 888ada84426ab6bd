/**
 * The `mtd` CLI's entry, bundled into `local/dist/mtd.mjs` (local/scripts/buildCli.mjs) and run by
 * `local/bin/mtd.mjs`. It loads only the command definitions; each command imports what it needs
 * when it runs.
 */
import { runCli } from './cli';

// The AWS SDK's Node 20 deprecation notice is not the user's concern here (TOOLCHAIN.md §9).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that stops early (`mtd orders | head -1`) closes the pipe: stop quietly, as Unix tools
// do, instead of dying on the unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.env.INIT_CWD ?? process.cwd(),
});
process.exitCode = exitCode;
// A start that failed half way may hold servers and timers open; a failed command must still end.
if (exitCode !== 0) setTimeout(() => process.exit(exitCode), 500).unref();
