import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asDynamoJson, directCallMiddleware } from './dynaliteDirectCalls';
import { type DynaliteServer, dynamoClientFor, startDynalite } from './dynaliteServer';
import { ensureTables } from './dynamoTables';
import { logDynamoCalls } from './testing/dynamoCallLog';

const table = 'direct-calls';
const bytes = (...values: number[]) => new Uint8Array(values);

/** An item with every attribute type, Binary ones included (nested too). */
const everyType = (pk: string, sk: number) => ({
  pk: { S: pk },
  sk: { N: String(sk) },
  status: { S: 'open' },
  blob: { B: bytes(0, 1, 2, 250, 255) },
  blobs: { BS: [bytes(1), bytes(2, 3)] },
  strings: { SS: ['a', 'b'] },
  numbers: { NS: ['1', '2.5'] },
  yes: { BOOL: true },
  nothing: { NULL: true },
  list: { L: [{ S: 'x' }, { M: { inner: { B: bytes(9, 8, 7) } } }] },
  map: { M: { n: { N: '-3' }, s: { S: 'é "quoted" \n line' } } },
});

/** Any of the client's commands (each has its own input and output types). */
type AnyCommand = { readonly input: object };

/** What a command gave: its output, or its error as the caller sees it (class, name, members). */
async function outcome(client: DynamoDBClient, command: AnyCommand) {
  try {
    return { output: await (client.send as (c: AnyCommand) => Promise<unknown>).call(client, command) };
  } catch (error) {
    const e = error as Error & Record<string, unknown>;
    return { error: { ...e, class: e.constructor.name, name: e.name, message: e.message } };
  }
}

/**
 * The same requests, in the same order, through `client`: every operation the engine serves.
 * (`waiter`, another client of the same engine, waits for the new table.)
 */
async function scenario(client: DynamoDBClient, waiter: DynamoDBClient) {
  const results: unknown[] = [];
  const run = async (command: AnyCommand) => results.push(await outcome(client, command));
  await run(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
        { AttributeName: 'status', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client: waiter, maxWaitTime: 10, minDelay: 1 }, { TableName: table });
  await run(new DescribeTableCommand({ TableName: table }));
  await run(new ListTablesCommand({}));
  await run(new DescribeTimeToLiveCommand({ TableName: table }));
  await run(new PutItemCommand({ TableName: table, Item: everyType('a', 1), ReturnValues: 'ALL_OLD' }));
  await run(
    new PutItemCommand({
      TableName: table,
      Item: { ...everyType('a', 1), strings: { SS: ['c'] } },
      ReturnValues: 'ALL_OLD',
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  await run(new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' }, sk: { N: '1' } } }));
  await run(new GetItemCommand({ TableName: table, Key: { pk: { S: 'none' }, sk: { N: '1' } } }));
  await run(
    new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: 'a' }, sk: { N: '1' } },
      UpdateExpression: 'SET #b = :b ADD #n :one',
      ExpressionAttributeNames: { '#b': 'blob2', '#n': 'counter' },
      ExpressionAttributeValues: { ':b': { B: bytes(4, 2) }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    }),
  );
  await run(
    new BatchWriteItemCommand({
      RequestItems: {
        [table]: [2, 3, 4].map((sk) => ({ PutRequest: { Item: everyType('a', sk) } })),
      },
    }),
  );
  await run(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'a' } },
      Limit: 2,
    }),
  );
  await run(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'a' } },
      ExclusiveStartKey: { pk: { S: 'a' }, sk: { N: '2' } },
      ScanIndexForward: false,
      Select: 'COUNT',
    }),
  );
  await run(
    new QueryCommand({
      TableName: table,
      IndexName: 'byStatus',
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': { S: 'open' } },
      ProjectionExpression: 'pk, sk, blob',
    }),
  );
  await run(
    new ScanCommand({
      TableName: table,
      FilterExpression: 'sk > :one',
      ExpressionAttributeValues: { ':one': { N: '2' } },
    }),
  );
  await run(
    new BatchGetItemCommand({
      RequestItems: { [table]: { Keys: [1, 2, 9].map((sk) => ({ pk: { S: 'a' }, sk: { N: String(sk) } })) } },
    }),
  );
  // Errors: a failed condition with the item back, a cancelled transaction, a missing table, a bad request.
  await run(
    new PutItemCommand({
      TableName: table,
      Item: everyType('a', 2),
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD', // (dynalite 4 returns no item either way)
    }),
  );
  await run(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: { TableName: table, Item: everyType('b', 1), ConditionExpression: 'attribute_not_exists(pk)' },
        },
        {
          ConditionCheck: {
            TableName: table,
            Key: { pk: { S: 'a' }, sk: { N: '3' } },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ],
    }),
  );
  await run(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: { TableName: table, Item: everyType('b', 1), ConditionExpression: 'attribute_not_exists(pk)' },
        },
        { Delete: { TableName: table, Key: { pk: { S: 'a' }, sk: { N: '4' } } } },
      ],
    }),
  );
  await run(new GetItemCommand({ TableName: 'no-such-table', Key: { pk: { S: 'a' } } }));
  await run(new PutItemCommand({ TableName: table, Item: { pk: { S: 'no sort key' } } }));
  await run(
    new PutItemCommand({
      TableName: table,
      Item: {
        ...everyType('c', 1),
        blob: { B: 'text' as never },
        blobs: { BS: ['dGV4dA==', 'AQ=='] as never },
      },
    }),
  );
  await run(new GetItemCommand({ TableName: table, Key: { pk: { S: 'c' }, sk: { N: '1' } } }));
  await run(
    new DeleteItemCommand({
      TableName: table,
      Key: { pk: { S: 'a' }, sk: { N: '3' } },
      ReturnValues: 'ALL_OLD',
    }),
  );
  await run(new DeleteTableCommand({ TableName: table }));
  return results;
}

/**
 * What differs between two engines by nature left out: request ids, table ids, times, and the order
 * of BatchGetItem's answers (dynalite answers as its reads complete, DynamoDB in no stated order).
 */
function comparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v) => {
      if (key === table && Array.isArray(v))
        return [...v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      if (key === 'requestId' || key === 'TableId') return typeof v;
      if (key === 'CreationDateTime' || key === 'LastUpdateToPayPerRequestDateTime') return typeof v;
      if (v instanceof Uint8Array) return { bytes: [...v] };
      return v;
    }),
  );
}

describe('calls handed to the in-process engine directly', () => {
  let direct: DynaliteServer;
  let overHttp: DynaliteServer;
  let overHttpClient: DynamoDBClient;
  beforeAll(async () => {
    direct = await startDynalite();
    overHttp = await startDynalite();
    overHttpClient = dynamoClientFor(overHttp.endpoint);
    overHttpClient.middlewareStack.remove(directCallMiddleware);
  });
  afterAll(async () => {
    overHttpClient.destroy();
    await direct.close();
    await overHttp.close();
  });

  it('give what the SDK gives over its JSON request handler: outputs, errors and their members', async () => {
    const log = logDynamoCalls(direct.client);
    // The engine's HTTP-shaped request handler, which the direct path must not need.
    const handler = direct.client.config.requestHandler as unknown as {
      handle: (...a: unknown[]) => unknown;
    };
    const handle = handler.handle;
    let handled = 0;
    handler.handle = (...args) => {
      handled++;
      return handle.apply(handler, args);
    };
    const directly = await scenario(direct.client, dynamoClientFor(direct.endpoint));
    handler.handle = handle;
    log.stop();
    expect(handled).toBe(0);
    const throughHttp = await scenario(overHttpClient, overHttp.client);
    expect(comparable(directly)).toEqual(comparable(throughHttp));

    // Spot checks of what the comparison above relies on, on the direct path.
    const [, described] = directly as { output: { Table: { CreationDateTime: unknown } } }[];
    expect(described!.output.Table.CreationDateTime).toBeInstanceOf(Date);
    const read = directly[6] as { output: { Item: ReturnType<typeof everyType> } };
    expect(read.output.Item.blob.B).toBeInstanceOf(Uint8Array);
    expect([...read.output.Item.blob.B]).toEqual([0, 1, 2, 250, 255]);
    expect([...(read.output.Item.list.L[1]!.M!.inner!.B as Uint8Array)]).toEqual([9, 8, 7]);
    expect(read.output.Item.map.M.s.S).toBe('é "quoted" \n line');
    const conditionFailed = directly[15] as { error: Record<string, unknown> };
    expect(conditionFailed.error).toMatchObject({
      class: ConditionalCheckFailedException.name,
      name: 'ConditionalCheckFailedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const cancelled = directly[16] as { error: Record<string, unknown> };
    expect(cancelled.error).toMatchObject({
      class: TransactionCanceledException.name,
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    });
    expect((directly[18] as { error: { name: string } }).error.name).toBe('ResourceNotFoundException');
    expect((directly[19] as { error: { name: string } }).error.name).toBe('ValidationException');
    // Every call still passes the initialize step, where the bench counts calls.
    expect(log.calls).toHaveLength(directly.length);
  });

  it('leave the caller’s input as it was (the engine edits requests in place)', async () => {
    await ensureTables(direct.client, [
      {
        TableName: 'untouched',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      },
    ]);
    const input: PutItemCommandInput = {
      TableName: 'untouched',
      Item: { pk: { S: 'p' }, blob: { B: bytes(1, 2) }, extra: undefined as never },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValues: 'NONE',
    };
    const before = structuredClone(input);
    await direct.client.send(new PutItemCommand(input));
    expect(input).toEqual(before);
    expect(input.Item!.blob!.B).toBeInstanceOf(Uint8Array);
  });

  it('send what the SDK’s serializer writes', () => {
    expect(
      asDynamoJson({
        Item: {
          b: { B: bytes(255, 0) },
          s: { B: 'hi' },
          bs: { BS: [bytes(1), 'a'] },
          gone: undefined,
          none: null,
        },
        Limit: Number.NaN,
        At: new Date(1_500),
        List: [1, null, undefined, 'x'],
        ['__proto__']: { S: 'a member' },
      }),
    ).toEqual({
      Item: { b: { B: '/wA=' }, s: { B: 'hi' }, bs: { BS: ['AQ==', 'YQ=='] } },
      Limit: 'NaN',
      At: 1.5,
      List: [1, 'x'],
      ['__proto__']: { S: 'a member' },
    });
  });
});
