import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';

const portalDir = join(import.meta.dirname, '..', '..', 'web');
const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

const files: Record<string, { path: string; type: string }> = {
  '/': { path: join(portalDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/assets/app.js': { path: join(portalDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/i18n.js': { path: join(portalDir, 'i18n.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/portal.css': { path: join(portalDir, 'portal.css'), type: 'text/css; charset=utf-8' },
  '/assets/chart.umd.min.js': { path: chartJs, type: 'text/javascript; charset=utf-8' },
};

/**
 * The back-office portal: static files (vanilla ES modules and chart.js, no build step), public;
 * everything it shows comes from the `/api` routes with the signed-in user's token.
 */
export function createPortalApp(): Hono {
  const app = new Hono();
  for (const [route, file] of Object.entries(files)) {
    app.get(route, async (c) =>
      c.body(await readFile(file.path), 200, {
        'content-type': file.type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        ...(route === '/'
          ? {
              'content-security-policy':
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
              'x-frame-options': 'DENY',
            }
          : {}),
      }),
    );
  }
  return app;
}
