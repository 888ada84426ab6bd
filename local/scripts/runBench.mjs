// `npm run bench | bench:rebuild | bench:idle`: runs a benchmark as bundled with the CLI (see
// buildCli.mjs), built first if a source changed, so it measures the runtime as `npm start` runs it.
// `node scripts/runBench.mjs <bench|rebuild|idle> [arguments of the benchmark]`.
import { builtBench, ensureCliBuilt } from './buildCli.mjs';

const [name, ...args] = process.argv.slice(2);
if (!['bench', 'rebuild', 'idle'].includes(name)) {
  console.error('usage: node scripts/runBench.mjs <bench|rebuild|idle> [arguments]');
  process.exit(2);
}
await ensureCliBuilt();
const entry = builtBench(name);
process.argv = [process.argv[0], entry, ...args];
await import(entry);
