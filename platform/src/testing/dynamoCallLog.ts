import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB call as sent: its operation (`Query`, `PutItem`, …) and table. */
export interface DynamoCall {
  operation: string;
  table: string | undefined;
}

/**
 * Records every call sent through `client` (an SDK middleware), so a test can assert what a handler
 * read or wrote: `log.calls.filter((c) => c.table === 'mtd-events' && c.operation === 'Query')`.
 * `clear()` forgets what was recorded; `stop()` removes the middleware.
 */
export function logDynamoCalls(client: DynamoDBClient): {
  calls: DynamoCall[];
  clear(): void;
  stop(): void;
} {
  const calls: DynamoCall[] = [];
  const name = `mtdTestCallLog${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = args.input as { TableName?: string };
      calls.push({ operation: (context.commandName ?? '').replace(/Command$/, ''), table: input.TableName });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    calls,
    clear: () => {
      calls.length = 0;
    },
    stop: () => {
      client.middlewareStack.remove(name);
    },
  };
}
