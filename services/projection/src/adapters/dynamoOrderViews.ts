import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { decodeCursor, encodeCursor } from '#adapters/pageCursor';
import { OrderViewWriteConflictError } from '#adapters/projectionErrors';
import { ordersByDayIndex, ordersByStageIndex, ordersInProcessIndex } from '#adapters/projectionTables';
import { type OrderStage, type OrderView, terminalStages } from '#domain/orderView';

export interface OrderPage {
  items: OrderView[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface ApplyResult {
  view: OrderView;
  /** False when the fold returned the stored view unchanged (a redelivery): nothing was written. */
  changed: boolean;
}

/** Stored views beside their revision, so a write can be conditioned on nobody having written since. */
interface StoredView {
  view: OrderView;
  revision: number;
}

const maxWriteAttempts = 25;

/**
 * The order-view table. Writes are optimistic: read view + revision, fold, PutItem conditioned on the
 * revision read; a ConditionalCheckFailedException means another delivery won, so read and fold again.
 * With N concurrent writers one wins each round, so N rounds always suffice; we allow 25.
 */
export class DynamoOrderViews {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async get(orderId: string): Promise<OrderView | undefined> {
    return (await this.read(orderId))?.view;
  }

  /** Folds into the stored view of `orderId` with `fold` and stores the result if it changed. */
  async apply(orderId: string, fold: (view: OrderView | undefined) => OrderView): Promise<ApplyResult> {
    let lastConflict: unknown;
    for (let attempt = 1; attempt <= maxWriteAttempts; attempt++) {
      const stored = await this.read(orderId);
      const next = fold(stored?.view);
      if (stored && next === stored.view) return { view: next, changed: false };
      try {
        await this.write(next, stored?.revision);
        return { view: next, changed: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        lastConflict = error;
      }
    }
    throw new OrderViewWriteConflictError(orderId, maxWriteAttempts, { cause: lastConflict });
  }

  /** Orders in one stage, or (no stage) every order not completed or rejected; oldest first. */
  async list(options: { stage?: OrderStage; limit: number; cursor?: string }): Promise<OrderPage> {
    const [indexName, keyName, keyValue] = options.stage
      ? [ordersByStageIndex, 'stage', options.stage]
      : [ordersInProcessIndex, 'inProcess', '1'];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    if (options.cursor) {
      const c = decodeCursor(options.cursor, { orderId: 'string', listKey: 'string' });
      exclusiveStartKey = {
        orderId: { S: String(c.orderId) },
        listKey: { S: String(c.listKey) },
        [keyName]: { S: keyValue },
      };
    }
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': keyName },
        ExpressionAttributeValues: { ':v': { S: keyValue } },
        Limit: options.limit,
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    const items = (result.Items ?? []).map((item) => parseItem(item).view);
    const last = result.LastEvaluatedKey;
    const nextCursor =
      last?.orderId?.S && last.listKey?.S
        ? encodeCursor({ orderId: last.orderId.S, listKey: last.listKey.S })
        : undefined;
    return nextCursor ? { items, nextCursor } : { items };
  }

  /** Every view of a business day (all pages). */
  async listDay(day: string): Promise<OrderView[]> {
    const views: OrderView[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: ordersByDayIndex,
          KeyConditionExpression: '#d = :d',
          ExpressionAttributeNames: { '#d': 'day' },
          ExpressionAttributeValues: { ':d': { S: day } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of result.Items ?? []) views.push(parseItem(item).view);
      start = result.LastEvaluatedKey;
    } while (start);
    return views;
  }

  private async read(orderId: string): Promise<StoredView | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { orderId: { S: orderId } },
        ConsistentRead: true,
      }),
    );
    return result.Item ? parseItem(result.Item) : undefined;
  }

  private async write(view: OrderView, expectedRevision: number | undefined): Promise<void> {
    const item: Record<string, AttributeValue> = {
      orderId: { S: view.orderId },
      view: { S: JSON.stringify(view) },
      revision: { N: String((expectedRevision ?? 0) + 1) },
      stage: { S: view.stage },
      listKey: { S: view.listKey },
      updatedAt: { S: view.updatedAt },
    };
    // Sparse indexes: an order without a day is not in the day index; a finished one not in process.
    if (view.day) item.day = { S: view.day };
    if (!terminalStages.includes(view.stage)) item.inProcess = { S: '1' };
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: item,
        ...(expectedRevision === undefined
          ? { ConditionExpression: 'attribute_not_exists(orderId)' }
          : {
              ConditionExpression: 'revision = :rev',
              ExpressionAttributeValues: { ':rev': { N: String(expectedRevision) } },
            }),
      }),
    );
  }
}

function parseItem(item: Record<string, AttributeValue>): StoredView {
  const json = item.view?.S;
  const revision = Number(item.revision?.N);
  if (json === undefined || !Number.isInteger(revision)) {
    throw new Error(`order view item ${item.orderId?.S ?? '(no id)'} lacks its view or revision`);
  }
  return { view: JSON.parse(json) as OrderView, revision };
}
