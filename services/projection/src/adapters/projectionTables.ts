import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** GSI of the orders table: orders by business day (statistics). */
export const ordersByDayIndex = 'byDay';
/** GSI of the orders table: orders in one stage, oldest first. */
export const ordersByStageIndex = 'byStage';
/** Sparse GSI of the orders table: only orders not yet completed or rejected, oldest first. */
export const ordersInProcessIndex = 'inProcess';

/**
 * The read-model tables, on-demand:
 * - orders: `orderId`; GSIs byDay (`day`, `orderId`), byStage (`stage`, `listKey`) and the sparse
 *   inProcess (`inProcess`, `listKey`), all projecting everything so a listing needs no second read.
 * - timeline: (`orderId`, `sk` = occurredAt#streamId#streamVersion).
 */
export function projectionTables(names: { orders: string; timeline: string }): CreateTableCommandInput[] {
  const all = { ProjectionType: 'ALL' as const };
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
          KeySchema: [
            { AttributeName: 'day', KeyType: 'HASH' },
            { AttributeName: 'orderId', KeyType: 'RANGE' },
          ],
          Projection: all,
        },
        {
          IndexName: ordersByStageIndex,
          KeySchema: [
            { AttributeName: 'stage', KeyType: 'HASH' },
            { AttributeName: 'listKey', KeyType: 'RANGE' },
          ],
          Projection: all,
        },
        {
          IndexName: ordersInProcessIndex,
          KeySchema: [
            { AttributeName: 'inProcess', KeyType: 'HASH' },
            { AttributeName: 'listKey', KeyType: 'RANGE' },
          ],
          Projection: all,
        },
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
