import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** GSI of the orders table: orders by business day (statistics); keys only. */
export const ordersByDayIndex = 'byDayKeys';
/** GSI of the orders table: orders in one stage, oldest first; keys only. */
export const ordersByStageIndex = 'byStageKeys';
/** Sparse GSI of the orders table: only orders not yet completed or rejected, oldest first. */
export const ordersInProcessIndex = 'inProcess';

/**
 * The indexes `byDayKeys` and `byStageKeys` replace: the same keys, projecting ALL, so every view was
 * stored three times over (DynamoDB cannot change an index's projection in place). Tables created
 * before 2026-12-05 have these; readers fall back to them while the new ones are missing or
 * backfilling (see DynamoOrderViews), and a deployed stage drops them one deploy at a time
 * (infra/README).
 */
export const legacyOrderIndexes = { byDay: 'byDay', byStage: 'byStage' } as const;

/**
 * The read-model tables, on-demand:
 * - orders: `orderId`; GSIs byDayKeys (`day`, `orderId`) and byStageKeys (`stage`, `listKey`)
 *   projecting keys only (a listing reads its views by key: a view is ~3 KB, and an index
 *   projecting ALL stored it once more, most of what a rebuild wrote), and the sparse inProcess
 *   (`inProcess`, `listKey`) projecting everything (orders in flight only; the early warning reads
 *   it every minute and needs nothing else).
 * - timeline: (`orderId`, `sk` = occurredAt#streamId#streamVersion).
 *
 * `legacyIndexes` adds ALL-projecting indexes the keys-only ones replace (a deployed stage during
 * its switch; infra/README).
 */
export function projectionTables(
  names: { orders: string; timeline: string },
  options: { legacyIndexes?: (keyof typeof legacyOrderIndexes)[] } = {},
): CreateTableCommandInput[] {
  const all = { ProjectionType: 'ALL' as const };
  const keysOnly = { ProjectionType: 'KEYS_ONLY' as const };
  const keySchemas = {
    byDay: [
      { AttributeName: 'day', KeyType: 'HASH' as const },
      { AttributeName: 'orderId', KeyType: 'RANGE' as const },
    ],
    byStage: [
      { AttributeName: 'stage', KeyType: 'HASH' as const },
      { AttributeName: 'listKey', KeyType: 'RANGE' as const },
    ],
  };
  return [
    {
      TableName: names.orders,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'day', AttributeType: 'S' },
        { AttributeName: 'stage', AttributeType: 'S' },
        { AttributeName: 'listKey', AttributeType: 'S' },
        { AttributeName: 'inProcess', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: ordersByDayIndex,
          KeySchema: keySchemas.byDay,
          Projection: keysOnly,
        },
        {
          IndexName: ordersByStageIndex,
          KeySchema: keySchemas.byStage,
          Projection: keysOnly,
        },
        {
          IndexName: ordersInProcessIndex,
          KeySchema: [
            { AttributeName: 'inProcess', KeyType: 'HASH' },
            { AttributeName: 'listKey', KeyType: 'RANGE' },
          ],
          Projection: all,
        },
        ...(options.legacyIndexes ?? []).map((name) => ({
          IndexName: legacyOrderIndexes[name],
          KeySchema: keySchemas[name],
          Projection: all,
        })),
      ],
    },
    {
      TableName: names.timeline,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    },
  ];
}
