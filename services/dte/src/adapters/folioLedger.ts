import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { DteType } from '@mtd/contracts';
import { backoffDelayMs } from '@mtd/platform';

/** Hands out folios: unique and gapless per DTE type (DESIGN §5.2). */
export interface FolioLedger {
  /**
   * The folio of `orderId`'s document of `dteType`: the one already reserved for the order if any
   * (a retry after a crash), else the next one of the type.
   */
  allocate(dteType: DteType, orderId: string): Promise<number>;
}

/** Too many writers raced for the next folio; the caller fails and its trigger is redelivered. */
export class FolioContentionError extends Error {
  override readonly name = 'FolioContentionError';
  constructor(
    readonly dteType: DteType,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(
      `could not reserve a folio of type ${dteType} after ${attempts} attempts: too many concurrent writers`,
      options,
    );
  }
}

export const byOrderIndex = 'byOrder';

/**
 * The folio ledger table, owned by dte: one item per reserved folio, key (dteType, folio), and the
 * `byOrder` index to find the folio an order already holds.
 */
export function folioLedgerTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'dteType', AttributeType: 'N' },
      { AttributeName: 'folio', AttributeType: 'N' },
      { AttributeName: 'orderId', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'dteType', KeyType: 'HASH' },
      { AttributeName: 'folio', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: byOrderIndex,
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

export interface DynamoFolioLedgerOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Reservation attempts before giving up under contention (default 100). */
  maxAttempts?: number;
  /** Backoff between attempts after losing a race (full jitter). */
  backoff?: { baseMs: number; maxMs: number };
  random?: () => number;
  /** Waits between attempts; a parameter so tests can count them. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Folios in DynamoDB, one conditional PutItem per folio.
 *
 * Unique: a folio is an item key written with `attribute_not_exists(folio)`, so two writers can
 * never both hold it; the loser re-reads the last folio and tries the next one.
 *
 * Gapless: a writer only ever reserves last + 1 (read with ConsistentRead), so reserved folios are
 * always 1..N. A reserved folio is always used: the reservation names its order, and the order's
 * DteIssued is appended only after it; if the process dies in between, the triggering event is
 * redelivered until the append succeeds (at-least-once delivery, DESIGN §4), and the redelivery
 * finds the order's folio (by the `byOrder` index, or as the last folio of the type, or as the
 * item that beat it in a race) and reuses it instead of reserving another.
 *
 * Limit: in AWS the `byOrder` GSI is eventually consistent. Two deliveries of one order running at
 * the same moment are caught by the consistent checks (the race's winning item and the last folio
 * both name the order); a delivery that starts after another order has also reserved, but before
 * the GSI shows the first reservation, could still reserve a second folio for the order. The
 * handler narrows that window further by not allocating for an order its stream shows as issued.
 */
export function dynamoFolioLedger(options: DynamoFolioLedgerOptions): FolioLedger {
  const { client, tableName } = options;
  const maxAttempts = options.maxAttempts ?? 100;
  const backoff = options.backoff ?? { baseMs: 5, maxMs: 200 };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;

  async function folioOfOrder(dteType: DteType, orderId: string): Promise<number | undefined> {
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: byOrderIndex,
        KeyConditionExpression: 'orderId = :o',
        ExpressionAttributeValues: { ':o': { S: orderId } },
      }),
    );
    const held = (result.Items ?? []).find((item) => Number(item.dteType?.N) === dteType);
    return held?.folio?.N === undefined ? undefined : Number(held.folio.N);
  }

  async function lastFolio(dteType: DteType): Promise<{ folio: number; orderId: string | undefined }> {
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'dteType = :t',
        ExpressionAttributeValues: { ':t': { N: String(dteType) } },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const last = result.Items?.[0];
    return { folio: last?.folio?.N === undefined ? 0 : Number(last.folio.N), orderId: last?.orderId?.S };
  }

  async function holderOf(dteType: DteType, folio: number): Promise<string | undefined> {
    const result = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { dteType: { N: String(dteType) }, folio: { N: String(folio) } },
        ConsistentRead: true,
      }),
    );
    return result.Item?.orderId?.S;
  }

  return {
    async allocate(dteType, orderId) {
      const held = await folioOfOrder(dteType, orderId);
      // The index may name a folio whose item is not there: the local engine writes index entries
      // before the item, so a crash between the two leaves a ghost. The item is the truth.
      if (held !== undefined && (await holderOf(dteType, held)) === orderId) return held;
      let lastError: unknown;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const last = await lastFolio(dteType);
        if (last.orderId === orderId) return last.folio;
        const folio = last.folio + 1;
        try {
          await client.send(
            new PutItemCommand({
              TableName: tableName,
              Item: {
                dteType: { N: String(dteType) },
                folio: { N: String(folio) },
                orderId: { S: orderId },
              },
              ConditionExpression: 'attribute_not_exists(folio)',
            }),
          );
          return folio;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          lastError = error;
          // The writer that beat us may be another delivery of this very order.
          if ((await holderOf(dteType, folio)) === orderId) return folio;
          await sleep(backoffDelayMs(attempt, backoff, random));
        }
      }
      throw new FolioContentionError(dteType, maxAttempts, { cause: lastError });
    },
  };
}
