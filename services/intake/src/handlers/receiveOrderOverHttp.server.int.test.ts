import { Agent, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Sources } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeHttpApp, httpServerLimits } from '#handlers/receiveOrderOverHttp';
import { aPurchaseOrder, orderXml } from '#src/testing/orderBuilders';
import { aClock } from '#src/testing/testClock';

// POST /orders on a real Node server on loopback, served as the local runtime serves it.

let engine: TestEngine;
let server: Server;
let port: number;

beforeAll(async () => {
  engine = await startTestEngine();
  const app = createIntakeHttpApp({
    store: engine.storeFor(Sources.intake),
    clock: aClock(),
    ids: ulidGenerator(),
  });
  server = serve({
    fetch: app.fetch,
    port: 0,
    hostname: '127.0.0.1',
    serverOptions: { ...httpServerLimits },
  }) as Server;
  await new Promise<void>((resolve) => {
    if (server.listening) resolve();
    else server.once('listening', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await engine.close();
});

interface Sent {
  status: number;
  body: string;
  reusedSocket: boolean;
}

/** One POST through `agent`, writing the body in 1 MiB chunks (with a length, or chunked). */
function send(
  agent: Agent,
  body: Buffer,
  options: { chunked?: boolean; contentType?: string } = {},
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/orders',
        method: 'POST',
        agent,
        headers: {
          'content-type': options.contentType ?? 'application/xml',
          ...(options.chunked ? {} : { 'content-length': body.length }),
        },
      },
      (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, reusedSocket: req.reusedSocket }),
        );
      },
    );
    req.on('error', reject);
    let offset = 0;
    const write = () => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, offset + 1024 * 1024);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

describe('POST /orders on a real server', () => {
  it('answers a 50 MB body with 413 and keeps the connection: the next order goes on the same socket', async () => {
    const fifty = Buffer.alloc(50 * 1024 * 1024, 'a');
    for (const chunked of [false, true]) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const refused = await send(agent, fifty, { chunked });
        expect(refused.status).toBe(413);
        expect(JSON.parse(refused.body)).toMatchObject({
          error: expect.stringMatching(/^the order is larger than the 64 KiB limit/),
        });
        const order = Buffer.from(orderXml(aPurchaseOrder({ orderId: `SRV-${chunked ? 'C' : 'L'}` })));
        const next = await send(agent, order);
        expect(next.status).toBe(202);
        expect(next.reusedSocket).toBe(true);
      } finally {
        agent.destroy();
      }
    }
  });

  it('answers fetch too: a 50 MB body gets its 413, not a reset', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/orders`, {
      method: 'POST',
      body: Buffer.alloc(50 * 1024 * 1024, 'a'),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ limit: 64 * 1024 });
  });

  it('runs with the exported limits on slow clients', () => {
    expect(server.requestTimeout).toBe(httpServerLimits.requestTimeout);
    expect(server.headersTimeout).toBe(httpServerLimits.headersTimeout);
    expect(server.keepAliveTimeout).toBe(httpServerLimits.keepAliveTimeout);
    expect(server.maxHeadersCount === null || server.maxHeadersCount >= 0).toBe(true);
  });
});
