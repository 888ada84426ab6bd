import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { assemblyDir, emulatedTarget } from './cloudTier';
import { Deployment, readCloudAssembly } from './deployment';
import { lambdaFunctions, lambdaRuntimeEnvironment, unpackBundle } from './lambdaFunctions';

const run = promisify(execFile);
const deployment = new Deployment(readCloudAssembly(assemblyDir), emulatedTarget('http://127.0.0.1:1'));
const functions = lambdaFunctions(deployment, assemblyDir);
const root = mkdtempSync(join(tmpdir(), 'mtd-cloud-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// What Lambda's Node.js runtime does with `_HANDLER`: the first of <file>.mjs/.js/.cjs in the
// task root, imported as a module, then the named export.
const lambdaLoader = `
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [file, name] = process.env._HANDLER.split('.');
const path = ['.mjs', '.js', '.cjs'].map((ext) => join(process.env.LAMBDA_TASK_ROOT, file + ext)).find(existsSync);
if (!path) throw new Error('no ' + file + '.mjs/.js/.cjs in the task root');
const module = await import(pathToFileURL(path).href);
console.log(JSON.stringify({ node: process.version, handler: typeof module[name] }));
`;

describe('every synthesised function loads the way Lambda loads it', () => {
  it('runs on Node 24, the runtime the templates declare', () => {
    expect(new Set(functions.map((fn) => fn.runtime))).toEqual(new Set(['nodejs24.x']));
    expect(process.version).toMatch(/^v24\./);
  });

  it.each(functions.map((fn) => [fn.name, fn] as const))('%s', async (_, fn) => {
    const taskRoot = unpackBundle(fn, root);
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', lambdaLoader], {
      cwd: taskRoot,
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: 'ASIAEMULATED',
        AWS_SECRET_ACCESS_KEY: 'emulated',
        AWS_SESSION_TOKEN: 'emulated',
        ...lambdaRuntimeEnvironment(fn, taskRoot, deployment.target.region),
        ...fn.environment,
      },
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({
      node: process.version,
      handler: 'function',
    });
  });
});
