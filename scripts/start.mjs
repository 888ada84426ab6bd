// Entry of `npm start`: install if needed, build the CLI if needed, then run `mtd start` with the
// arguments given, in this process. The package.json script is `exec env MALLOC_ARENA_MAX=2 node …
// scripts/start.mjs` (the runtime's heap and malloc settings, docs/decisions.md): with `exec` (and
// env, which execs node in turn), npm's shell becomes this process, so the SIGTERM npm forwards (or Ctrl-C) reaches the
// runtime itself, which drains and exits 0 — and npm with it. Without it the shell dies of the
// signal and leaves the runtime running with no parent.
import { join } from 'node:path';

await import('./ensure-install.mjs');
const { ensureCliBuilt } = await import(join(import.meta.dirname, '..', 'local', 'scripts', 'buildCli.mjs'));
const cli = await ensureCliBuilt();
process.argv = [process.argv[0], cli, 'start', ...process.argv.slice(2)];
await import(cli);
