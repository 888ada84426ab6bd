export interface PortalSession {
  /** Order updates received on the live stream so far. */
  readonly updates: number;
  close(): Promise<{ updates: number; bytes: number }>;
}

export class PortalClientError extends Error {
  override readonly name = 'PortalClientError';
}

/**
 * "The portal open", as the browser does it on the dashboard (services/backoffice/web/app.js):
 * sign in, load today's statistics and the last 100 orders, then follow `/api/orders/stream` (SSE
 * over fetch, the token in a header) for the rest of the run. The stream is read and counted, not
 * rendered.
 */
export async function openPortal(url: string, credentials: { username: string; password: string }) {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (login.status !== 200)
    throw new PortalClientError(`sign-in answered ${login.status}: ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  const authorization = { authorization: `Bearer ${token}` };
  for (const path of ['/api/stats', '/api/orders?limit=100']) {
    const response = await fetch(`${url}${path}`, { headers: authorization });
    await response.arrayBuffer();
    if (!response.ok) throw new PortalClientError(`GET ${path} answered ${response.status}`);
  }
  const controller = new AbortController();
  const stream = await fetch(`${url}/api/orders/stream`, {
    headers: authorization,
    signal: controller.signal,
  });
  if (stream.status !== 200 || !stream.body)
    throw new PortalClientError(`the live stream answered ${stream.status}`);
  let updates = 0;
  let bytes = 0;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      // Node's web stream is async-iterable; the DOM typings do not say so.
      for await (const chunk of stream.body! as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        buffer += decoder.decode(chunk, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          if (/^event: ?order$/m.test(buffer.slice(0, cut))) updates++;
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  const session: PortalSession = {
    get updates() {
      return updates;
    },
    async close() {
      controller.abort();
      await reading.catch(() => {});
      return { updates, bytes };
    },
  };
  return session;
}
