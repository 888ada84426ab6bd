import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the scripted SII received it (body as Latin-1, as the SII reads envelopes). */
export interface SiiCall {
  method: string;
  path: string;
  cookie: string | undefined;
  body: string;
}

/**
 * A scripted SII on 127.0.0.1 (port 0): every request is recorded, then answered by `answer`
 * (200 unless it says otherwise). For tests that run the real client wiring, e.g. the Lambda's.
 */
export async function startScriptedSiiServer(
  answer: (call: SiiCall) => Promise<{ status?: number; body: string }> | { status?: number; body: string },
): Promise<{ url: string; calls: SiiCall[]; close(): Promise<void> }> {
  const calls: SiiCall[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const call: SiiCall = {
      method: request.method ?? '',
      path: new URL(request.url ?? '/', 'http://sii').pathname,
      cookie: request.headers.cookie,
      body: Buffer.concat(chunks).toString('latin1'),
    };
    calls.push(call);
    const { status = 200, body } = await answer(call);
    response.writeHead(status, { 'content-type': 'text/xml' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
