import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCall } from './callLog';
import { callerOf } from './callLog';

/** The secret access key every emulated principal signs with (cloudHarness's `environmentOf`). */
const emulatedSecretKey = 'emulated';

/** An HTTP request as it reached the emulated front door. */
interface ReceivedRequest {
  method: string;
  rawPath: string;
  rawQueryString: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A handler's answer in payload format 2.0 (HTTP API and function URLs). */
interface PayloadV2Result {
  statusCode?: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

const textTypes = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+(json|xml))/i;

/**
 * The event a function gets from an HTTP API or a function URL (payload format 2.0): headers
 * lower-cased with repeats joined by commas, cookies apart, a text body as is and any other body in
 * base64 (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads).
 */
function payloadV2Event(
  request: ReceivedRequest,
  context: { apiId: string; domainName: string; accountId: string; authorizer?: unknown },
) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined && name !== 'cookie') headers[name] = [value].flat().join(',');
  const cookies = request.headers.cookie?.split(';').map((cookie) => cookie.trim());
  const query = new URLSearchParams(request.rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(',');
  const contentType = String(request.headers['content-type'] ?? '');
  const isText = textTypes.test(contentType);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(request.rawQueryString ? { queryStringParameters } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      ...(context.authorizer ? { authorizer: context.authorizer } : {}),
      domainName: context.domainName,
      domainPrefix: context.domainName.split('.')[0],
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length > 0
      ? {
          body: isText ? request.body.toString('utf8') : request.body.toString('base64'),
          isBase64Encoded: !isText,
        }
      : { isBase64Encoded: false }),
  };
}

/**
 * Writes a function's answer as the HTTP API / function URL would: a result with `statusCode` is a
 * response; anything else is a 200 with the result as its JSON body.
 */
function sendResult(res: ServerResponse, result: unknown): number {
  const shaped =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as PayloadV2Result)
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  const body = shaped.body
    ? Buffer.from(shaped.body, shaped.isBase64Encoded ? 'base64' : 'utf8')
    : Buffer.alloc(0);
  const headers: Record<string, string | string[]> = { ...shaped.headers };
  for (const [name, values] of Object.entries(shaped.multiValueHeaders ?? {})) headers[name] = values;
  if (shaped.cookies?.length) headers['set-cookie'] = shaped.cookies;
  headers['content-length'] = String(body.length);
  const status = shaped.statusCode ?? 200;
  res.writeHead(status, headers);
  res.end(body);
  return status;
}

async function receive(req: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://emulated');
  return {
    method: req.method ?? 'GET',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: req.headers,
    body: Buffer.concat(chunks),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): number {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return status;
}

async function listen(server: Server): Promise<{ endpoint: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Checks a request's SigV4 signature as AWS does: the canonical request is rebuilt from what came
 * over the wire (the headers the signature names, `Host` with its port included, the path and query,
 * the body's hash) and signed again with the caller's key; the signature must be the same. Re-signing
 * with the SDK's own signer (@smithy/signature-v4) is the whole of a verifier: no maintained npm
 * package verifies SigV4 on the server side. Returns why it fails, or undefined when it holds.
 */
export async function sigV4Mismatch(
  request: ReceivedRequest,
  expected: { service: string; region: string },
): Promise<string | undefined> {
  const authorization = String(request.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) return 'no SigV4 Authorization header';
  const [, accessKeyId, , region, service, signedHeaderList, signature] = match as unknown as string[];
  if (service !== expected.service) return `signed for service ${service}, not ${expected.service}`;
  if (region !== expected.region) return `signed for region ${region}, not ${expected.region}`;
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const dated = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dated) return `X-Amz-Date "${amzDate}" is not a SigV4 date`;
  const [, y, mo, d, h, mi, s] = dated;
  const signingDate = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  const payloadHash = createHash('sha256').update(request.body).digest('hex');
  const claimedHash = request.headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== payloadHash && claimedHash !== 'UNSIGNED-PAYLOAD')
    return 'X-Amz-Content-SHA256 is not the hash of the body';
  const headers: Record<string, string> = {};
  for (const name of String(signedHeaderList).split(';'))
    headers[name] = [request.headers[name] ?? ''].flat().join(',');
  const query: Record<string, string | string[]> = {};
  const params = new URLSearchParams(request.rawQueryString);
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  const signer = new SignatureV4({
    service,
    region,
    credentials: {
      accessKeyId: String(accessKeyId),
      secretAccessKey: emulatedSecretKey,
      sessionToken: request.headers['x-amz-security-token'] as string | undefined,
    },
    sha256: Sha256,
    applyChecksum: false,
  });
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: String(request.headers.host ?? '').replace(/:\d+$/, ''),
      path: request.rawPath,
      query,
      headers,
      body: request.body.length > 0 ? request.body : undefined,
    },
    { signingDate, signableHeaders: new Set(Object.keys(headers)) },
  );
  const ours = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization))?.[1];
  return ours === signature
    ? undefined
    : `the signature does not match the request as received (signed headers: ${signedHeaderList}; host on the wire: ${request.headers.host})`;
}

/**
 * A Lambda function URL on loopback: `AuthType AWS_IAM` requires a valid SigV4 signature for the
 * `lambda` service (403 otherwise, as Lambda answers), records the call as `lambda:InvokeFunctionUrl`
 * on the function with `lambda:FunctionUrlAuthType` (for the IAM check against the caller's role),
 * then invokes the function with the payload-2.0 event and writes its answer back.
 */
export async function startFunctionUrl(options: {
  functionArn: string;
  authType: 'AWS_IAM' | 'NONE';
  region: string;
  account: string;
  /** The caller's role ARN (callers sign with their function name as access key). */
  roleArnOf: (caller: string) => string | undefined;
  invoke: (event: unknown) => Promise<unknown>;
  log: AwsCall[];
}): Promise<{ endpoint: string; close(): Promise<void> }> {
  const urlId = createHash('sha256').update(options.functionArn).digest('hex').slice(0, 32);
  const domainName = `${urlId}.lambda-url.${options.region}.on.aws`;
  const server = createServer(async (req, res) => {
    const request = await receive(req);
    const caller = callerOf(req.headers);
    const call: AwsCall = {
      caller,
      service: 'lambda',
      operation: 'InvokeFunctionUrl',
      authorizations: [
        {
          action: 'lambda:InvokeFunctionUrl',
          resource: options.functionArn,
          context: { 'lambda:FunctionUrlAuthType': options.authType },
        },
      ],
      status: 0,
      requestBytes: request.body.length,
      responseBytes: 0,
    };
    options.log.push(call);
    let authorizer: unknown;
    if (options.authType === 'AWS_IAM') {
      const mismatch = await sigV4Mismatch(request, { service: 'lambda', region: options.region });
      if (mismatch) {
        // Refused before any policy is evaluated: an unauthenticated request is authorised for nothing.
        call.authorizations = [];
        call.status = reply(res, 403, { Message: `Forbidden: ${mismatch}` });
        return;
      }
      const roleArn = options.roleArnOf(caller);
      authorizer = {
        iam: {
          accessKey: callerOf(req.headers),
          accountId: options.account,
          callerId: `AROAEMULATED:${caller}`,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: roleArn
            ? `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${caller}`
            : `arn:aws:iam::${options.account}:user/${caller}`,
          userId: `AROAEMULATED:${caller}`,
        },
      };
    }
    try {
      const result = await options.invoke(
        payloadV2Event(request, { apiId: urlId, domainName, accountId: options.account, authorizer }),
      );
      call.status = sendResult(res, result);
    } catch (error) {
      // An unhandled function error: the function URL answers 502.
      call.status = reply(res, 502, { Message: `Internal Server Error: ${String(error)}` });
    }
  });
  return listen(server);
}

/**
 * An API Gateway HTTP API on loopback with its `$default` route to a Lambda proxy integration
 * (payload format 2.0): the viewer's request becomes the event, the function's answer the response.
 * Viewer requests are not AWS calls of a principal, so nothing is recorded.
 */
export async function startHttpApi(options: {
  apiId: string;
  region: string;
  account: string;
  invoke: (event: unknown) => Promise<unknown>;
}): Promise<{ endpoint: string; close(): Promise<void> }> {
  const domainName = `${options.apiId}.execute-api.${options.region}.amazonaws.com`;
  const server = createServer(async (req, res) => {
    const request = await receive(req);
    try {
      sendResult(
        res,
        await options.invoke(
          payloadV2Event(request, { apiId: options.apiId, domainName, accountId: options.account }),
        ),
      );
    } catch {
      // The integration failed: HTTP APIs answer 500 with this body.
      reply(res, 500, { message: 'Internal Server Error' });
    }
  });
  return listen(server);
}
