import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { batchGetAll, batchWriteAll } from '@mtd/platform';
import { decodeCursor, encodeCursor } from '#adapters/pageCursor';
import { OrderViewWriteConflictError } from '#adapters/projectionErrors';
import {
  legacyOrderIndexes,
  ordersByDayIndex,
  ordersByStageIndex,
  ordersInProcessIndex,
} from '#adapters/projectionTables';
import {
  defaultOrderViewConfig,
  deriveOrderView,
  type OrderFacts,
  type OrderStage,
  type OrderView,
  type OrderViewConfig,
  terminalStages,
} from '#domain/orderView';

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

/**
 * A sole writer's view until it is written: the JSON of its facts and applied events, from which the
 * view is derived again (`deriveOrderView`, a pure function of them), and the revision it will be
 * written with. Not the view's JSON (the rest of the view repeats the facts: an order in flight's
 * held JSON is about half as long), nor the parsed view (about twice that), nor the item (~0.5 KB
 * more). The 100k-event rebuild holds ~19,000 at once.
 */
interface HeldView {
  json: string;
  revision: number;
}

/** What a {@link HeldView} keeps of its view. */
interface HeldFacts {
  facts: OrderFacts;
  applied: string[];
}

type CachedView = StoredView | HeldView;

const maxWriteAttempts = 25;
/** BatchWriteItems sent at a time when a sole writer writes the views it held (see batchWriteAll). */
const writesInFlight = 4;
/** TransactWriteItems takes at most 100 actions and 4 MB; stay under both. */
const maxTransactItems = 100;
const maxTransactBytes = 3_500_000;
/** Views kept in memory between pages (the orders in flight), least recently used out first. */
const defaultCacheSize = 5_000;
/**
 * Views a sole writer (a rebuild's first pass) holds, as items of ~3-4 KB each: ~80-100 MB at most.
 * A view that leaves the cache is written and, when its order comes back, read and written again;
 * a store whose orders waited long for their DTE (a backlog: 20,000 orders accepted before most
 * were issued) wrote 40,000 views through a cache of 5,000, and 20,000 through one this size.
 */
const defaultHeldViews = 25_000;

/**
 * The order-view table. Writes are optimistic, a page at a time (`applyAll`): fold each view from the
 * revision read, write it conditioned on that revision; a failed condition means another writer won,
 * so that view is read and folded again. With N concurrent writers one wins each round, so N rounds
 * always suffice; we allow 25.
 */
export class DynamoOrderViews {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  /**
   * The views this process last read or wrote, with their revision. A hint only: every write is
   * conditioned on the cached revision, so a view another writer changed fails its condition and is
   * read again. It saves the read before the fold for orders still in flight.
   */
  private readonly cache = new Map<string, CachedView | null>();
  /**
   * Sole writer only: orders whose cached view was folded but not written yet (written when it
   * leaves the cache, or by {@link flush}), and views that left the cache unwritten during a call.
   */
  private readonly unwritten = new Set<string>();
  private readonly evicted = new Map<string, HeldView>();
  /**
   * Sole writer only: every order whose view this process has written to the table, or
   * 'unknown'. A sole writer writes into a new table (a rebuild's first pass): an order it has
   * not written is not there, so its view is not read (a rebuild of 20,000 orders saved ~200
   * BatchGetItems, every key of them missing). Known from the adapter's first call, if that is a
   * sole writer's, until its first call as one writer among others.
   */
  private written: Set<string> | 'unknown' | undefined;

  private readonly cacheSize: number;
  private readonly heldViews: number;
  /** How a held view is derived again from its facts (the projection's time zone). */
  private readonly config: OrderViewConfig;
  /** The cache's bound now: `heldViews` while a sole writer holds views, else `cacheSize`. */
  private limit: number;

  /**
   * `cacheSize`: views kept between pages as one writer among others; `heldViews`: views a sole
   * writer keeps (as facts) before it writes them (see {@link applyAll}); `config`: the one the
   * views are folded with, to derive a held view again from its facts.
   */
  constructor(options: {
    client: DynamoDBClient;
    tableName: string;
    cacheSize?: number;
    heldViews?: number;
    config?: OrderViewConfig;
  }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.config = options.config ?? defaultOrderViewConfig;
    this.cacheSize = options.cacheSize ?? defaultCacheSize;
    this.heldViews = options.heldViews ?? defaultHeldViews;
    this.limit = this.cacheSize;
  }

  async get(orderId: string): Promise<OrderView | undefined> {
    return (await this.read(orderId))?.view;
  }

  /**
   * Folds a page: for every order in `folds`, its stored view through its fold, then writes every
   * view that changed in as few calls as DynamoDB allows — one TransactWriteItems per 100 views, each
   * put conditioned on the revision it was folded from. Views whose condition failed (another writer
   * won) are read and folded again; the rest of the page is not repeated. Idempotent: a fold drops
   * events the view already applied, so a re-delivered page writes nothing.
   *
   * `soleWriter`: nothing else writes this table meanwhile (a rebuild's first pass into its new
   * tables), so the cache is the truth: a folded view stays in the cache unwritten and is written
   * (unconditioned, 25 per BatchWriteItem) when it leaves the cache or at {@link flush}, or at once
   * when its order is completed or rejected (so the views held are the orders in flight). An order
   * in flight within the cache's span of the feed is written once, however many pages carry its
   * events. The results are the views written by this call. Call `flush` before any conditioned
   * `applyAll` and before the tables are read.
   */
  async applyAll(
    folds: Map<string, (view: OrderView | undefined) => OrderView>,
    options: { soleWriter?: boolean } = {},
  ): Promise<ApplyResult[]> {
    if (options.soleWriter) return this.applyAllAsSoleWriter(folds);
    if (this.unwritten.size > 0)
      throw new Error('order views: flush the sole writer before writing as one writer among others');
    // Others may write the table from now on: what this process wrote no longer says what is there.
    this.written = 'unknown';
    const results: ApplyResult[] = [];
    let pending = [...folds.keys()];
    let lastConflict: unknown;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxWriteAttempts)
        throw new OrderViewWriteConflictError(pending[0]!, maxWriteAttempts, { cause: lastConflict });
      const loaded = await this.load(pending);
      const writes: {
        next: OrderView;
        expected: number | undefined;
        item: Record<string, AttributeValue>;
      }[] = [];
      for (const orderId of pending) {
        const stored = loaded.get(orderId) ?? undefined;
        const next = folds.get(orderId)!(stored?.view);
        if (stored && next === stored.view) results.push({ view: next, changed: false });
        else writes.push({ next, expected: stored?.revision, item: viewItem(next, stored?.revision) });
      }
      const failed = new Set<string>();
      for (const chunk of transactChunks(writes)) {
        try {
          await this.writeChunk(chunk);
          for (const w of chunk) {
            this.remember(w.next.orderId, { view: w.next, revision: (w.expected ?? 0) + 1 });
            results.push({ view: w.next, changed: true });
          }
        } catch (error) {
          if (
            !(
              error instanceof TransactionCanceledException ||
              error instanceof ConditionalCheckFailedException
            )
          )
            throw error;
          lastConflict = error;
          // All or nothing: nothing in the chunk was written. Views whose condition failed are read
          // again; the others are folded again from the same cached state.
          const reasons =
            error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
          chunk.forEach((w, i) => {
            failed.add(w.next.orderId);
            const code = reasons[i]?.Code;
            if (code === undefined || code === 'ConditionalCheckFailed') this.cache.delete(w.next.orderId);
          });
        }
      }
      pending = pending.filter((orderId) => failed.has(orderId));
    }
    return results;
  }

  private async applyAllAsSoleWriter(
    folds: Map<string, (view: OrderView | undefined) => OrderView>,
  ): Promise<ApplyResult[]> {
    this.limit = this.heldViews;
    this.written ??= new Set();
    const loaded = await this.load([...folds.keys()], this.written);
    const finished: Record<string, AttributeValue>[] = [];
    for (const [orderId, fold] of folds) {
      const stored = loaded.get(orderId) ?? undefined;
      const next = fold(stored?.view);
      if (stored && next === stored.view) continue;
      // The revision counts writes: a view still unwritten keeps the one it will be written with.
      const revision =
        stored && (this.unwritten.has(orderId) || this.evicted.has(orderId))
          ? stored.revision
          : (stored?.revision ?? 0) + 1;
      // Left the cache earlier in this call: its newer view goes back in, unwritten.
      this.evicted.delete(orderId);
      if (terminalStages.includes(next.stage)) {
        // A completed or rejected order seldom hears more: its view is written now and leaves the
        // held ones, so they are the orders in flight (should an event come, it is read back).
        this.unwritten.delete(orderId);
        this.cache.delete(orderId);
        finished.push(viewItem(next, revision - 1));
      } else {
        this.unwritten.add(orderId);
        const held: HeldFacts = { facts: next.facts, applied: next.applied };
        this.remember(orderId, { json: JSON.stringify(held), revision });
      }
    }
    const leaving = [...[...this.evicted].map(([id, held]) => this.itemOfHeld(id, held)), ...finished];
    this.evicted.clear();
    return this.writeUnconditioned(leaving);
  }

  /** Sole writer: writes every view still unwritten (see {@link applyAll}); returns them. */
  async flush(): Promise<ApplyResult[]> {
    const pending = [...this.evicted];
    for (const orderId of this.unwritten) {
      const held = this.cache.get(orderId);
      if (held && 'json' in held) pending.push([orderId, held]);
    }
    this.evicted.clear();
    this.unwritten.clear();
    const written = await this.writeUnconditioned(pending.map(([id, held]) => this.itemOfHeld(id, held)));
    // Back to the bound of one writer among others: the oldest views go (all of them written now).
    this.limit = this.cacheSize;
    for (const orderId of this.cache.keys()) {
      if (this.cache.size <= this.limit) break;
      this.cache.delete(orderId);
    }
    return written;
  }

  private async writeUnconditioned(items: Record<string, AttributeValue>[]): Promise<ApplyResult[]> {
    if (this.written instanceof Set) for (const item of items) this.written.add(item.orderId!.S!);
    await batchWriteAll(
      this.client,
      this.tableName,
      items.map((item) => ({ PutRequest: { Item: item } })),
      { inFlight: writesInFlight },
    );
    // Parsed when asked for, one at a time: a flush writes every held view (20,000 in the soak
    // store), and parsing them all up front would hold them all parsed at once (~7 KB each).
    return items.map((item) => ({
      changed: true,
      get view() {
        return parseItem(item).view;
      },
    }));
  }

  private async writeChunk(chunk: { item: Record<string, AttributeValue>; expected: number | undefined }[]) {
    if (chunk.length === 1) {
      const { item, expected } = chunk[0]!;
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ...conditionOf(expected) }),
      );
      return;
    }
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: chunk.map(({ item, expected }) => ({
          Put: { TableName: this.tableName, Item: item, ...conditionOf(expected) },
        })),
      }),
    );
  }

  /**
   * The stored views of these orders: from the cache, else read (100 per call, consistent). Returned
   * as a map of its own, because remembering what was read can evict other orders of the same page
   * from the cache (a page can touch more orders than the cache holds). With `written` (a sole
   * writer's), an order outside it is known to have no view: not read.
   */
  private async load(
    orderIds: string[],
    written: Set<string> | 'unknown' = 'unknown',
  ): Promise<Map<string, StoredView | null>> {
    const loaded = new Map<string, StoredView | null>();
    const missing: string[] = [];
    for (const orderId of orderIds) {
      const cached = this.cache.get(orderId);
      if (cached === undefined) missing.push(orderId);
      else {
        // A held view stays held (as its facts) in the cache; the fold gets it derived.
        loaded.set(orderId, cached && 'json' in cached ? this.parseHeld(orderId, cached) : cached);
        this.remember(orderId, cached);
      }
    }
    // A sole writer's table holds only what it wrote. (Orders not cached are remembered below, once
    // the loop has taken every cached one: remembering a new order can evict another.)
    const toRead = written === 'unknown' ? missing : missing.filter((orderId) => written.has(orderId));
    const items =
      toRead.length === 0
        ? []
        : await batchGetAll(
            this.client,
            this.tableName,
            toRead.map((orderId) => ({ orderId: { S: orderId } })),
          );
    for (const item of items) {
      const stored = parseItem(item);
      loaded.set(stored.view.orderId, stored);
    }
    for (const orderId of missing) {
      if (!loaded.has(orderId)) loaded.set(orderId, null);
      this.remember(orderId, loaded.get(orderId)!);
    }
    return loaded;
  }

  private parseHeld(orderId: string, held: HeldView): StoredView {
    const { facts, applied } = JSON.parse(held.json) as HeldFacts;
    return { view: deriveOrderView(orderId, facts, applied, this.config), revision: held.revision };
  }

  private itemOfHeld(orderId: string, held: HeldView): Record<string, AttributeValue> {
    return viewItem(this.parseHeld(orderId, held).view, held.revision - 1);
  }

  private remember(orderId: string, stored: CachedView | null): void {
    this.cache.delete(orderId);
    this.cache.set(orderId, stored);
    if (this.cache.size > this.limit) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) return;
      const leaving = this.cache.get(oldest);
      if (leaving && 'json' in leaving && this.unwritten.delete(oldest)) this.evicted.set(oldest, leaving);
      this.cache.delete(oldest);
    }
  }

  /**
   * Orders in one stage, or (no stage) every order not completed or rejected; oldest first. With
   * `listKeyBelow`, only items whose listKey sorts before it: a key condition on the index's sort
   * key, so DynamoDB reads nothing past it (no filter over the whole index).
   */
  async list(options: {
    stage?: OrderStage;
    limit: number;
    cursor?: string;
    listKeyBelow?: string;
  }): Promise<OrderPage> {
    const [keyName, keyValue] = options.stage ? ['stage', options.stage] : ['inProcess', '1'];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    if (options.cursor) {
      const c = decodeCursor(options.cursor, { orderId: 'string', listKey: 'string' });
      exclusiveStartKey = {
        orderId: { S: String(c.orderId) },
        listKey: { S: String(c.listKey) },
        [keyName]: { S: keyValue },
      };
    }
    const query: Omit<QueryCommandInput, 'IndexName'> = {
      TableName: this.tableName,
      ...(options.listKeyBelow === undefined
        ? {
            KeyConditionExpression: '#k = :v',
            ExpressionAttributeNames: { '#k': keyName },
            ExpressionAttributeValues: { ':v': { S: keyValue } },
          }
        : {
            KeyConditionExpression: '#k = :v AND #lk < :below',
            ExpressionAttributeNames: { '#k': keyName, '#lk': 'listKey' },
            ExpressionAttributeValues: { ':v': { S: keyValue }, ':below': { S: options.listKeyBelow } },
          }),
      Limit: options.limit,
      ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
    };
    let items: OrderView[];
    let last: Record<string, AttributeValue> | undefined;
    if (options.stage) {
      ({ views: items, last } = await this.queryKeysThenViews('byStage', query));
      // Read after the index: a view may have moved on to another stage since.
      items = items.filter((view) => view.stage === options.stage);
    } else {
      const result = await this.client.send(new QueryCommand({ ...query, IndexName: ordersInProcessIndex }));
      items = (result.Items ?? []).map((item) => parseItem(item).view);
      last = result.LastEvaluatedKey;
    }
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
      const page = await this.queryKeysThenViews('byDay', {
        TableName: this.tableName,
        KeyConditionExpression: '#d = :d',
        ExpressionAttributeNames: { '#d': 'day' },
        ExpressionAttributeValues: { ':d': { S: day } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      views.push(...page.views);
      start = page.last;
    } while (start);
    return views;
  }

  /**
   * A page of a keys-only index, then its views by key (BatchGetItem, 100 a call), in the index's
   * order. While the table lacks that index, or it is still backfilling (a deployed stage during
   * its switch, a local table from before 2026-12-05), the index it replaces is read instead: it
   * projects the whole view.
   */
  private async queryKeysThenViews(
    index: keyof typeof legacyOrderIndexes,
    query: Omit<QueryCommandInput, 'IndexName'>,
  ): Promise<{ views: OrderView[]; last: Record<string, AttributeValue> | undefined }> {
    const indexName = index === 'byDay' ? ordersByDayIndex : ordersByStageIndex;
    let result: QueryCommandOutput;
    try {
      result = await this.client.send(new QueryCommand({ ...query, IndexName: indexName }));
    } catch (error) {
      if (
        !(error instanceof Error && error.name === 'ValidationException' && error.message.includes(indexName))
      )
        throw error;
      const legacy = await this.client.send(
        new QueryCommand({ ...query, IndexName: legacyOrderIndexes[index] }),
      );
      return {
        views: (legacy.Items ?? []).map((item) => parseItem(item).view),
        last: legacy.LastEvaluatedKey,
      };
    }
    const keys = (result.Items ?? []).map((item) => item.orderId!.S!);
    const byId = new Map<string, OrderView>();
    for (const item of await batchGetAll(
      this.client,
      this.tableName,
      keys.map((orderId) => ({ orderId: { S: orderId } })),
    )) {
      const { view } = parseItem(item);
      byId.set(view.orderId, view);
    }
    return {
      views: keys.flatMap((orderId) => byId.get(orderId) ?? []),
      last: result.LastEvaluatedKey,
    };
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
}

function viewItem(view: OrderView, expectedRevision: number | undefined): Record<string, AttributeValue> {
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
  return item;
}

/** A write is conditioned on the revision the view was folded from (or on there being none). */
function conditionOf(expectedRevision: number | undefined) {
  return expectedRevision === undefined
    ? { ConditionExpression: 'attribute_not_exists(orderId)' }
    : {
        ConditionExpression: 'revision = :rev',
        ExpressionAttributeValues: { ':rev': { N: String(expectedRevision) } },
      };
}

/** Splits writes into TransactWriteItems calls: at most 100 items and ~3.5 MB each. */
function transactChunks<T extends { item: Record<string, AttributeValue> }>(writes: T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = write.item.view!.S!.length + 200;
    if (current.length === maxTransactItems || (current.length > 0 && bytes + size > maxTransactBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(write);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function parseItem(item: Record<string, AttributeValue>): StoredView {
  const json = item.view?.S;
  const revision = Number(item.revision?.N);
  if (json === undefined || !Number.isInteger(revision)) {
    throw new Error(`order view item ${item.orderId?.S ?? '(no id)'} lacks its view or revision`);
  }
  return { view: JSON.parse(json) as OrderView, revision };
}
