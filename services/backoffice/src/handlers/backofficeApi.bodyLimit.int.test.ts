import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySignInAttempts } from '#adapters/dynamoSignInAttempts';
import type { DynamoUsers } from '#adapters/dynamoUsers';
import { ProjectionQueryClient } from '#adapters/projectionQueryClient';
import { createBackofficeApi, maxJsonBodyBytes } from '#handlers/backofficeApi';

// The back office's JSON endpoints refuse big bodies without reading them: a 40 MB sign-in gets
// 413 from a real server, the handler never runs, and the connection stays usable.

let server: Server;
let port: number;
const lookups: string[] = [];

beforeAll(async () => {
  const users = {
    get: async (username: string) => {
      lookups.push(username);
      return undefined;
    },
  } as unknown as DynamoUsers;
  const app = createBackofficeApi({
    users,
    secret: new Uint8Array(32),
    readModels: new ProjectionQueryClient({ fetch: async () => new Response('{}', { status: 404 }) }),
    signInAttempts: new InMemorySignInAttempts(),
    backofficeStore: {} as never,
    clock: { now: () => new Date('2026-11-24T10:00:00Z') },
    ids: { next: () => '01J0000000000000000000000' },
    clientAddress: () => '127.0.0.1',
  });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve) => {
    if (server.listening) resolve();
    else server.once('listening', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function signIn(agent: Agent, body: Buffer, chunked: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/auth/login',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          ...(chunked ? {} : { 'content-length': body.length }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
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

describe('back office body limit', () => {
  it('answers a 40 MB sign-in with 413 without running the handler, with or without a declared length', async () => {
    const huge = Buffer.from(`{"username":"admin","password":"${'x'.repeat(40 * 1024 * 1024)}"}`);
    for (const chunked of [false, true]) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const refused = await signIn(agent, huge, chunked);
        expect(refused.status).toBe(413);
        expect(JSON.parse(refused.body)).toEqual({
          error: 'PayloadTooLarge',
          message: `the body is over the ${maxJsonBodyBytes / 1024} KiB limit of this endpoint`,
        });
        expect(lookups).toEqual([]);
      } finally {
        agent.destroy();
      }
    }
    // A sign-in of ordinary size still reaches the handler.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const wrong = await signIn(
        agent,
        Buffer.from('{"username":"admin","password":"wrong-password"}'),
        false,
      );
      expect(wrong.status).toBe(401);
      expect(lookups).toEqual(['admin']);
    } finally {
      agent.destroy();
    }
  });
});
