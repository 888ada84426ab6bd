/**
 * The `mtd` CLI's entry, bundled into `local/dist/mtd.mjs` (local/scripts/buildCli.mjs) and run by
 * `local/bin/mtd.mjs`. It loads only the command definitions; each command imports what it needs
 * when it runs.
 */
import { runCli } from './cli';

// The AWS SDK's Node 20 deprecation notice is not the user's concern here (TOOLCHAIN.md §9).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.env.INIT_CWD ?? process.cwd(),
});
process.exitCode = exitCode;
// A start that failed half way may hold servers and timers open; a failed command must still end.
if (exitCode !== 0) setTimeout(() => process.exit(exitCode), 500).unref();
