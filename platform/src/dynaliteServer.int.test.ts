import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  DeleteTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynaliteServer, dynamoClientFor, startDynalite } from './dynaliteServer';
import { ensureTables } from './dynamoTables';

const tableName = 'read-models';
const otherTableName = 'read-models-other';

/** A read-model table: items by `pk`, and a GSI listing them by `status`. */
const readModelTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'status', AttributeType: 'S' },
  ],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byStatus',
      KeySchema: [
        { AttributeName: 'status', KeyType: 'HASH' },
        { AttributeName: 'pk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});

const aReadModel = (pk: string, fields: { status?: string; version?: number } = {}) => ({
  pk: { S: pk },
  status: { S: fields.status ?? 'OPEN' },
  version: { N: String(fields.version ?? 1) },
});

/** A transactional Put that only creates (the read-model writers' first version). */
const putNew = (pk: string, fields: { status?: string; table?: string } = {}): TransactWriteItem => ({
  Put: {
    TableName: fields.table ?? tableName,
    Item: aReadModel(pk, fields),
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

async function itemAt(client: DynamoDBClient, pk: string, table = tableName) {
  return (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk } } }))).Item;
}

async function pksWithStatus(client: DynamoDBClient, status: string): Promise<string[]> {
  const page = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'byStatus',
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': { S: status } },
    }),
  );
  return (page.Items ?? []).map((item) => item.pk?.S ?? '');
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be rejected');
}

describe('the in-process dynalite engine', () => {
  let engine: DynaliteServer;
  beforeAll(async () => {
    engine = await startDynalite();
    await ensureTables(engine.client, [readModelTable(tableName), readModelTable(otherTableName)]);
  });
  afterAll(() => engine.close());

  it('puts, gets, queries a GSI and fails a conditional put, through a client with no endpoint to dial', async () => {
    expect(engine.endpoint).toMatch(/^in-process:\/\/dynalite-\d+$/);
    const put = (pk: string) =>
      engine.client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: aReadModel(pk, { status: 'PLAIN' }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put('plain-1');
    await put('plain-2');
    expect(await rejectionOf(put('plain-1'))).toBeInstanceOf(ConditionalCheckFailedException);

    expect(await itemAt(engine.client, 'plain-1')).toEqual(aReadModel('plain-1', { status: 'PLAIN' }));
    expect(await pksWithStatus(engine.client, 'PLAIN')).toEqual(['plain-1', 'plain-2']);
    // Another client on the same engine, by its name: what several Lambda instances would be.
    const second = dynamoClientFor(engine.endpoint);
    try {
      expect(await itemAt(second, 'plain-2')).toEqual(aReadModel('plain-2', { status: 'PLAIN' }));
    } finally {
      second.destroy();
    }
  });

  it('writes every action of a transaction: puts (with their GSI entries), a delete and a condition check', async () => {
    await engine.client.send(new PutItemCommand({ TableName: tableName, Item: aReadModel('tx-old') }));
    await engine.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          putNew('tx-a', { status: 'SHIPPED' }),
          putNew('tx-b', { status: 'SHIPPED', table: otherTableName }),
          { Delete: { TableName: tableName, Key: { pk: { S: 'tx-old' } } } },
          {
            ConditionCheck: {
              TableName: tableName,
              Key: { pk: { S: 'plain-1' } },
              ConditionExpression: 'version = :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
        ],
      }),
    );
    expect(await itemAt(engine.client, 'tx-a')).toEqual(aReadModel('tx-a', { status: 'SHIPPED' }));
    expect(await itemAt(engine.client, 'tx-b', otherTableName)).toEqual(
      aReadModel('tx-b', { status: 'SHIPPED' }),
    );
    expect(await itemAt(engine.client, 'tx-old')).toBeUndefined();
    expect(await pksWithStatus(engine.client, 'SHIPPED')).toEqual(['tx-a']);
    expect(await pksWithStatus(engine.client, 'OPEN')).not.toContain('tx-old');

    // A transactional Put over an existing item moves its GSI entry too.
    await engine.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: tableName, Item: aReadModel('tx-a', { status: 'DELIVERED' }) } }],
      }),
    );
    expect(await pksWithStatus(engine.client, 'SHIPPED')).toEqual([]);
    expect(await pksWithStatus(engine.client, 'DELIVERED')).toEqual(['tx-a']);
  });

  it('writes nothing when one condition fails, and gives one cancellation reason per action', async () => {
    await engine.client.send(new PutItemCommand({ TableName: tableName, Item: aReadModel('taken') }));
    const error = await rejectionOf(
      engine.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            putNew('cancelled-1', { status: 'CANCELLED-TX' }),
            {
              ...putNew('taken'),
              Put: { ...putNew('taken').Put!, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
            },
            { Delete: { TableName: tableName, Key: { pk: { S: 'plain-2' } } } },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: aReadModel('taken'),
      },
      { Code: 'None' },
    ]);
    expect(await itemAt(engine.client, 'cancelled-1')).toBeUndefined();
    expect(await pksWithStatus(engine.client, 'CANCELLED-TX')).toEqual([]);
    expect(await itemAt(engine.client, 'plain-2')).toBeDefined();
  });

  it('refuses two actions on one item, more than 100 actions and Update actions, with a ValidationException', async () => {
    const refusal = async (TransactItems: TransactWriteItem[]) => {
      const error = await rejectionOf(engine.client.send(new TransactWriteItemsCommand({ TransactItems })));
      expect((error as Error).name).toBe('ValidationException');
      return (error as Error).message;
    };
    expect(
      await refusal([putNew('dup'), { Delete: { TableName: tableName, Key: { pk: { S: 'dup' } } } }]),
    ).toBe('Transaction request cannot include multiple operations on one item');
    expect(await refusal(Array.from({ length: 101 }, (_, i) => putNew(`many-${i}`)))).toMatch(
      /less than or equal to 100/,
    );
    expect(
      await refusal([
        {
          Update: {
            TableName: tableName,
            Key: { pk: { S: 'upd' } },
            UpdateExpression: 'SET version = :two',
            ExpressionAttributeValues: { ':two': { N: '2' } },
          },
        },
      ]),
    ).toMatch(/Update is not supported/);
    for (const pk of ['dup', 'many-0', 'many-100', 'upd'])
      expect(await itemAt(engine.client, pk)).toBeUndefined();
    // 100 actions is the limit, not past it.
    await engine.client.send(
      new TransactWriteItemsCommand({
        TransactItems: Array.from({ length: 100 }, (_, i) => putNew(`hundred-${i}`)),
      }),
    );
    expect(await itemAt(engine.client, 'hundred-99')).toBeDefined();
  });

  it('lets exactly one of many racing transactions over the same items win, whatever their action order', async () => {
    const racers = Array.from({ length: 20 }, (_, i) =>
      engine.client.send(
        new TransactWriteItemsCommand({
          // Half list the items A then B, half B then A: a lock taken in request order would deadlock.
          TransactItems:
            i % 2 === 0
              ? [putNew('race-a', { status: `RACER-${i}` }), putNew('race-b', { status: `RACER-${i}` })]
              : [putNew('race-b', { status: `RACER-${i}` }), putNew('race-a', { status: `RACER-${i}` })],
        }),
      ),
    );
    const outcomes = await Promise.allSettled(racers);
    const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes)
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(TransactionCanceledException);
    const status = `RACER-${winners[0]}`;
    expect((await itemAt(engine.client, 'race-a'))?.status).toEqual({ S: status });
    expect((await itemAt(engine.client, 'race-b'))?.status).toEqual({ S: status });
  });

  it('judges a condition it has parsed before by the names and items of each request (parses are kept)', async () => {
    const putIfAbsent = (pk: string, names: Record<string, string>, extra: object = {}) =>
      engine.client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...aReadModel(pk, { status: 'KEPT' }), ...extra },
          ConditionExpression: 'attribute_not_exists(#a)',
          ExpressionAttributeNames: names,
        }),
      );
    await putIfAbsent('kept-1', { '#a': 'pk' });
    // The same expression and names, parsed once: judged against each request's item.
    expect(await rejectionOf(putIfAbsent('kept-1', { '#a': 'pk' }))).toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    await putIfAbsent('kept-2', { '#a': 'pk' });
    // The same expression with other names: `#a` is now an attribute the item lacks.
    await putIfAbsent('kept-1', { '#a': 'nowhere' }, { marker: { S: 'second' } });
    expect((await itemAt(engine.client, 'kept-1'))?.marker).toEqual({ S: 'second' });
    // A name the kept parse does not use is still refused, each time.
    for (let i = 0; i < 2; i++)
      expect(
        ((await rejectionOf(putIfAbsent('kept-3', { '#a': 'pk', '#b': 'status' }))) as Error).message,
      ).toMatch(/ExpressionAttributeNames unused in expressions: keys: \{#b\}/);
    // A name used by another expression of the request and by the kept condition: both uses count.
    for (let i = 0; i < 2; i++)
      await engine.client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { pk: { S: 'kept-2' } },
          UpdateExpression: 'SET #s = :s',
          ConditionExpression: 'attribute_exists(#s)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': { S: `UPDATED-${i}` } },
        }),
      );
    expect((await itemAt(engine.client, 'kept-2'))?.status).toEqual({ S: 'UPDATED-1' });
    // An expression that does not parse is refused each time with the parser's message.
    const badSyntax = () =>
      engine.client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: aReadModel('kept-5'),
          ConditionExpression: 'attribute_not_exists(pk',
        }),
      );
    for (let i = 0; i < 2; i++)
      expect(((await rejectionOf(badSyntax())) as Error).message).toMatch(
        /Invalid ConditionExpression: Syntax error/,
      );
  });

  it('judges a kept condition with values by the values of each request', async () => {
    const putAtVersion = (
      pk: string,
      version: number,
      expected: number,
      extra: Record<string, unknown> = {},
    ) =>
      engine.client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: aReadModel(pk, { status: 'VERSIONED', version }),
          ConditionExpression: 'attribute_not_exists(pk) OR version = :expected',
          ExpressionAttributeValues: { ':expected': { N: String(expected) }, ...extra },
        }),
      );
    await putAtVersion('versioned-1', 1, 0);
    await putAtVersion('versioned-1', 2, 1);
    await putAtVersion('versioned-1', 3, 2);
    // Conditions judged against each request's own value, not the first one's.
    expect(await rejectionOf(putAtVersion('versioned-1', 4, 1))).toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    expect(await rejectionOf(putAtVersion('versioned-1', 4, 2))).toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    await putAtVersion('versioned-1', 4, 3);
    expect((await itemAt(engine.client, 'versioned-1'))?.version).toEqual({ N: '4' });
    // A value the condition does not use is refused, each time.
    for (let i = 0; i < 2; i++)
      expect(
        ((await rejectionOf(putAtVersion('versioned-1', 5, 4, { ':spare': { S: 'x' } }))) as Error).message,
      ).toMatch(/ExpressionAttributeValues unused in expressions: keys: \{:spare\}/);
    // A value the condition uses and the request lacks is refused, each time.
    const withoutValue = () =>
      engine.client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: aReadModel('versioned-2'),
          ConditionExpression: 'attribute_not_exists(pk) OR version = :expected',
          ExpressionAttributeValues: { ':other': { N: '1' } },
        }),
      );
    for (let i = 0; i < 2; i++)
      expect(((await rejectionOf(withoutValue())) as Error).message).toMatch(
        /An expression attribute value used in expression is not defined; attribute value: :expected/,
      );
    // One value used twice, in a condition with names too (the shape of Powertools' claim).
    const claim = (pk: string, now: number) =>
      engine.client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...aReadModel(pk), expiry: { N: String(now + 10) } },
          ConditionExpression:
            'attribute_not_exists(#pk) OR #expiry < :now OR (#status = :open AND #version < :now)',
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#expiry': 'expiry',
            '#status': 'status',
            '#version': 'version',
          },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':open': { S: 'NEVER' } },
        }),
      );
    await claim('claimed', 100);
    expect(await rejectionOf(claim('claimed', 105))).toBeInstanceOf(ConditionalCheckFailedException);
    await claim('claimed', 111);
    expect((await itemAt(engine.client, 'claimed'))?.expiry).toEqual({ N: '121' });
  });

  it('sees a table deleted and created again with another key as the new table (definitions are cached)', async () => {
    const name = 'recreated-table';
    await ensureTables(engine.client, [readModelTable(name)]);
    await engine.client.send(new PutItemCommand({ TableName: name, Item: aReadModel('by-pk') }));
    await engine.client.send(new DeleteTableCommand({ TableName: name }));
    expect(await rejectionOf(itemAt(engine.client, 'by-pk', name))).toBeInstanceOf(ResourceNotFoundException);
    await ensureTables(engine.client, [
      {
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      },
    ]);
    // The old key schema is gone: a put keyed by pk is refused, one keyed by id is stored.
    expect(
      await rejectionOf(engine.client.send(new PutItemCommand({ TableName: name, Item: aReadModel('x') }))),
    ).toHaveProperty('name', 'ValidationException');
    await engine.client.send(new PutItemCommand({ TableName: name, Item: { id: { S: 'by-id' } } }));
    const item = await engine.client.send(
      new GetItemCommand({ TableName: name, Key: { id: { S: 'by-id' } } }),
    );
    expect(item.Item).toEqual({ id: { S: 'by-id' } });
  });
});

describe('the in-process dynalite engine on disk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-dynalite-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps its items when the data folder is closed and opened again in the same process', async () => {
    const first = await startDynalite({ path: dataDir });
    await ensureTables(first.client, [readModelTable(tableName)]);
    await first.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [putNew('kept-1'), putNew('kept-2', { status: 'KEPT' })],
      }),
    );
    await first.close();
    expect(await rejectionOf(itemAt(first.client, 'kept-1'))).toBeInstanceOf(Error);

    const second = await startDynalite({ path: dataDir });
    try {
      expect(await itemAt(second.client, 'kept-1')).toEqual(aReadModel('kept-1'));
      expect(await pksWithStatus(second.client, 'KEPT')).toEqual(['kept-2']);
    } finally {
      await second.close();
    }
  });
});
