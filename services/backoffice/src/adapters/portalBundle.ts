import { copyFileSync, mkdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BuildOptions, build, buildSync } from 'esbuild';

/** Where the portal's sources are: `web/` (index.html, portal.css, src/main.ts). */
export const portalSourceDir = join(import.meta.dirname, '..', '..', 'web');

export interface PortalFile {
  /** The URL path it is served at, and its key in the S3 bucket without the leading slash. */
  path: string;
  contentType: string;
  body: Uint8Array;
}

/**
 * The portal as the browser gets it: index.html, portal.css and one ES module bundling the Preact +
 * htm app with chart.js (esbuild, in memory, ~0.3 s). The same files are served locally and uploaded
 * to S3 on AWS, so what the browser tests check is what CloudFront serves.
 */
const bundleOptions = {
  entryPoints: [join(portalSourceDir, 'src', 'main.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'silent',
} satisfies BuildOptions;

export async function buildPortal(): Promise<PortalFile[]> {
  const result = await build({ ...bundleOptions, write: false, outfile: 'portal.js' });
  const script = result.outputFiles[0];
  if (!script) throw new Error('esbuild produced no portal bundle');
  return [
    {
      path: '/index.html',
      contentType: 'text/html; charset=utf-8',
      body: await readFile(join(portalSourceDir, 'index.html')),
    },
    {
      path: '/assets/portal.css',
      contentType: 'text/css; charset=utf-8',
      body: await readFile(join(portalSourceDir, 'portal.css')),
    },
    { path: '/assets/portal.js', contentType: 'text/javascript; charset=utf-8', body: script.contents },
  ];
}

/** Writes the built portal under `dir` (the CDK asset uploaded to the portal bucket). */
export async function writePortal(dir: string): Promise<void> {
  for (const file of await buildPortal()) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.body);
  }
}

/**
 * The same files written under `dir`, synchronously: CDK's local bundling of the portal asset
 * (`tryBundle` cannot wait for a promise).
 */
export function writePortalSync(dir: string): void {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  buildSync({ ...bundleOptions, outfile: join(dir, 'assets', 'portal.js') });
  copyFileSync(join(portalSourceDir, 'index.html'), join(dir, 'index.html'));
  copyFileSync(join(portalSourceDir, 'portal.css'), join(dir, 'assets', 'portal.css'));
}
