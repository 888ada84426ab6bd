import {
  type AttributeValue,
  type CreateTableCommandInput,
  DeleteItemCommand,
  type DynamoDBClient,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import type { Clock } from './clock';

/** A table whose items carry an expiry: DynamoDB's Time to Live attribute (epoch seconds). */
export interface ExpiringTable {
  definition: CreateTableCommandInput;
  timeToLiveAttribute: string;
}

/**
 * DynamoDB's Time to Live for an engine that has none (dynalite): deletes the items of `table` whose
 * expiry has passed, as DynamoDB would. Without it the local claims and sign-in tables only grow.
 *
 * Each delete is conditioned on the expiry having passed still: an item rewritten since the scan
 * (a claim taken again, with a new expiry) stays. The scan reads only keys and expiries, a page at
 * a time, and the deletes go one at a time: this runs rarely and must not crowd out the orders.
 * Returns how many items it deleted.
 */
export async function deleteExpiredItems(
  client: DynamoDBClient,
  table: ExpiringTable,
  now: Date,
): Promise<number> {
  const tableName = table.definition.TableName!;
  const keys = (table.definition.KeySchema ?? []).map((key) => key.AttributeName!);
  const names = Object.fromEntries(
    [...keys, table.timeToLiveAttribute].map((name, i) => [`#a${i}`, name] as const),
  );
  const expiry = `#a${keys.length}`;
  const nowSeconds: AttributeValue = { N: String(Math.floor(now.getTime() / 1000)) };
  let deleted = 0;
  const pages = paginateScan(
    { client, pageSize: 500 },
    {
      TableName: tableName,
      ProjectionExpression: Object.keys(names).join(', '),
      FilterExpression: `${expiry} < :now`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':now': nowSeconds },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: Object.fromEntries(keys.map((key) => [key, item[key]!])),
            ConditionExpression: '#expiry < :now',
            ExpressionAttributeNames: { '#expiry': table.timeToLiveAttribute },
            ExpressionAttributeValues: { ':now': nowSeconds },
          }),
        );
        deleted++;
      } catch (error) {
        // Rewritten since the scan (or already gone): not expired any more, so it stays.
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
  }
  return deleted;
}

/**
 * Sweeps `tables` with {@link deleteExpiredItems} `firstAfterMs` after start, then every `everyMs`
 * (DynamoDB itself deletes expired items within days, so hourly is prompt). Expired items count as
 * absent to their readers anyway: the sweep only keeps the tables from growing. A sweep that fails
 * is reported and the next one tries again.
 */
export function startTimeToLiveSweeper(options: {
  client: DynamoDBClient;
  tables: ExpiringTable[];
  clock: Clock;
  firstAfterMs?: number;
  everyMs?: number;
  onSwept?: (table: string, deleted: number) => void;
  onError: (error: unknown) => void;
}): { stop(): Promise<void> } {
  let sweeping: Promise<void> | undefined;
  let stopped = false;
  const sweep = () => {
    if (sweeping || stopped) return;
    sweeping = (async () => {
      for (const table of options.tables) {
        if (stopped) return;
        try {
          const deleted = await deleteExpiredItems(options.client, table, options.clock.now());
          options.onSwept?.(table.definition.TableName!, deleted);
        } catch (error) {
          options.onError(error);
        }
      }
    })().finally(() => {
      sweeping = undefined;
    });
  };
  const every = options.everyMs ?? 60 * 60_000;
  let timer: NodeJS.Timeout = setTimeout(
    function tick() {
      sweep();
      timer = setTimeout(tick, every);
      timer.unref();
    },
    options.firstAfterMs ?? 2 * 60_000,
  );
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await sweeping;
    },
  };
}
