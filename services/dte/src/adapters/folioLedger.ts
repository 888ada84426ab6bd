import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { DteType } from '@mtd/contracts';
import { backoffDelayMs } from '@mtd/platform';
import { type FolioRange, foliosLeftAfter, nextAuthorizedFolio } from '#domain/folioRanges';

/** A folio reserved for an order, and how many authorised folios of its type are left after it. */
export interface FolioAllocation {
  folio: number;
  remaining: number;
}

/** Hands out folios: unique and gapless per DTE type, only from CAF ranges (DESIGN §5.2). */
export interface FolioLedger {
  /**
   * The folio of `orderId`'s document of `dteType`: the one already reserved for the order if any
   * (a retry after a crash), else the next one of the type that an `authorized` range (the loaded
   * CAFs) holds. Throws {@link CafExhaustedError} when no range has one left: never a folio outside.
   */
  allocate(dteType: DteType, orderId: string, authorized: readonly FolioRange[]): Promise<FolioAllocation>;
}

/**
 * No loaded CAF has a folio of this type left. Retryable: once an operator loads a new CAF (`mtd caf
 * load`) the same order gets the next folio; until then no document of the type can be issued.
 */
export class CafExhaustedError extends Error {
  override readonly name = 'CafExhaustedError';
  constructor(
    readonly dteType: DteType,
    readonly lastFolio: number,
  ) {
    super(
      `no authorised folio of DTE type ${dteType} is left after folio ${lastFolio}: load a new CAF of type ${dteType} (mtd caf load FILE) and retry`,
    );
  }
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

/** Reservations remembered per type: far more than can be in flight at once (a crash's orphans). */
const tailSize = 200;

/**
 * Folios in DynamoDB, one conditional PutItem per folio.
 *
 * Unique: a folio is an item key written with `attribute_not_exists(folio)`, so two writers can
 * never both hold it; the loser re-reads the ledger's tail and tries the next one.
 *
 * Gapless: a writer only ever reserves the next authorised folio after the last one (last + 1 within
 * a CAF range), so the folios of a range are taken in order with none skipped. A reserved
 * folio is always used: the reservation names its order, and the order's DteIssued is appended only
 * after it; if the process dies in between, the triggering event is redelivered until the append
 * succeeds (at-least-once delivery, DESIGN §4), and the redelivery finds the order's folio among the
 * ledger's most recent reservations and reuses it instead of reserving another.
 *
 * Cost: the ledger keeps its tail (the last reservations of each type, with their orders) in
 * memory, read once (ConsistentRead) at the first allocation of the type and again after losing a
 * race, so an allocation is one PutItem. Orders whose reservation was orphaned by a crash are
 * retried within seconds, long before `tailSize` newer reservations push them out of the tail; and
 * on a restart, or in another Lambda, the tail is read afresh. Two deliveries of one order racing in
 * two processes: the second loses the race for last + 1 (or reads the tail after the first), and
 * finds the order's folio there. The handler narrows it further by not allocating for an order
 * its stream shows as issued.
 */
export function dynamoFolioLedger(options: DynamoFolioLedgerOptions): FolioLedger {
  const { client, tableName } = options;
  const maxAttempts = options.maxAttempts ?? 100;
  const backoff = options.backoff ?? { baseMs: 5, maxMs: 200 };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  /** Per type: the last folio and the recent reservations by order. */
  const tails = new Map<DteType, { last: number; byOrder: Map<string, number> }>();

  async function readTail(dteType: DteType): Promise<{ last: number; byOrder: Map<string, number> }> {
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'dteType = :t',
        ExpressionAttributeValues: { ':t': { N: String(dteType) } },
        ScanIndexForward: false,
        Limit: tailSize,
        ConsistentRead: true,
      }),
    );
    const items = result.Items ?? [];
    const byOrder = new Map<string, number>();
    // Oldest first, so the map's insertion order is reservation order (trimmed from the front).
    for (const item of [...items].reverse()) {
      if (item.orderId?.S && item.folio?.N) byOrder.set(item.orderId.S, Number(item.folio.N));
    }
    const tail = { last: items[0]?.folio?.N === undefined ? 0 : Number(items[0].folio.N), byOrder };
    tails.set(dteType, tail);
    return tail;
  }

  function remember(tail: { last: number; byOrder: Map<string, number> }, orderId: string, folio: number) {
    tail.last = Math.max(tail.last, folio);
    tail.byOrder.set(orderId, folio);
    if (tail.byOrder.size > tailSize) {
      const oldest = tail.byOrder.keys().next().value;
      if (oldest !== undefined) tail.byOrder.delete(oldest);
    }
  }

  /**
   * Allocations of one type take turns within this process: concurrent ones would all try the same
   * last + 1, and all but one would lose and re-read. In turn, each is one PutItem.
   */
  const turns = new Map<DteType, Promise<unknown>>();
  function inTurn<T>(dteType: DteType, work: () => Promise<T>): Promise<T> {
    const result = (turns.get(dteType) ?? Promise.resolve()).then(work, work);
    turns.set(
      dteType,
      result.catch(() => {}),
    );
    return result;
  }

  return {
    allocate: (dteType, orderId, authorized) =>
      inTurn(dteType, () => allocateNow(dteType, orderId, authorized)),
  };

  async function allocateNow(
    dteType: DteType,
    orderId: string,
    authorized: readonly FolioRange[],
  ): Promise<FolioAllocation> {
    let tail = tails.get(dteType) ?? (await readTail(dteType));
    let lastError: unknown;
    const allocation = (folio: number) => ({ folio, remaining: foliosLeftAfter(authorized, folio) });
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const held = tail.byOrder.get(orderId);
      if (held !== undefined) return allocation(held);
      // Gapless within the authorised ranges: the next folio a CAF holds after the last one taken.
      const folio = nextAuthorizedFolio(authorized, tail.last);
      if (folio === undefined) throw new CafExhaustedError(dteType, tail.last);
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
        remember(tail, orderId, folio);
        return allocation(folio);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        lastError = error;
        // Another writer took it (maybe another delivery of this very order): read the tail again.
        tail = await readTail(dteType);
        if (tail.byOrder.has(orderId)) continue;
        await sleep(backoffDelayMs(attempt, backoff, random));
      }
    }
    throw new FolioContentionError(dteType, maxAttempts, { cause: lastError });
  }
}
