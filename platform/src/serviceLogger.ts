import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The log attribute Powertools uses for a correlation id. MTD's is the order id (every event's
 * `metadata.correlationId`, an HTTP order's `X-Order-Id`), so one order's lines can be found across
 * every function and the local runtime.
 */
export const correlationIdKey = 'correlation_id';

/**
 * The one structured logger of MTD's handlers (Powertools Logger: JSON lines, errors with their
 * stack and cause), the same in a Lambda and in the local runtime. On Lambda the function's
 * POWERTOOLS_SERVICE_NAME (set by the stack) names the service; locally `serviceName` does.
 */
export function serviceLogger(serviceName: string): Logger {
  return new Logger(process.env.POWERTOOLS_SERVICE_NAME ? {} : { serviceName });
}
