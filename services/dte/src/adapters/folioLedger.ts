import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { DteType } from '@mtd/contracts';
import { backoffDelayMs } from '@mtd/platform';
import {
  authorizedFoliosBelow,
  type FolioRange,
  foliosLeftAfter,
  nextAuthorizedFolio,
  rangeHolding,
} from '#domain/folioRanges';

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
 * Most reservations written in one call: a TransactWriteItems holds at most 100 actions. Half that
 * keeps a transaction small (fewer items locked at once, less to lose to a rival) and its folios
 * well inside the tail, where a crash's holes are looked for (see `holesBelow`).
 */
const maxBatch = 50;

interface Tail {
  last: number;
  byOrder: Map<string, number>;
  /**
   * Authorised folios just below `last` that no item holds, lowest first; undefined until looked
   * for after a read. See `holesBelow`.
   */
  holes: number[] | undefined;
}

interface Request {
  orderId: string;
  authorized: readonly FolioRange[];
  resolve: (allocation: FolioAllocation) => void;
  reject: (error: unknown) => void;
}

/**
 * Folios in DynamoDB, one item per folio, written with a condition.
 *
 * Unique: a folio is an item key written with `attribute_not_exists(folio)`, so two writers can
 * never both hold it; the loser re-reads the ledger's tail and tries again.
 *
 * Gapless: a writer reserves the next authorised folios after the last one (last + 1 within a CAF
 * range), so the folios of a range are taken with none skipped. A reserved folio is always used:
 * the reservation names its order, and the order's DteIssued is appended only after it; if the
 * process dies in between, the triggering event is redelivered until the append succeeds
 * (at-least-once delivery, DESIGN §4), and the redelivery finds the order's folio among the ledger's
 * most recent reservations and reuses it instead of reserving another.
 *
 * Batched: allocations of one type wait their turn within the process (concurrent ones would all
 * try the same last + 1 and all but one would lose), and whatever waits when a turn starts is
 * reserved together, up to `maxBatch` orders: consecutive folios in one TransactWriteItems (a
 * PutItem when there is one), all or none. One at a time, the turn was the runtime's ceiling: a
 * round trip per order, in series, on a busy event loop (docs/decisions.md). DynamoDB writes a
 * transaction all or none; the embedded engine writes its items one by one (its crash atomicity is
 * per item), so a kill -9 inside a transaction can leave a later folio written and an earlier one
 * not. The next read of the tail finds such holes just below the last folio (`holesBelow`) and hands
 * them out first, so the sequence closes again; on DynamoDB there are none to find.
 *
 * Cost: the ledger keeps its tail (the last reservations of each type, with their orders) in
 * memory, read once (ConsistentRead) at the first allocation of the type and again after losing a
 * race, so a batch is one call. Orders whose reservation was orphaned by a crash are retried within
 * seconds, long before `tailSize` newer reservations push them out of the tail; and on a restart, or
 * in another Lambda, the tail is read afresh. Two deliveries of one order racing in two processes:
 * the second loses the race for last + 1 (or reads the tail after the first), and finds the order's
 * folio there; within one batch they share one folio. The handler narrows it further by not
 * allocating for an order its stream shows as issued.
 */
export function dynamoFolioLedger(options: DynamoFolioLedgerOptions): FolioLedger {
  const { client, tableName } = options;
  const maxAttempts = options.maxAttempts ?? 100;
  const backoff = options.backoff ?? { baseMs: 5, maxMs: 200 };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  /** Per type: the last folio and the recent reservations by order. */
  const tails = new Map<DteType, Tail>();
  /** Per type: the allocations waiting for the next turn; a type is in the map while its turn runs. */
  const waiting = new Map<DteType, Request[]>();

  async function readTail(dteType: DteType): Promise<Tail> {
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
    const last = items[0]?.folio?.N === undefined ? 0 : Number(items[0].folio.N);
    const tail: Tail = { last, byOrder, holes: undefined };
    tails.set(dteType, tail);
    return tail;
  }

  function remember(tail: Tail, orderId: string, folio: number) {
    tail.last = Math.max(tail.last, folio);
    tail.byOrder.set(orderId, folio);
    if (tail.byOrder.size > tailSize) {
      const oldest = tail.byOrder.keys().next().value;
      if (oldest !== undefined) tail.byOrder.delete(oldest);
    }
  }

  return {
    allocate: (dteType, orderId, authorized) =>
      new Promise<FolioAllocation>((resolve, reject) => {
        const queue = waiting.get(dteType);
        const request = { orderId, authorized, resolve, reject };
        if (queue) queue.push(request);
        else {
          waiting.set(dteType, [request]);
          void takeTurns(dteType);
        }
      }),
  };

  /** Reserves what waits for the type, a batch per turn, until nothing does. */
  async function takeTurns(dteType: DteType): Promise<void> {
    for (let queue = waiting.get(dteType); queue && queue.length > 0; queue = waiting.get(dteType)) {
      const batch = queue.splice(0, maxBatch);
      try {
        const allocations = await allocateBatch(dteType, batch);
        batch.forEach((request, i) => {
          const allocation = allocations[i] as FolioAllocation | Error;
          if (allocation instanceof Error) request.reject(allocation);
          else request.resolve(allocation);
        });
      } catch (error) {
        for (const request of batch) request.reject(error);
      }
    }
    waiting.delete(dteType);
  }

  /** Each request's folio, or the CafExhaustedError of a request whose ranges have none left. */
  async function allocateBatch(dteType: DteType, batch: Request[]): Promise<(FolioAllocation | Error)[]> {
    let tail = tails.get(dteType) ?? (await readTail(dteType));
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      tail.holes ??= holesBelow(tail, batch[0]?.authorized ?? []);
      const holes = [...tail.holes];
      let last = tail.last;
      const reserving = new Map<string, number>();
      const folios = batch.map((request): number | Error => {
        const held = tail.byOrder.get(request.orderId) ?? reserving.get(request.orderId);
        if (held !== undefined) return held;
        const holeAt = holes.findIndex((hole) => rangeHolding(request.authorized, hole));
        const folio =
          holeAt >= 0 ? holes.splice(holeAt, 1)[0] : nextAuthorizedFolio(request.authorized, last);
        if (folio === undefined) return new CafExhaustedError(dteType, last);
        reserving.set(request.orderId, folio);
        last = Math.max(last, folio);
        return folio;
      });
      const allocations = () =>
        folios.map((folio, i) =>
          folio instanceof Error
            ? folio
            : { folio, remaining: foliosLeftAfter((batch[i] as Request).authorized, folio) },
        );
      if (reserving.size === 0) return allocations();
      try {
        await reserve(dteType, reserving);
        for (const [orderId, folio] of reserving) remember(tail, orderId, folio);
        tail.holes = holes;
        return allocations();
      } catch (error) {
        if (!lostRace(error)) throw error;
        lastError = error;
        // Another writer took one (maybe another delivery of one of these orders): read the tail again.
        tail = await readTail(dteType);
        if (batch.some((request) => tail.byOrder.has(request.orderId))) continue;
        await sleep(backoffDelayMs(attempt, backoff, random));
      }
    }
    throw new FolioContentionError(dteType, maxAttempts, { cause: lastError });
  }

  /** One conditional write per folio, all or none: a PutItem for one, else one TransactWriteItems. */
  async function reserve(dteType: DteType, reserving: Map<string, number>): Promise<void> {
    const puts = [...reserving].map(([orderId, folio]) => ({
      TableName: tableName,
      Item: {
        dteType: { N: String(dteType) },
        folio: { N: String(folio) },
        orderId: { S: orderId },
      },
      ConditionExpression: 'attribute_not_exists(folio)',
    }));
    if (puts.length === 1) await client.send(new PutItemCommand(puts[0] as PutItemCommandInput));
    else await client.send(new TransactWriteItemsCommand({ TransactItems: puts.map((Put) => ({ Put })) }));
  }
}

/** A write refused because another writer holds one of the folios (or, in a transaction, races for it). */
function lostRace(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
  return (
    codes.some((code) => code === 'ConditionalCheckFailed' || code === 'TransactionConflict') &&
    codes.every(
      (code) => code === 'None' || code === 'ConditionalCheckFailed' || code === 'TransactionConflict',
    )
  );
}

/**
 * Authorised folios among the `maxBatch` just below the tail's last that no reservation holds. A
 * transaction's folios are at most `maxBatch` consecutive authorised ones ending at the highest, so
 * a transaction cut short by a crash (possible on the embedded engine only) leaves its holes there.
 * The tail holds the last `tailSize` (> `maxBatch`) reservations, so every folio there is in it.
 */
function holesBelow(tail: Tail, authorized: readonly FolioRange[]): number[] {
  const held = new Set(tail.byOrder.values());
  return authorizedFoliosBelow(authorized, tail.last, maxBatch).filter((folio) => !held.has(folio));
}
