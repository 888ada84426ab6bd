/// <reference path="./dynalite.d.ts" />
import { createRequire } from 'node:module';
import type { DynaliteActionValidation, DynaliteValidations } from 'dynalite';
import { describe, expect, it } from 'vitest';
import { checkTypes } from './dynaliteTypeCheck';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite/validations') as DynaliteValidations;
const validationOf = (file: string) =>
  (require(`dynalite/validations/${file}`) as DynaliteActionValidation).types as Record<string, unknown>;

/** What a type check gives: its result, or its error as the engine answers it. */
function outcome(check: () => unknown) {
  try {
    return { result: check() };
  } catch (error) {
    const e = error as Error & { statusCode?: number; body?: unknown };
    return { error: { name: e.name, message: e.message, statusCode: e.statusCode, body: e.body } };
  }
}

const everyAttributeType = {
  pk: { S: 'PO-1' },
  n: { N: '12.50' },
  b: { B: 'AAEC' },
  yes: { BOOL: true },
  nothing: { NULL: true },
  ss: { SS: ['a', 'b'] },
  ns: { NS: ['1', '2'] },
  bs: { BS: ['AAEC', 'AwQF'] },
  list: { L: [{ S: 'x' }, { N: '1' }, { M: { deep: { L: [{ BOOL: false }] } } }] },
  map: { M: { a: { S: 'y' }, b: { NULL: true }, c: { SS: ['z'] } } },
};

/** Requests of every operation the engine serves, as the SDK sends them (plus members DynamoDB ignores). */
const requests: [operation: string, request: Record<string, unknown>][] = [
  [
    'batchWriteItem',
    {
      RequestItems: {
        orders: [
          { PutRequest: { Item: everyAttributeType } },
          { DeleteRequest: { Key: { pk: { S: 'PO-2' } } } },
        ],
      },
      ReturnConsumedCapacity: 'TOTAL',
      NotAMember: 1,
    },
  ],
  [
    'batchGetItem',
    {
      RequestItems: {
        orders: {
          Keys: [{ pk: { S: 'PO-1' } }, { pk: { S: 'PO-2' } }],
          ConsistentRead: true,
          ProjectionExpression: 'pk, #n',
          ExpressionAttributeNames: { '#n': 'n' },
        },
      },
    },
  ],
  [
    'putItem',
    {
      TableName: 'orders',
      Item: everyAttributeType,
      ConditionExpression: 'revision = :rev',
      ExpressionAttributeValues: { ':rev': { N: '3' } },
      ReturnValues: 'NONE',
    },
  ],
  [
    // A TransactWriteItems Delete or ConditionCheck is checked as this (dynaliteTransactWriteItems.ts).
    'deleteItem',
    {
      TableName: 'orders',
      Key: { pk: { S: 'PO-1' } },
      ConditionExpression: '#v = :v',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':v': { N: '3' } },
      ReturnValues: 'ALL_OLD',
    },
  ],
  [
    'query',
    {
      TableName: 'orders',
      IndexName: 'byDay',
      KeyConditionExpression: '#d = :d AND commitId BETWEEN :a AND :b',
      ExpressionAttributeNames: { '#d': 'day' },
      ExpressionAttributeValues: { ':d': { S: '2026-12-05' }, ':a': { S: '0' }, ':b': { S: 'z' } },
      Limit: 100,
      ScanIndexForward: false,
      ExclusiveStartKey: { pk: { S: 'PO-1' }, day: { S: '2026-12-05' } },
      ConsistentRead: true,
    },
  ],
  [
    'updateItem',
    {
      TableName: 'orders',
      Key: { pk: { S: 'PO-1' } },
      UpdateExpression: 'SET #a = :a ADD n :one',
      ExpressionAttributeNames: { '#a': 'a' },
      ExpressionAttributeValues: { ':a': { L: [{ S: 'x' }] }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    },
  ],
  [
    'createTable',
    {
      TableName: 'orders',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byDay',
          KeySchema: [{ AttributeName: 'day', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a', 'b'] },
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        },
      ],
    },
  ],
  ['scan', { TableName: 'orders', Limit: 10, Segment: 0, TotalSegments: 2, Select: 'COUNT' }],
];

/** Every place in a request, with every kind of value put there instead (most of them wrong). */
const replacements = [
  true,
  false,
  0,
  1.5,
  'x',
  'yes',
  'no',
  '0',
  'True',
  'AAEC',
  'AAE',
  'A=B=',
  [],
  [1],
  {},
  { S: 'x' },
  null,
];
function* variantsOf(value: unknown, path: string[] = []): Generator<[string[], unknown]> {
  for (const replacement of replacements) yield [path, replacement];
  if (value && typeof value === 'object')
    for (const [key, child] of Object.entries(value)) yield* variantsOf(child, [...path, key]);
}
function withValueAt(request: unknown, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(request) as Record<string, unknown>;
  if (path.length === 0) return value as Record<string, unknown>;
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

describe("the engine's type check is dynalite's", () => {
  it.each(requests)(
    '%s: the same result for the request, and for each value replaced anywhere in it',
    (operation, request) => {
      const types = validationOf(operation);
      let compared = 0;
      for (const [path, value] of [[[], request] as [string[], unknown], ...variantsOf(request)]) {
        // Both mutate their input (they drop unknown members): each gets its own copy.
        const input = () => structuredClone(withValueAt(request, path, value));
        const ours = outcome(() => checkTypes(input(), types));
        const theirs = outcome(() => dynalite.checkTypes(input(), types));
        expect(
          ours,
          `${operation} with ${JSON.stringify(value)} at ${path.join('.') || '(the request)'}`,
        ).toEqual(theirs);
        compared++;
      }
      expect(compared).toBeGreaterThan(50);
    },
  );

  it('keeps members in the order of the type description, drops unknown and null ones, floors integers', () => {
    const types = validationOf('query');
    const result = checkTypes({ Limit: 2.7, Unknown: 1, TableName: 't', IndexName: null }, types);
    expect(result).toEqual(
      dynalite.checkTypes({ Limit: 2.7, Unknown: 1, TableName: 't', IndexName: null }, types),
    );
    expect(result).toEqual({ TableName: 't', Limit: 2 });
  });
});
