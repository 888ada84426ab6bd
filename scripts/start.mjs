// Entry of `npm start`: install if needed, then run `mtd start` with the arguments given.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

await import('./ensure-install.mjs');
const root = join(import.meta.dirname, '..');
const child = spawn(
  process.execPath,
  [join(root, 'local', 'bin', 'mtd.mjs'), 'start', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
