import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpTransport, SiiTimeoutError } from './siiTransport';

/** What the server saw of each request, and on which connection. */
const seen: { method?: string; path?: string; cookie?: string; body: string; connection: number }[] = [];
const connections = new Map<Socket, number>();
/** Connections whose next request is answered by a TCP reset, as an idle connection the SII closed. */
const resetNext = new Set<Socket>();
let server: Server;
let url: string;

async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.url === '/reset' || resetNext.delete(request.socket)) {
    seen.push({
      method: request.method,
      path: request.url,
      body: '',
      connection: connections.get(request.socket) ?? -1,
    });
    request.socket.resetAndDestroy();
    return;
  }
  if (request.url === '/close-after') resetNext.add(request.socket);
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  seen.push({
    method: request.method,
    path: request.url,
    cookie: request.headers.cookie,
    body: Buffer.concat(chunks).toString('latin1'),
    connection: connections.get(request.socket) ?? -1,
  });
  if (request.url === '/silent') return; // never answers
  if (request.url === '/half') {
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.write('<RESPUESTA>'); // starts the answer, never ends it
    return;
  }
  if (request.url === '/busy') {
    response.writeHead(503, 'Service Unavailable').end();
    return;
  }
  response
    .writeHead(200, 'OK', { 'content-type': 'text/xml; charset=ISO-8859-1' })
    .end(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><R>Ñandú</R>', 'latin1'));
}

beforeAll(async () => {
  server = createServer((request, response) => void serve(request, response));
  server.on('connection', (socket) => connections.set(socket, connections.size));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

describe('nodeHttpTransport (the SII client over node:http)', () => {
  it('sends the method, headers and Latin-1 body, and answers the status, content type and raw bytes', async () => {
    const send = nodeHttpTransport();
    const response = await send({
      method: 'POST',
      url: `${url}/sii/upload?rutSender=1-9`,
      headers: { 'content-type': 'application/xml; charset=ISO-8859-1', cookie: 'TOKEN=TK1' },
      body: Buffer.from('<EnvioBOLETA>Ñ</EnvioBOLETA>', 'latin1'),
      timeoutMs: 5_000,
    });
    expect(response.status).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.contentType).toBe('text/xml; charset=ISO-8859-1');
    expect(response.body.toString('latin1')).toBe('<?xml version="1.0" encoding="ISO-8859-1"?><R>Ñandú</R>');
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      path: '/sii/upload?rutSender=1-9',
      cookie: 'TOKEN=TK1',
      body: '<EnvioBOLETA>Ñ</EnvioBOLETA>',
    });
    const busy = await send({ method: 'GET', url: `${url}/busy`, timeoutMs: 5_000 });
    expect(busy).toMatchObject({ status: 503, statusText: 'Service Unavailable', contentType: null });
    expect(busy.body).toHaveLength(0);
  });

  it('reuses one connection for calls one after the other', async () => {
    const send = nodeHttpTransport();
    const before = seen.length;
    for (let i = 0; i < 3; i++) await send({ method: 'GET', url: `${url}/sii/semilla`, timeoutMs: 5_000 });
    const used = new Set(seen.slice(before).map((s) => s.connection));
    expect(used.size).toBe(1);
  });

  it('fails with a timeout when the answer does not come, or does not finish, within timeoutMs', async () => {
    for (const path of ['/silent', '/half']) {
      const send = nodeHttpTransport();
      const opened = connections.size;
      const request = send({ method: 'GET', url: `${url}${path}`, timeoutMs: 100 });
      await expect(request).rejects.toBeInstanceOf(SiiTimeoutError);
      await expect(request).rejects.toThrow('no answer within 100 ms');
      // The request was destroyed with its connection: the next call opens another.
      await send({ method: 'GET', url: `${url}/sii/semilla`, timeoutMs: 5_000 });
      expect(seen.at(-1)?.connection).toBe(opened + 1);
    }
  });

  it('sends once more, on a new connection, a request whose kept-alive connection was reset before any answer', async () => {
    const send = nodeHttpTransport();
    await send({ method: 'GET', url: `${url}/close-after`, timeoutMs: 5_000 });
    const before = seen.length;
    const response = await send({
      method: 'POST',
      url: `${url}/sii/upload`,
      body: Buffer.from('<EnvioDTE/>', 'latin1'),
      timeoutMs: 5_000,
    });
    expect(response.status).toBe(200);
    const attempts = seen.slice(before);
    expect(attempts.map((s) => [s.path, s.body])).toEqual([
      ['/sii/upload', ''],
      ['/sii/upload', '<EnvioDTE/>'],
    ]);
    expect(attempts[1]!.connection).not.toBe(attempts[0]!.connection);
  });

  it('does not send again when a new connection is reset: that is the SII failing', async () => {
    const before = seen.length;
    await expect(
      nodeHttpTransport()({ method: 'GET', url: `${url}/reset`, timeoutMs: 5_000 }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen.length - before).toBe(1);
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');
    await expect(
      nodeHttpTransport()({ method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 5_000 }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
