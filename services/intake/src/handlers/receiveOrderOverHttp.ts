import { correlationIdKey, serviceLogger } from '@mtd/platform';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import {
  decodeUtf8,
  maxOrderBytes,
  OrderDocumentError,
  type OrderFormat,
  type ParsedOrder,
  parseOrderDocument,
} from '#adapters/orderDocumentParser';
import { type IntakeHandlerDeps, receiveCandidateOrder } from '#handlers/receiveCandidateOrder';

// A Map, not an object literal: a header value like `__proto__` must not find a prototype member.
const formatsByMediaType = new Map<string, OrderFormat>([
  ['application/xml', 'xml'],
  ['text/xml', 'xml'],
  ['application/json', 'json'],
]);

/**
 * Limits for the Node HTTP server that serves the intake app (and the rest of the local runtime):
 * pass them as `serverOptions` to `serve()`. A client that trickles its headers or body is cut off
 * (Node answers 408 and closes), so a few slow connections cannot hold the server.
 *
 * @example serve({ fetch: app.fetch, port, hostname, serverOptions: { ...httpServerLimits } })
 */
export const httpServerLimits = {
  /** The whole request, headers and body, must arrive within 30 s. */
  requestTimeout: 30_000,
  /** The headers must arrive within 10 s (slowloris). */
  headersTimeout: 10_000,
  /** An idle keep-alive connection is closed after 5 s. */
  keepAliveTimeout: 5_000,
  /** How often Node looks for connections past those timeouts (its default, 30 s, lets them linger). */
  connectionsCheckingInterval: 1_000,
  /** Headers over 16 KiB are refused with 431. */
  maxHeaderSize: 16 * 1024,
} as const;

/** Options of the intake HTTP app; the defaults suit production. */
export interface IntakeHttpOptions {
  /** The body must arrive within this, or 408 (the server's own `requestTimeout` is the outer bound). */
  bodyTimeoutMs?: number;
  /**
   * Runs before anything else on `POST /orders`: the partner key check where no API Gateway does it
   * (`requirePartnerKey`). Behind API Gateway (the Lambda) there is none: the gateway checked the key.
   */
  gate?: MiddlewareHandler;
}

/**
 * A body over the limit is read and thrown away up to this size before the 413 is sent, so the
 * client reads its answer and the connection stays usable (answering mid-upload makes many clients
 * see a reset instead of the 413). Past it, or with a declared length past it, the answer goes at
 * once and the connection is closed.
 */
export const maxDiscardedBodyBytes = 64 * 1024 * 1024;
const defaultBodyTimeoutMs = 20_000;

/**
 * The intake HTTP API: `POST /orders` with one order (XML or JSON).
 *
 * 202 accepted (only after the events are stored) · 400 rejected (recorded, with every problem and
 * its path) or unreadable (not recorded) · 408 the body did not arrive in time · 409 the id was
 * accepted with other content · 413 over 64 KiB, or too big to store · 415 not XML/JSON. A resend of
 * identical content answers as the original did, plus `duplicate: true`. A bad input never gets a 5xx;
 * 500 means the store failed, and an identical resend is safe.
 *
 * @example
 * const app = createIntakeHttpApp({ store, clock: systemClock, ids: ulidGenerator() });
 * serve({ fetch: app.fetch, port: 3001, serverOptions: { ...httpServerLimits } });
 */
export function createIntakeHttpApp(deps: IntakeHandlerDeps, options: IntakeHttpOptions = {}): Hono {
  const app = new Hono();
  const bodyTimeoutMs = options.bodyTimeoutMs ?? defaultBodyTimeoutMs;
  if (options.gate) app.use('/orders', options.gate);

  app.post('/orders', async (c) => {
    const requestId = deps.ids.next();
    c.header('x-request-id', requestId);
    // Everything that can be judged from the headers is judged before a byte of the body is read.
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const format = formatsByMediaType.get(mediaType);
    if (!format) {
      return c.json(
        {
          error: `unsupported content-type ${JSON.stringify(mediaType)}: send application/xml, text/xml or application/json`,
        },
        415,
      );
    }
    const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      return c.json(
        { error: `unsupported content-encoding ${JSON.stringify(encoding)}: send the order uncompressed` },
        415,
      );
    }
    const body = await readBody(c.req.raw, maxOrderBytes, bodyTimeoutMs);
    if (body.kind === 'too_large') {
      if (!body.drained) c.header('connection', 'close');
      const size =
        body.declared !== undefined ? `declared ${body.declared} bytes` : `over ${body.received} bytes`;
      return c.json(
        {
          error: `the order is larger than the ${maxOrderBytes / 1024} KiB limit (${size}); send one order per request, a batch as a file`,
          limit: maxOrderBytes,
        },
        413,
      );
    }
    if (body.kind === 'timeout') {
      c.header('connection', 'close');
      return c.json({ error: `the body did not arrive within ${bodyTimeoutMs / 1000} s` }, 408);
    }
    let parsed: ParsedOrder;
    try {
      parsed = parseOrderDocument(decodeUtf8(body.bytes), format);
    } catch (error) {
      if (error instanceof OrderDocumentError) {
        return c.json(
          { error: 'the order could not be read and was not recorded', problems: error.problems },
          400,
        );
      }
      throw error;
    }
    const result = await receiveCandidateOrder(deps, {
      candidate: parsed.candidate,
      problems: parsed.problems,
      raw: parsed.raw,
      format,
      via: 'http',
      causationId: requestId,
    });
    switch (result.outcome) {
      case 'accepted':
        return c.json(
          { orderId: result.orderId, status: 'accepted', ...duplicateFlag(result.duplicate) },
          202,
        );
      case 'rejected':
        return c.json(
          {
            orderId: result.orderId,
            status: 'rejected',
            problems: result.problems,
            ...duplicateFlag(result.duplicate),
          },
          400,
        );
      case 'conflict':
        return c.json({ orderId: result.orderId, status: 'conflict', error: result.message }, 409);
      case 'unidentified':
        return c.json(
          { error: 'the order has no usable id and was not recorded', problems: result.problems },
          400,
        );
      case 'too_large':
        return c.json(
          {
            orderId: result.orderId,
            error: result.problems[0]!.message,
            problems: result.problems,
            bytes: result.bytes,
            limit: result.limit,
          },
          413,
        );
      default: {
        const unreachable: never = result;
        throw new Error(`unknown outcome ${JSON.stringify(unreachable)}`);
      }
    }
  });

  app.onError((error, c) => internalError(c, error));

  return app;
}

const logger = serviceLogger('intake');

function internalError(c: Context, error: unknown): Response {
  logger.error('POST /orders failed', {
    [correlationIdKey]: c.req.header('x-order-id'),
    error: error instanceof Error ? error : new Error(String(error)),
  });
  return c.json({ error: 'internal error; retry the same order (an identical resend is safe)' }, 500);
}

function duplicateFlag(duplicate: boolean): { duplicate?: true } {
  return duplicate ? { duplicate: true } : {};
}

type BodyRead =
  | { kind: 'body'; bytes: Buffer }
  | { kind: 'too_large'; received: number; declared?: number; drained: boolean }
  | { kind: 'timeout' };

/**
 * Reads the body up to `limit` bytes, never buffering more. Over the limit, the rest is read and
 * discarded (up to {@link maxDiscardedBodyBytes}) so the 413 reaches the client; the stream is never
 * cancelled, because cancelling it destroys the socket before the answer is written.
 */
async function readBody(request: Request, limit: number, timeoutMs: number): Promise<BodyRead> {
  const declaredHeader = request.headers.get('content-length');
  const declared =
    declaredHeader !== null && /^\d+$/.test(declaredHeader) ? Number(declaredHeader) : undefined;
  if (declared !== undefined && declared > maxDiscardedBodyBytes) {
    return { kind: 'too_large', received: 0, declared, drained: false };
  }
  if (!request.body) return { kind: 'body', bytes: Buffer.alloc(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    for (;;) {
      const read = reader.read();
      read.catch(() => {}); // after a timeout nobody awaits it; its rejection is expected
      const next = await Promise.race([read, timedOut]);
      if (next === 'timeout') return { kind: 'timeout' };
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxDiscardedBodyBytes) return { kind: 'too_large', received: size, drained: false };
      // Over the limit (or declared over it), the rest is only counted and dropped.
      if (size <= limit && (declared === undefined || declared <= limit)) chunks.push(next.value);
      else chunks.length = 0;
    }
  } catch {
    // The client went away mid-body: nothing to answer, but answer something rather than throw.
    return { kind: 'timeout' };
  } finally {
    clearTimeout(timer);
    try {
      reader.releaseLock();
    } catch {
      // A read still pending (timeout): the stream stays locked, and the server closes the socket.
    }
  }
  // A declared length over the limit is refused even if fewer bytes came (HTTP framing makes it the body's size).
  if (size > limit || (declared !== undefined && declared > limit)) {
    return {
      kind: 'too_large',
      received: size,
      ...(declared !== undefined ? { declared } : {}),
      drained: true,
    };
  }
  return { kind: 'body', bytes: Buffer.concat(chunks) };
}
