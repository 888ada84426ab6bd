import type { ExceptionRetryRequestedV1, RetryableStage } from '@mtd/contracts';

/** An operator's command: run the failed step of an order in exception again. */
export interface RequestExceptionRetry {
  orderId: string;
  /** When the operator asked (the handler's clock). */
  requestedAt: string;
  comment?: string;
}

/** What the back office knows of the order, read from projection's query API. */
export type OrderUnderRetry =
  | { status: 'unknown' }
  | { status: 'known'; stage: string; exception: { stage: RetryableStage } | null };

/** Why a retry is refused; each maps to one HTTP status at the API (404 or 409). */
export class RetryRefusedError extends Error {
  override readonly name = 'RetryRefusedError';
  constructor(
    readonly reason: 'unknown-order' | 'no-exception' | 'not-retryable',
    message: string,
  ) {
    super(message);
  }
}

/** Comments are trimmed and kept to the contract's 500 characters; blank means none. */
export function normaliseRetryComment(raw: unknown): string | undefined {
  return typeof raw === 'string' && raw.trim() ? raw.trim().slice(0, 500) : undefined;
}

/**
 * Decides an operator retry: the data of one ExceptionRetryRequested for the stage in exception, or a
 * RetryRefusedError saying why not. A failed customer email is refused: notification keeps no copy
 * of the email it could not send (the partner fixes the address and resends, or the dead letter is
 * redriven).
 */
export function decideExceptionRetry(
  command: RequestExceptionRetry,
  order: OrderUnderRetry,
): ExceptionRetryRequestedV1 {
  switch (order.status) {
    case 'unknown':
      throw new RetryRefusedError('unknown-order', `no order ${command.orderId} is known to the projection`);
    case 'known': {
      if (!order.exception) {
        throw new RetryRefusedError(
          'no-exception',
          `order ${command.orderId} has no open exception (stage ${order.stage}); nothing to retry`,
        );
      }
      const { stage } = order.exception;
      if (stage === 'notification') {
        throw new RetryRefusedError(
          'not-retryable',
          'a failed customer email cannot be retried from the portal yet: fix the address with the partner and resend the order, or redrive its dead letter',
        );
      }
      return {
        orderId: command.orderId,
        stage,
        requestedAt: command.requestedAt,
        ...(command.comment ? { comment: command.comment } : {}),
      };
    }
    default: {
      const never: never = order;
      throw new Error(`unknown order status ${JSON.stringify(never)}`);
    }
  }
}
