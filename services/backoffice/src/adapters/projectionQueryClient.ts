import { RetryableStage } from '@mtd/contracts';
import type { OrderUnderRetry } from '#domain/retryDecision';

/**
 * One request to projection's query API, answered as HTTP: locally its Hono app's own `fetch` (same
 * process, no socket), on AWS a SigV4-signed call to its function URL. The back office never reads
 * projection's tables; everything it shows of orders, statistics and the audit ledger comes through
 * here (docs/decisions.md, "The back office reads projection through its query API").
 */
export type QueryApiFetch = (request: Request) => Promise<Response>;

/** Projection's query API failed or answered something the back office cannot read. */
export class ProjectionUnavailableError extends Error {
  override readonly name = 'ProjectionUnavailableError';
}

/** The read routes projection's query API serves, which the back office forwards once access is checked. */
export const projectionReadRoutes = [
  '/api/orders',
  '/api/orders/:orderId',
  '/api/exceptions',
  '/api/stats',
  '/api/audit',
  '/api/audit/verify',
  '/api/audit/checkpoints',
  '/api/audit/proof/:orderId',
] as const;

export class ProjectionQueryClient {
  private readonly send: QueryApiFetch;
  private readonly baseUrl: string;
  constructor(options: { fetch: QueryApiFetch; baseUrl?: string }) {
    this.send = options.fetch;
    this.baseUrl = (options.baseUrl ?? 'http://projection.internal').replace(/\/+$/, '');
  }

  /** Forwards a GET (path and query string as the caller sent them); the answer goes back unchanged. */
  async forward(pathAndQuery: string): Promise<Response> {
    return this.send(new Request(`${this.baseUrl}${pathAndQuery}`, { method: 'GET' }));
  }

  /** What a retry decision needs of the order: its stage and open exception. */
  async orderUnderRetry(orderId: string): Promise<OrderUnderRetry> {
    const response = await this.forward(`/api/orders/${encodeURIComponent(orderId)}`);
    if (response.status === 404) return { status: 'unknown' };
    if (!response.ok) {
      throw new ProjectionUnavailableError(
        `projection's query API answered ${response.status} for order ${orderId}`,
      );
    }
    const body = (await response.json()) as {
      order?: { stage?: unknown; exception?: { stage?: unknown } | null };
    };
    const stage = body.order?.stage;
    if (typeof stage !== 'string') {
      throw new ProjectionUnavailableError(`projection's query API sent no stage for order ${orderId}`);
    }
    const exceptionStage = RetryableStage.safeParse(body.order?.exception?.stage);
    return {
      status: 'known',
      stage,
      exception: exceptionStage.success ? { stage: exceptionStage.data } : null,
    };
  }
}
