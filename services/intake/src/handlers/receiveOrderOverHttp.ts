import type { CommandHandlerDeps } from '@mtd/platform';
import { type Context, Hono } from 'hono';
import {
  decodeUtf8,
  maxOrderBytes,
  OrderDocumentError,
  type OrderFormat,
  PayloadTooLargeError,
  parseOrderDocument,
} from '#adapters/orderDocumentParser';
import { receiveCandidateOrder } from '#handlers/receiveCandidateOrder';

// A Map, not an object literal: a header value like `__proto__` must not find a prototype member.
const formatsByMediaType = new Map<string, OrderFormat>([
  ['application/xml', 'xml'],
  ['text/xml', 'xml'],
  ['application/json', 'json'],
]);

/**
 * The intake HTTP API: `POST /orders` with one order (XML or JSON).
 *
 * 202 accepted (only after the events are stored) · 400 rejected (recorded, with every problem) or
 * unreadable (not recorded) · 409 the id was accepted with other content · 413 over 64 KiB ·
 * 415 not XML/JSON. A resend of identical content answers as the original did, plus `duplicate: true`.
 *
 * @example
 * const app = createIntakeHttpApp({ store, clock: systemClock, ids: ulidGenerator() });
 * serve({ fetch: app.fetch, port: 3001 });
 */
export function createIntakeHttpApp(deps: CommandHandlerDeps): Hono {
  const app = new Hono();

  app.post('/orders', async (c) => {
    const requestId = deps.ids.next();
    c.header('x-request-id', requestId);
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
    let text: string;
    try {
      text = await readBodyText(c.req.raw, maxOrderBytes);
    } catch (error) {
      return problemResponse(c, error);
    }
    let candidate: ReturnType<typeof parseOrderDocument>;
    try {
      candidate = parseOrderDocument(text, format);
    } catch (error) {
      return problemResponse(c, error);
    }
    const result = await receiveCandidateOrder(deps, {
      candidate,
      raw: text,
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
      default: {
        const unreachable: never = result;
        throw new Error(`unknown outcome ${JSON.stringify(unreachable)}`);
      }
    }
  });

  app.onError((error, c) => {
    console.error('intake: POST /orders failed', error);
    return c.json({ error: 'internal error; retry the same order (an identical resend is safe)' }, 500);
  });

  return app;
}

function duplicateFlag(duplicate: boolean): { duplicate?: true } {
  return duplicate ? { duplicate: true } : {};
}

function problemResponse(c: Context, error: unknown): Response {
  if (error instanceof PayloadTooLargeError) return c.json({ error: error.message }, 413);
  if (error instanceof OrderDocumentError) {
    return c.json(
      { error: 'the order could not be read and was not recorded', problems: error.problems },
      400,
    );
  }
  throw error;
}

/**
 * Reads the body up to `limit` bytes and refuses more without buffering it: the declared length is
 * checked first, and a body without one (chunked) is cut off as soon as it passes the limit.
 */
async function readBodyText(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError('the order', limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw new PayloadTooLargeError('the order', limit);
      }
      chunks.push(value);
    }
  }
  return decodeUtf8(Buffer.concat(chunks));
}
