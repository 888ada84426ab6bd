import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One request to the SII, whole: its body is sent at once and its answer read to the end. */
export interface SiiRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** The whole exchange (connect, send, answer to its last byte); later, it fails with {@link SiiTimeoutError}. */
  timeoutMs: number;
}

/** The SII's answer: the status and the body's bytes (the client decodes them by their declared charset). */
export interface SiiResponse {
  status: number;
  statusText: string;
  contentType: string | null;
  body: Buffer;
}

/** How the client reaches the SII. Tests pass a scripted one; the default is {@link nodeHttpTransport}. */
export type SiiTransport = (request: SiiRequest) => Promise<SiiResponse>;

/** No complete answer within the request's `timeoutMs`; the request was destroyed. */
export class SiiTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * The SII over `node:http`/`node:https` with keep-alive agents, one per transport. Node core rather
 * than `fetch`: WHATWG fetch (undici) costs ~0.4 ms of CPU per call against ~0.1 ms here, and the
 * client needs none of what it adds; undici as a package would add ~500 KB to the Lambda bundle.
 *
 * A kept-alive connection can be closed by the SII (or a proxy) while idle, or be dead after a Lambda
 * was frozen between invocations; the next request on it then fails with ECONNRESET before any answer.
 * Such a request is sent once more on a new connection, as Node's documentation advises
 * (`request.reusedSocket`), within the same `timeoutMs`. Only then: a reset on a new connection, or
 * after the answer began, is the SII's, and fails. Repeating an upload at once is no riskier than the
 * subscription's own retry of a failed one, which sends it again later.
 */
export function nodeHttpTransport(): SiiTransport {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return ({ method, url, headers = {}, body, timeoutMs }) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const payload = body === undefined ? undefined : Buffer.from(body);
    const options = {
      method,
      agent: secure ? agents.https : agents.http,
      headers: payload === undefined ? headers : { ...headers, 'content-length': String(payload.length) },
    };
    const deadline = performance.now() + timeoutMs;
    const attempt = (mayResend: boolean) =>
      new Promise<SiiResponse>((resolve, reject) => {
        const request = (secure ? httpsRequest : httpRequest)(target, options);
        let answered = false;
        const timer = setTimeout(
          () => request.destroy(new SiiTimeoutError(`no answer within ${timeoutMs} ms`)),
          Math.max(0, deadline - performance.now()),
        );
        const fail = (error: Error) => {
          clearTimeout(timer);
          const staleConnection =
            mayResend &&
            !answered &&
            request.reusedSocket &&
            (error as NodeJS.ErrnoException).code === 'ECONNRESET';
          if (staleConnection) resolve(attempt(false));
          else reject(error);
        };
        request.on('error', fail);
        request.on('response', (response) => {
          answered = true;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: response.statusCode ?? 0,
              statusText: response.statusMessage ?? '',
              contentType: response.headers['content-type'] ?? null,
              body: Buffer.concat(chunks),
            });
          });
        });
        request.end(payload);
      });
    return attempt(true);
  };
}
