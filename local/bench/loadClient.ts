import { Agent, request } from 'node:http';

export interface BenchOrder {
  orderId: string;
  body: string;
  contentType: string;
}

export interface LoadOptions {
  url: string;
  /** The intake API key (the runtime's own, `Runtime.intakeApiKey`). */
  apiKey?: string;
  orders: number;
  /** Orders per second, open loop (sent on schedule whatever the answers); undefined: unpaced. */
  rate: number | undefined;
  /** Unpaced: this many clients, each sending its next order when intake answered the last. */
  concurrency: number;
  /** The i-th order, made when it is due (a soak run does not hold 20,000 bodies). */
  orderAt(index: number): BenchOrder;
  onSending(order: BenchOrder): void;
  onAnswer(order: BenchOrder, status: number, at: number): void;
  /** Checked before each order: true stops sending (the deadline). */
  stopped(): boolean;
}

export interface LoadResult {
  sent: number;
  accepted: number;
  /** Anything but 202, and network errors (status 0). */
  refused: number;
  statuses: Record<string, number>;
  /** When the last answer came. */
  lastAnswerAt: number;
}

/**
 * The load client, in the runtime's process (as before, so the figures include its cost): POSTs
 * each order to intake, as XML, and reports every answer.
 *
 * Over node:http with kept-alive connections, not `fetch`: undici's fetch (its WHATWG streams and
 * Request/Response objects) cost ~470 µs of CPU per request, client and server together, against
 * ~90 µs for http.request, on a loopback POST of an order's size (32 clients, 3,000 requests), and
 * the bench's own client counts in the CPU per order it reports.
 */
export async function sendOrders(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { sent: 0, accepted: 0, refused: 0, statuses: {}, lastAnswerAt: 0 };
  const agent = new Agent({ keepAlive: true });
  const url = `${options.url}/orders`;
  const post = (order: BenchOrder) =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        'content-type': order.contentType,
        'content-length': Buffer.byteLength(order.body),
        ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
      };
      const sent = request(url, { method: 'POST', agent, headers }, (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      });
      sent.on('error', reject);
      sent.end(order.body);
    });
  const sendOne = async (index: number) => {
    const order = options.orderAt(index);
    options.onSending(order);
    result.sent++;
    let status = 0;
    try {
      status = await post(order);
    } catch {
      status = 0;
    }
    const at = performance.now();
    result.lastAnswerAt = at;
    result.statuses[status] = (result.statuses[status] ?? 0) + 1;
    if (status === 202) result.accepted++;
    else result.refused++;
    options.onAnswer(order, status, at);
  };

  try {
    return await (options.rate === undefined ? unpaced() : paced(options.rate));
  } finally {
    agent.destroy();
  }

  async function unpaced(): Promise<LoadResult> {
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.orders && !options.stopped()) await sendOne(next++);
      }),
    );
    return result;
  }

  // Open loop: order i is due at i / rate seconds, sent then whatever is still unanswered.
  async function paced(rate: number): Promise<LoadResult> {
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let index = 0; index < options.orders && !options.stopped(); index++) {
      const wait = started + (index * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const sending = sendOne(index).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    }
    await Promise.all(inFlight);
    return result;
  }
}
