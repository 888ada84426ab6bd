// Bundles the mtd CLI (local/src/mtd.ts) into local/dist/ with esbuild, and rebuilds it when a
// source it was built from has changed since. `node local/scripts/buildCli.mjs` builds it now;
// local/bin/mtd.mjs and scripts/start.mjs call ensureCliBuilt() before running it.
//
// Workspace packages (@mtd/*, TypeScript source) are bundled; third-party packages stay imports,
// resolved from the repository's node_modules at run time like any dependency (deep imports as the
// file they resolve to). Code splitting keeps
// `mtd --help` and the queries from loading the runtime: each command imports its heavy parts lazily.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const localDir = resolve(import.meta.dirname, '..');
const repoRoot = resolve(localDir, '..');
export const distDir = join(localDir, 'dist');
export const cliEntry = join(distDir, 'mtd.mjs');
const metaFile = join(distDir, 'mtd.inputs.json');
/**
 * The runtime's worker threads, bundled as entries of their own (local/dist/workers/): from source a
 * worker's .mjs entry registers tsx and loads its TypeScript, which costs each thread a transpiler, a
 * module-hooks thread and transpiled copies of what it loads (the SII simulator's libxml2-wasm: ~150
 * MB through tsx, ~20 MB as plain JavaScript). Each is named by its .ts file; where the bundled code
 * starts one (`new URL('./xWorker.mjs', import.meta.url)` next to xWorker.ts), it starts the build.
 */
const workerSources = [
  'local/src/taxAuthoritySimulatorWorker.ts',
  'services/notification/src/pdf/pdfWorker.ts',
  'services/dte/src/signing/signingWorker.ts',
].map((path) => join(repoRoot, path));
const workerName = (source) => source.split('/').pop().replace(/\.ts$/, '');
const builtWorker = (source) => join(distDir, 'workers', `${workerName(source)}.mjs`);
/**
 * The benchmarks (`npm run bench`, `bench:rebuild`, `bench:idle`), bundled with the CLI so that they
 * run the runtime as `npm start` does (the same bundle, the same bundled workers, no tsx in any
 * thread): a figure of theirs, memory above all, is then the runtime's, not a transpiler's.
 */
const benchSources = ['bench', 'rebuild', 'idle'].map((name) => join(localDir, 'bench', `${name}.ts`));
export const builtBench = (name) => join(distDir, 'bench', `${name}.mjs`);
/** Besides the bundled sources, a change here means a rebuild too. */
const alsoWatched = [fileURLToPath(import.meta.url), join(repoRoot, 'package-lock.json')];

/**
 * True when local/dist/mtd.mjs exists and no file it was built from changed since: one stat per
 * source file (a few hundred, about a millisecond), so every call can afford it.
 */
export function cliBuildIsFresh() {
  if (!existsSync(cliEntry) || !existsSync(metaFile)) return false;
  if (!workerSources.every((source) => existsSync(builtWorker(source)))) return false;
  if (!benchSources.every((source) => existsSync(builtBench(workerName(source))))) return false;
  let meta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch {
    return false;
  }
  for (const input of [...meta.inputs, ...alsoWatched]) {
    try {
      if (statSync(input).mtimeMs > meta.builtAt) return false;
    } catch {
      return false; // a source was moved or deleted
    }
  }
  return true;
}

/** Import-time facts of a module are those of its source file, not of the bundle (see buildCli). */
function keepImportMetaOfSource() {
  return {
    name: 'keep-import-meta-of-source',
    setup(build) {
      build.onResolve({ filter: /^[^./#]/ }, async (args) => {
        if (args.path.startsWith('@mtd/') || args.pluginData === 'resolving') return undefined;
        const parts = args.path.split('/');
        const subpath = parts.length > (args.path.startsWith('@') ? 2 : 1);
        if (!subpath) return { path: args.path, external: true };
        // A deep import (`nodemailer/lib/mail-composer`) may name a folder or omit the extension,
        // which Node's ESM loader refuses: import the file it resolves to instead.
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'resolving',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.external ? args.path : resolved.path, external: true };
      });
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        return {
          loader: 'ts',
          contents: source
            .replace(/new URL\((['"])(\.\.?\/[^'"]+)\.mjs\1, import\.meta\.url\)/g, (call, _quote, entry) => {
              const worker = resolve(dirname(args.path), `${entry}.ts`);
              if (!workerSources.includes(worker)) return call;
              return `new URL(${JSON.stringify(pathToFileURL(builtWorker(worker)).href)})`;
            })
            .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
            .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
            .replaceAll('import.meta.filename', JSON.stringify(args.path)),
        };
      });
    },
  };
}

/**
 * Builds local/dist/mtd.mjs and its chunks (about 0.2 s). Several processes may build at once: each
 * writes into its own folder, then moves the chunks (named by content hash, so equal builds write
 * equal files) and last the entry into place, each move atomic.
 *
 * Modules that find files relative to themselves (`import.meta.url`: the committed schema
 * snapshots, the portal's static files, dynalite's actions through createRequire) keep their source
 * file's location: the bundle is a build of this checkout, never shipped elsewhere.
 */
export async function buildCli() {
  const { build } = await import('esbuild');
  const builtAt = Date.now();
  const staging = join(distDir, `.staging-${process.pid}-${builtAt}`);
  mkdirSync(staging, { recursive: true });
  try {
    const result = await build({
      entryPoints: {
        mtd: join(localDir, 'src', 'mtd.ts'),
        ...Object.fromEntries(workerSources.map((source) => [`workers/${workerName(source)}`, source])),
        ...Object.fromEntries(benchSources.map((source) => [`bench/${workerName(source)}`, source])),
      },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      metafile: true,
      logLevel: 'silent', // errors are reported by the caller; warnings are not the user's business
      absWorkingDir: repoRoot,
      plugins: [keepImportMetaOfSource()],
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(repoRoot, input));
    mkdirSync(join(distDir, 'chunks'), { recursive: true });
    const chunks = readdirSync(join(staging, 'chunks'));
    for (const chunk of chunks) renameSync(join(staging, 'chunks', chunk), join(distDir, 'chunks', chunk));
    // The workers before the entry: a CLI of this build starts these builds of them.
    mkdirSync(join(distDir, 'workers'), { recursive: true });
    for (const source of workerSources)
      renameSync(join(staging, 'workers', `${workerName(source)}.mjs`), builtWorker(source));
    mkdirSync(join(distDir, 'bench'), { recursive: true });
    for (const source of benchSources)
      renameSync(join(staging, 'bench', `${workerName(source)}.mjs`), builtBench(workerName(source)));
    writeFileSync(join(staging, 'mtd.inputs.json'), `${JSON.stringify({ builtAt, inputs }, null, 1)}\n`);
    renameSync(join(staging, 'mtd.inputs.json'), metaFile);
    renameSync(join(staging, 'mtd.mjs'), cliEntry);
    forgetOldChunks(new Set(chunks));
    return { entry: cliEntry, inputs: inputs.length, ms: Date.now() - builtAt };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Chunks of earlier builds, once a day old (a CLI started before the rebuild may still load one). */
function forgetOldChunks(current) {
  const dir = join(distDir, 'chunks');
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const chunk of readdirSync(dir)) {
    if (current.has(chunk)) continue;
    const path = join(dir, chunk);
    if (statSync(path).mtimeMs < dayAgo) rmSync(path, { force: true });
  }
}

/**
 * The CLI's entry, built first when missing or older than its sources. When the sources do not
 * build (someone's change in progress) and an earlier build exists, that one runs, with a warning
 * naming the error: the CLI stays usable while the tree is broken, and says it is not current.
 */
export async function ensureCliBuilt() {
  if (cliBuildIsFresh()) return cliEntry;
  try {
    await buildCli();
  } catch (error) {
    const reason = (error.errors ?? [])
      .slice(0, 3)
      .map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`)
      .join('; ');
    if (!existsSync(cliEntry)) {
      process.stderr.write(`mtd: the CLI does not build: ${reason || error.message}\n`);
      process.exit(1);
    }
    const builtAt = new Date(statSync(cliEntry).mtimeMs).toISOString();
    process.stderr.write(
      `mtd: warning: running the CLI as built at ${builtAt}; the current sources do not build: ${reason || error.message}\n`,
    );
  }
  return cliEntry;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { entry, inputs, ms } = await buildCli();
    console.log(`mtd CLI built: ${entry} (${inputs} sources, ${ms} ms)`);
  } catch (error) {
    for (const e of error.errors ?? [])
      console.error(`${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
    console.error(`mtd CLI not built: ${error.message.split('\n')[0]}`);
    process.exit(1);
  }
}
