import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  type WriteRequest,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';

/** Creates each table that does not exist yet and waits until all are active. */
export async function ensureTables(client: DynamoDBClient, tables: CreateTableCommandInput[]): Promise<void> {
  const waiting = { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 };
  for (const table of tables) {
    let status: string | undefined;
    try {
      status = (await client.send(new DescribeTableCommand({ TableName: table.TableName }))).Table
        ?.TableStatus;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
    // A table being deleted (a rebuild starting clean) is gone soon: create it again once it is.
    if (status === 'DELETING') {
      await waitUntilTableNotExists(waiting, { TableName: table.TableName });
      status = undefined;
    }
    if (status === undefined) {
      try {
        await client.send(new CreateTableCommand(table));
      } catch (createError) {
        if (!(createError instanceof ResourceInUseException)) throw createError;
      }
    }
    await waitUntilTableExists(waiting, { TableName: table.TableName });
  }
}

/**
 * Every item of `keys` that exists, read with consistent BatchGetItems of 100 keys (DynamoDB's limit),
 * asking again for what DynamoDB left unprocessed. Keys must be distinct (BatchGetItem refuses
 * duplicates). Items come back in no particular order.
 */
export async function batchGetAll(
  client: DynamoDBClient,
  tableName: string,
  keys: Record<string, AttributeValue>[],
  options: { projection?: string } = {},
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, AttributeValue>[] | undefined = keys.slice(i, i + 100);
    while (pending && pending.length > 0) {
      const result: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: true,
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
            },
          },
        }),
      );
      items.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return items;
}

/** Rounds of BatchWriteItem for one chunk before its unprocessed items are reported as an error. */
const maxBatchWriteRounds = 10;

/**
 * Writes `requests` with BatchWriteItems of 25 (DynamoDB's limit), sending again, after a backoff,
 * what DynamoDB left unprocessed (throttling) until all are written. Requests must touch distinct
 * keys (BatchWriteItem refuses duplicates). Not atomic: a failure can leave other chunks written.
 *
 * `inFlight` chunks are sent at a time (default 1). More overlaps the calls: on the embedded engine
 * their LevelDB reads and writes go in one group per event-loop turn instead of one per call, and the
 * thread that waits on LevelDB does the next call's work meanwhile; the calls are the same ones.
 */
export async function batchWriteAll(
  client: DynamoDBClient,
  tableName: string,
  requests: WriteRequest[],
  options: { inFlight?: number } = {},
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  const writeChunk = async (chunk: WriteRequest[]) => {
    let pending: WriteRequest[] | undefined = chunk;
    for (let round = 1; pending && pending.length > 0; round++) {
      if (round > maxBatchWriteRounds)
        throw new Error(
          `BatchWriteItem on ${tableName}: ${pending.length} item(s) still unprocessed after ${maxBatchWriteRounds} rounds`,
        );
      if (round > 1) await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** round)));
      const result: BatchWriteItemCommandOutput = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = result.UnprocessedItems?.[tableName];
    }
  };
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) await writeChunk(chunks[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, options.inFlight ?? 1) }, lane));
}
