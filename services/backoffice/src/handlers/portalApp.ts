import { Hono } from 'hono';
import { buildPortal, type PortalFile } from '#adapters/portalBundle';

/**
 * The headers every portal answer carries, locally and (as a CloudFront response headers policy) on
 * AWS: a strict CSP (scripts only from the portal's origin; chart.js sets inline canvas styles),
 * no framing, no sniffing, no referrer to other sites.
 */
export const portalSecurityHeaders = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
} as const;

/**
 * The back-office portal, public: its files are built once (on the first request) by
 * {@link buildPortal}; everything it shows comes from the `/api` routes with the user's token.
 */
export function createPortalApp(): Hono {
  const app = new Hono();
  let files: Promise<Map<string, PortalFile>> | undefined;
  const load = () => {
    files ??= buildPortal().then((list) => new Map(list.map((file) => [file.path, file])));
    // A failed build is tried again on the next request, not cached.
    files.catch(() => {
      files = undefined;
    });
    return files;
  };
  const serve = (path: string) => async (c: import('hono').Context) => {
    const file = (await load()).get(path);
    if (!file) return c.notFound();
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, {
      'content-type': file.contentType,
      'cache-control': 'no-cache',
      ...portalSecurityHeaders,
    });
  };
  app.get('/', serve('/index.html'));
  app.get('/index.html', serve('/index.html'));
  app.get('/assets/portal.js', serve('/assets/portal.js'));
  app.get('/assets/portal.css', serve('/assets/portal.css'));
  return app;
}
