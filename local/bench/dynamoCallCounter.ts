import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type CallsByOperation = Record<string, number>;

export interface DynamoCallCounter {
  /** Calls so far, by operation (`PutItem`, `Query`, …). */
  snapshot(): CallsByOperation;
  /** Calls so far, by table and operation (`mtd-events PutItem`): which component makes them. */
  snapshotByTable(): CallsByOperation;
  /** Calls so far, by the part of the budget `partOf` says they belong to, then table and operation. */
  snapshotByPart(): Record<string, CallsByOperation>;
  /** The slowest calls so far (kept: the 10 slowest), slowest first. */
  slowest(): SlowCall[];
  remove(): void;
}

export interface SlowCall {
  /** `mtd-events PutItem` */
  call: string;
  ms: number;
  /** When it was sent (`performance.now()`). */
  sentAt: number;
}

const slowestKept = 10;

const middlewareName = 'mtdBenchCallCounter';

/**
 * Counts every call sent through `client`, by operation, at the SDK's initialize step: one count per
 * command sent, whatever the retries below it (a throttled call retried is still one call of the
 * handler's budget). Every component of the local runtime shares this one client, so this is every
 * DynamoDB call the runtime makes.
 */
export function countDynamoCalls(
  client: DynamoDBClient,
  partOf: (operation: string, input: unknown) => string = () => 'all',
): DynamoCallCounter {
  const counts = new Map<string, number>();
  const byTable = new Map<string, number>();
  const byPart = new Map<string, Map<string, number>>();
  const slowest: SlowCall[] = [];
  const timed = (call: string, sentAt: number) => {
    const ms = performance.now() - sentAt;
    if (slowest.length === slowestKept && ms <= slowest.at(-1)!.ms) return;
    slowest.push({ call, ms, sentAt });
    slowest.sort((a, b) => b.ms - a.ms);
    if (slowest.length > slowestKept) slowest.pop();
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      const key = `${tablesOf(args.input as TableInput).join('+') || '(no table)'} ${operation}`;
      byTable.set(key, (byTable.get(key) ?? 0) + 1);
      const part = partOf(operation, args.input);
      const ofPart = byPart.get(part) ?? new Map<string, number>();
      ofPart.set(key, (ofPart.get(key) ?? 0) + 1);
      byPart.set(part, ofPart);
      const sentAt = performance.now();
      try {
        return await next(args);
      } finally {
        timed(key, sentAt);
      }
    },
    { step: 'initialize', name: middlewareName, override: true },
  );
  return {
    snapshot: () => Object.fromEntries(counts),
    snapshotByTable: () => Object.fromEntries(byTable),
    snapshotByPart: () =>
      Object.fromEntries([...byPart].map(([part, calls]) => [part, Object.fromEntries(calls)])),
    slowest: () => slowest.map((c) => ({ ...c })),
    remove: () => {
      client.middlewareStack.remove(middlewareName);
    },
  };
}

/** Calls made between two snapshots, by operation, largest first. */
export function callsBetween(before: CallsByOperation, after: CallsByOperation): CallsByOperation {
  return Object.fromEntries(
    Object.entries(after)
      .map(([operation, n]) => [operation, n - (before[operation] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]),
  );
}

interface TableInput {
  TableName?: string;
  RequestItems?: Record<string, unknown>;
  TransactItems?: Record<string, { TableName?: string }>[];
}

/** The tables a call touches: its TableName, a batch's RequestItems, a transaction's actions. */
function tablesOf(input: TableInput | undefined): string[] {
  if (!input) return [];
  if (input.TableName) return [input.TableName];
  if (input.RequestItems) return Object.keys(input.RequestItems).sort();
  const tables = new Set<string>();
  for (const action of input.TransactItems ?? [])
    for (const part of Object.values(action)) if (part?.TableName) tables.add(part.TableName);
  return [...tables].sort();
}
