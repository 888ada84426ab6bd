import { createServer, type IncomingMessage, request, type Server } from 'node:http';

/** One authorisation AWS makes for a call: the action, the resource and the request's condition keys. */
export interface Authorization {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** One AWS API call as it crossed the wire to an emulator. */
export interface AwsCall {
  /** The access key it was signed with: the function (or role) that made it, `harness` for the test's own. */
  caller: string;
  service: string;
  /** The API operation (`PutItem`, `SendMessageBatch`, `PutEvents`, …). */
  operation: string;
  authorizations: Authorization[];
  status: number;
  requestBytes: number;
  responseBytes: number;
  /** DynamoDB: the capacity the emulator reports (ReturnConsumedCapacity is asked on every call). */
  consumedCapacity?: {
    TableName?: string;
    CapacityUnits?: number;
    ReadCapacityUnits?: number;
    WriteCapacityUnits?: number;
  }[];
  /** EventBridge PutEvents / SQS batch operations: how many entries the call carried. */
  entries?: number;
}

/** What a service's wire request means: its operation and the authorisations it needs. */
export interface WireRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  json?: Record<string, unknown>;
}

export type Describe = (request: WireRequest) => {
  operation: string;
  authorizations: Authorization[];
  entries?: number;
};

/**
 * The access key a caller signs with: its name in hex, since DynamoDB Local accepts only letters and
 * digits in an access key id.
 */
export function accessKeyOf(caller: string): string {
  return Buffer.from(caller, 'utf8').toString('hex');
}

/** The caller of a SigV4 `Authorization` header (`Credential=<key>/<date>/…`). */
export function callerOf(headers: IncomingMessage['headers']): string {
  const match = /Credential=([0-9a-f]+)\//.exec(String(headers.authorization ?? ''));
  return match?.[1] ? Buffer.from(match[1], 'hex').toString('utf8') : 'anonymous';
}

/**
 * A loopback proxy in front of one emulated service that records every call (who, what, on which
 * resource, the bytes each way) into `log`. It sits on the wire, so it sees the calls of any SDK
 * copy a bundle carries, exactly as sent. For DynamoDB it asks for ReturnConsumedCapacity on every
 * call, so the call log holds the units the emulator charged.
 */
export async function startRecordingProxy(options: {
  service: string;
  upstream: string;
  describe: Describe;
  log: AwsCall[];
}): Promise<{ endpoint: string; close(): Promise<void> }> {
  const upstream = new URL(options.upstream);
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    const contentType = String(req.headers['content-type'] ?? '');
    let json: Record<string, unknown> | undefined;
    if (contentType.includes('json') && body.length > 0) json = JSON.parse(body.toString('utf8'));
    const wire: WireRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
      json,
    };
    let described: ReturnType<Describe>;
    try {
      described = options.describe(wire);
    } catch (error) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'EmulatorProxyError', message: String(error) }));
      return;
    }
    const requestBytes = body.length;
    if (options.service === 'dynamodb' && json && !json.ReturnConsumedCapacity) {
      body = Buffer.from(JSON.stringify({ ...json, ReturnConsumedCapacity: 'TOTAL' }));
    }
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
    const upstreamRequest = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      async (upstreamResponse) => {
        const parts: Buffer[] = [];
        for await (const chunk of upstreamResponse) parts.push(chunk as Buffer);
        const response = Buffer.concat(parts);
        const call: AwsCall = {
          caller: callerOf(req.headers),
          service: options.service,
          ...described,
          status: upstreamResponse.statusCode ?? 0,
          requestBytes,
          responseBytes: response.length,
        };
        if (options.service === 'dynamodb' && response.length > 0) {
          try {
            const parsed = JSON.parse(response.toString('utf8')) as { ConsumedCapacity?: unknown };
            const consumed = parsed.ConsumedCapacity;
            if (consumed)
              call.consumedCapacity = (
                Array.isArray(consumed) ? consumed : [consumed]
              ) as AwsCall['consumedCapacity'];
          } catch {
            // not JSON: an error page; the status says enough
          }
        }
        options.log.push(call);
        const responseHeaders = { ...upstreamResponse.headers };
        delete responseHeaders['content-length'];
        delete responseHeaders['transfer-encoding'];
        res.writeHead(upstreamResponse.statusCode ?? 502, {
          ...responseHeaders,
          'content-length': response.length,
        });
        res.end(response);
      },
    );
    upstreamRequest.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    upstreamRequest.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
