import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type EventMetadata,
  EventValidationError,
  issuesOf,
  latestDefinition,
  type MtdEvent,
  ownsStream,
  type Source,
  upcastToLatest,
} from '@mtd/contracts';
import { decodeTime } from 'ulid';
import { AppendFence, successorOf } from './appendFence';
import { type Clock, type IdGenerator, systemClock, ulidGenerator } from './clock';
import { batchGetAll } from './dynamoTables';
import { EventTooLargeError, StreamOwnershipError, StreamVersionConflictError } from './errors';
import type {
  AppendResult,
  Commit,
  EventStore,
  ExpectedVersion,
  FeedPage,
  NewEvent,
  ReadStreamResult,
} from './eventStore';
import type { LiveFeed } from './liveFeed';
import type { StreamCache } from './streamCache';

/**
 * The event store table: one item per commit; the `feed` index orders commits by time (DESIGN §3).
 * Its partition key attribute is still named `day`, but since the feed was sharded it holds
 * `<day>#<shard>` (see {@link feedPartitionOf}); keeping the attribute kept the index itself, which
 * DynamoDB cannot re-key in place.
 */
export function eventStoreTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'streamId', AttributeType: 'S' },
      { AttributeName: 'version', AttributeType: 'N' },
      { AttributeName: 'day', AttributeType: 'S' },
      { AttributeName: 'commitId', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'streamId', KeyType: 'HASH' },
      { AttributeName: 'version', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: feedIndex,
        KeySchema: [
          { AttributeName: 'day', KeyType: 'HASH' },
          { AttributeName: 'commitId', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

export const feedIndex = 'feed';
/** Items of this pseudo-stream list the days that hold commits, so a reader can walk the feed. */
const daysStream = '$days';

/**
 * How many feed partitions a day's commits are spread over, by default. One partition per day takes
 * every commit of the day, and a DynamoDB partition (the index's too) takes about 1,000 write
 * units/s: with commits of 1-3 KB, 300-1,000 commits/s, about 50-150 orders/s. Each day's marker
 * records the count its commits were written with, so a store configured with more shards
 * (`feedShards` option) spreads new days without re-keying old ones, and readers follow the markers.
 *
 * The library's default is 1 (tools, tests, and the local runtime's `localFeedShards`); the AWS
 * stages pass their own count (`FEED_SHARDS`, infra `feedShards` per stage).
 */
export const feedShards = 1;
/** DynamoDB's item limit is 400 KB; leave room for keys and attribute names. */
const maxCommitBytes = 380 * 1024;

export interface DynamoEventStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The producer appending; it may append only to its own streams. Omit for a read-only store. */
  producer?: Source;
  clock?: Clock;
  ids?: IdGenerator;
  /** Shared by every writer and reader of one runtime, so readers never skip a commit. */
  fence?: AppendFence;
  /** The runtime's in-memory feed tail: appends go in, caught-up readers read from it. */
  live?: LiveFeed;
  /**
   * Streams read or written recently, served without a read. Only where this process is the one
   * writer of the streams (the local runtime); Lambdas, which share streams, read every time.
   */
  streams?: StreamCache;
  /**
   * Shards of the feed index for the days this store marks first (default {@link feedShards}). A
   * day keeps the count its marker records, whoever appends later. The local runtime uses 1: the
   * embedded engine has no per-partition write limit, and every shard costs a reader one Query per
   * page.
   */
  feedShards?: number;
}

export class DynamoEventStore implements EventStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly producer: Source | undefined;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly fence: AppendFence;
  private readonly live: LiveFeed | undefined;
  private readonly streams: StreamCache | undefined;
  private readonly feedShards: number;
  /**
   * Days this store has marked or seen marked (or is marking), with their marker's shard count.
   * Shared with the stores `forProducer` makes: one marking per day for the whole process.
   */
  private knownDays = new Map<string, Promise<number>>();

  constructor(options: DynamoEventStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.producer = options.producer;
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? ulidGenerator(this.clock);
    this.fence = options.fence ?? new AppendFence();
    this.live = options.live;
    this.streams = options.streams;
    this.feedShards = options.feedShards ?? feedShards;
    if (!Number.isInteger(this.feedShards) || this.feedShards < 1 || this.feedShards > 64)
      throw new RangeError(`feedShards must be an integer from 1 to 64, not ${this.feedShards}`);
  }

  /** True when the stream's state is in this process's cache (a read of it costs nothing). */
  isCached(streamId: string): boolean {
    return this.streams?.has(streamId) ?? false;
  }

  /**
   * A fresh commit id: every commit this store (or one made by `forProducer`) appends later sorts
   * after it. Only for a store given `streams`, i.e. the one writer of the table (see the option).
   */
  newCommitsAfter(): string | undefined {
    return this.streams ? this.ids.next() : undefined;
  }

  /** A store for another producer on the same table, client, fence and day markings. */
  forProducer(producer: Source): DynamoEventStore {
    const store = new DynamoEventStore({
      client: this.client,
      tableName: this.tableName,
      producer,
      clock: this.clock,
      ids: this.ids,
      fence: this.fence,
      ...(this.live ? { live: this.live } : {}),
      ...(this.streams ? { streams: this.streams } : {}),
      feedShards: this.feedShards,
    });
    store.knownDays = this.knownDays;
    return store;
  }

  async append(
    streamId: string,
    newEvents: NewEvent[],
    { expectedVersion }: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult> {
    const producer = this.producer;
    if (!producer) throw new StreamOwnershipError('(read-only store)', streamId);
    if (!ownsStream(producer, streamId)) throw new StreamOwnershipError(producer, streamId);
    if (newEvents.length === 0) throw new RangeError('a commit needs at least one event');
    if (expectedVersion === 'any') {
      for (;;) {
        const current = await this.currentVersion(streamId);
        try {
          return await this.appendAt(producer, streamId, newEvents, current);
        } catch (error) {
          if (!(error instanceof StreamVersionConflictError)) throw error;
        }
      }
    }
    return this.appendAt(
      producer,
      streamId,
      newEvents,
      expectedVersion === 'no-stream' ? 0 : expectedVersion,
    );
  }

  private async appendAt(
    producer: Source,
    streamId: string,
    newEvents: NewEvent[],
    after: number,
  ): Promise<AppendResult> {
    const events = newEvents.map((event, i) => this.envelope(producer, streamId, after + 1 + i, event));
    const bytes = Buffer.byteLength(JSON.stringify(events));
    if (bytes > maxCommitBytes) throw new EventTooLargeError(`commit to ${streamId}`, bytes, maxCommitBytes);
    const commitId = this.ids.next();
    const day = dayOf(commitId);
    this.fence.begin(commitId);
    try {
      const shards = await this.rememberDay(day);
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: commitItem({ streamId, version: after + 1, commitId, producer, envelopes: events }, shards),
          ConditionExpression: 'attribute_not_exists(streamId)',
        }),
      );
      const cached = this.streams?.get(streamId);
      if (cached && cached.version === after) {
        this.streams!.set(streamId, {
          version: after + events.length,
          events: [...cached.events, ...events],
        });
      } else if (after === 0) {
        this.streams?.set(streamId, { version: events.length, events });
      } else {
        this.streams?.delete(streamId);
      }
      // As stored, and as a feed reader would read it back (events in their stored version).
      this.live?.add({
        streamId,
        version: after + 1,
        lastVersion: after + events.length,
        commitId,
        events: events.map((e) => ({ ...e })),
      });
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        this.streams?.delete(streamId);
        throw new StreamVersionConflictError(streamId, after === 0 ? 'no-stream' : after, { cause: error });
      }
      throw error;
    } finally {
      this.fence.end(commitId);
    }
    return { commitId, nextExpectedVersion: after + events.length, events };
  }

  /** Producers validate before they write (DESIGN §2): an invalid event is never stored. */
  private envelope(producer: Source, streamId: string, streamVersion: number, event: NewEvent): MtdEvent {
    const definition = latestDefinition(event.type);
    if (!definition)
      throw new EventValidationError(event.type, undefined, [
        { path: 'type', message: 'unknown event type' },
      ]);
    if (definition.source !== producer)
      throw new StreamOwnershipError(producer, `${streamId} (${event.type} belongs to ${definition.source})`);
    const metadata = {
      ...event.metadata,
      eventType: definition.detailType,
      eventVersion: definition.version,
      streamId,
      streamVersion,
      producer,
    };
    const parsed = definition.detail.safeParse({ metadata, data: event.data });
    if (!parsed.success)
      throw new EventValidationError(definition.detailType, definition.version, issuesOf(parsed.error));
    return { type: definition.detailType, ...parsed.data } as MtdEvent;
  }

  /**
   * Marks the day (once per store and day) and answers how many shards its commits go into.
   * Concurrent appends of a new day share one marking: each sending its own conditional PutItem of
   * the one marker item (and, refused, its own GetItem) cost two calls per append in flight and made
   * that item the hottest of the table. In the embedded engine it also stalled every append: dynalite
   * serialises writes to one item, handing the item's lock on through `setImmediate`, and readers
   * polling on 1 ms timers can keep Node in its timers phase, so a queue of 125 markers took minutes
   * (docs/decisions.md, "The feed index can be sharded").
   */
  private rememberDay(day: string): Promise<number> {
    const known = this.knownDays.get(day);
    if (known !== undefined) return known;
    const marking = this.markDay(day);
    this.knownDays.set(day, marking);
    // A failed marking is forgotten, so the next append of the day tries again.
    marking.catch(() => this.knownDays.delete(day));
    return marking;
  }

  private async markDay(day: string): Promise<number> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: feedDayItem(day, this.feedShards),
          ConditionExpression: 'attribute_not_exists(streamId)',
        }),
      );
      return this.feedShards;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Marked already (another process, or before a restart): follow its count, which readers read.
    const marker = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: feedDayItemKey(day),
        ConsistentRead: true,
        ProjectionExpression: 'feedShards',
      }),
    );
    const recorded = marker.Item?.feedShards?.N;
    return recorded === undefined ? this.feedShards : Number(recorded);
  }

  private async currentVersion(streamId: string): Promise<number> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'streamId = :s',
        ExpressionAttributeValues: { ':s': { S: streamId } },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
        ProjectionExpression: 'lastVersion',
      }),
    );
    return Number(result.Items?.[0]?.lastVersion?.N ?? 0);
  }

  async readStream(streamId: string): Promise<ReadStreamResult> {
    const cached = this.streams?.get(streamId);
    if (cached) return cached;
    const events: MtdEvent[] = [];
    let version = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'streamId = :s',
          ExpressionAttributeValues: { ':s': { S: streamId } },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const commit = commitOf(item, { latest: true });
        events.push(...commit.events);
        version = commit.lastVersion;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    this.streams?.set(streamId, { version, events });
    return { version, events };
  }

  async readFeed(position: string | undefined, { limit = 100 }: { limit?: number } = {}): Promise<FeedPage> {
    const horizon = this.fence.horizon(this.clock.now().getTime());
    const tail = this.live?.read(position, horizon, limit);
    if (tail) return { commits: tail, position: tail.at(-1)?.commitId ?? position };
    const days = await this.daysFrom(position ? dayOf(position) : undefined, dayOf(horizon));
    const commits: Commit[] = [];
    let after = position;
    for (const { day, shards } of days) {
      for (;;) {
        const read = await this.readDay(
          partitionsOfDay(day, shards, this.feedShards),
          after,
          horizon,
          limit - commits.length,
        );
        commits.push(...read.commits);
        after = commits.at(-1)?.commitId ?? after;
        if (read.exhausted || commits.length >= limit) break;
      }
      if (commits.length >= limit) break;
    }
    const stored = await this.storedCommitIds(commits);
    return {
      commits: commits.filter((c) => stored.get(`${c.streamId}\u0000${c.version}`) === c.commitId),
      position: commits.at(-1)?.commitId ?? position,
    };
  }

  /**
   * Up to `want` commits of one day after `after` and below `horizon`, merged from the day's
   * partitions in commit-id order. Each partition is asked for about twice its share (in parallel);
   * a partition that had more stops the merge at the last id it returned, since the next id of the
   * feed could be its next one. So the result is always the feed's exact next commits (never one
   * skipped), and `exhausted` says that nothing of the day is left below the horizon after them.
   */
  private async readDay(
    partitions: string[],
    after: string | undefined,
    horizon: string,
    want: number,
  ): Promise<{ commits: Commit[]; exhausted: boolean }> {
    const perPartition = Math.min(want, Math.ceil((2 * want) / partitions.length) + 1);
    const pages = await Promise.all(
      partitions.map(async (partition) => {
        let startKey: Record<string, AttributeValue> | undefined;
        for (;;) {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: feedIndex,
              KeyConditionExpression: '#day = :day AND commitId BETWEEN :after AND :before',
              ExpressionAttributeNames: { '#day': 'day' },
              ExpressionAttributeValues: {
                ':day': { S: partition },
                // BETWEEN is inclusive: start right after the position (read already); the horizon
                // itself (not settled) is dropped below.
                ':after': { S: after ? successorOf(after) : '0' },
                ':before': { S: horizon },
              },
              Limit: perPartition,
              ExclusiveStartKey: startKey,
            }),
          );
          startKey = page.LastEvaluatedKey;
          const items = page.Items ?? [];
          // Nothing follows the horizon: a partition that reached it has nothing more to give.
          const more = !!startKey && items.at(-1)?.commitId?.S !== horizon;
          // A page can come back empty with more to read only past DynamoDB's 1 MB; read on then.
          if (items.length > 0 || !startKey) return { items, more };
        }
      }),
    );
    let bound: string | undefined;
    for (const page of pages) {
      const last = page.items.at(-1)?.commitId?.S;
      if (page.more && last !== undefined && (bound === undefined || last < bound)) bound = last;
    }
    const items = pages
      .flatMap((page) => page.items)
      .filter((item) => {
        const commitId = item.commitId!.S!;
        return commitId !== horizon && (bound === undefined || commitId <= bound);
      })
      .sort((a, b) => (a.commitId!.S! < b.commitId!.S! ? -1 : 1));
    const taken = items.slice(0, want);
    return {
      commits: taken.map((item) => commitOf(item, { latest: false })),
      exhausted: bound === undefined && taken.length === items.length,
    };
  }

  /**
   * The commit ids the table itself holds for these commits' keys. The feed index can show a
   * commit the table never stored: the embedded engine (dynalite) writes index entries before the
   * item, so a crash between the two leaves a ghost that a retried append then replaces. Only a
   * commit whose item holds the same commit id was appended; one BatchGetItem per page proves it.
   */
  private async storedCommitIds(commits: Commit[]): Promise<Map<string, string>> {
    const stored = new Map<string, string>();
    // A ghost and the retried append that replaced it share a key; BatchGetItem refuses duplicates.
    const keys = [...new Map(commits.map((c) => [`${c.streamId}\u0000${c.version}`, c])).values()].map(
      (c) => ({
        streamId: { S: c.streamId },
        version: { N: String(c.version) },
      }),
    );
    for (const item of await batchGetAll(this.client, this.tableName, keys, {
      projection: 'streamId, version, commitId',
    })) {
      stored.set(`${item.streamId!.S}\u0000${item.version!.N}`, item.commitId!.S!);
    }
    return stored;
  }

  /**
   * The id of the newest commit in the feed (undefined when empty). A runtime starts its live
   * tail there: every later commit passes through this process's store.
   */
  async headPosition(): Promise<string | undefined> {
    const days = await this.daysFrom(undefined, '9999-12-31');
    for (const { day, shards } of days.reverse()) {
      const lasts = await Promise.all(
        partitionsOfDay(day, shards, this.feedShards).map(async (partition) => {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: feedIndex,
              KeyConditionExpression: '#day = :day',
              ExpressionAttributeNames: { '#day': 'day' },
              ExpressionAttributeValues: { ':day': { S: partition } },
              ScanIndexForward: false,
              Limit: 1,
              ProjectionExpression: 'commitId',
            }),
          );
          return page.Items?.[0]?.commitId?.S;
        }),
      );
      const last = lasts.reduce<string | undefined>(
        (max, id) => (id && (!max || id > max) ? id : max),
        undefined,
      );
      if (last) return last;
    }
    return undefined;
  }

  private async daysFrom(fromDay: string | undefined, toDay: string): Promise<FeedDay[]> {
    return feedDays(this.client, this.tableName, fromDay, toDay);
  }
}

/** The feed's days from `fromDay` to `toDay` (inclusive), as their markers list them. */
async function feedDays(
  client: DynamoDBClient,
  tableName: string,
  fromDay: string | undefined,
  toDay: string,
): Promise<FeedDay[]> {
  const days: FeedDay[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const result: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'streamId = :s AND version BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':s': { S: daysStream },
          ':from': { N: (fromDay ?? '1970-01-01').replaceAll('-', '') },
          ':to': { N: toDay.replaceAll('-', '') },
        },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of result.Items ?? []) {
      const d = item.version!.N!;
      const shards = item.feedShards?.N;
      days.push({
        day: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`,
        shards: shards === undefined ? undefined : Number(shards),
      });
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return days;
}

export interface FeedIndexUpgrade {
  /** Days whose commits were moved from their one old partition into the shards. */
  days: string[];
  /** Commit items re-keyed. */
  commits: number;
}

/**
 * The upgrade of a store written before the feed was sharded (an old local data folder, a deployed
 * stage): every commit still in its day's one old partition (`day` = `YYYY-MM-DD`) is re-keyed to its
 * shard (`YYYY-MM-DD#n`, one UpdateItem each, conditioned on the old value so a re-run or a racing
 * upgrade changes nothing twice), then the day's marker records the shard count, which tells readers
 * to stop reading the old partition. The index itself does not change (same name, same key
 * attributes); DynamoDB re-indexes each updated item. Idempotent: a store already upgraded costs one
 * Query of the day markers. Updates are MODIFY records on the table's stream, which the outbox
 * publisher ignores (it publishes INSERTs only), so nothing is published twice.
 *
 * On AWS the index is eventually consistent, so a day is marked only once a fresh read of its old
 * partition finds it empty.
 */
export async function upgradeFeedIndex(
  client: DynamoDBClient,
  tableName: string,
  options: {
    concurrency?: number;
    /**
     * Look into the old partition of days already marked too (one Query each): on a deployed stage,
     * a function still running the old code during the deploy may have written one there after
     * an earlier run marked the day.
     */
    recheckMarkedDays?: boolean;
    /** The shard count to move old days into: the one the store writing this table uses. */
    feedShards?: number;
    log?: (line: string) => void;
  } = {},
): Promise<FeedIndexUpgrade> {
  const upgrade: FeedIndexUpgrade = { days: [], commits: 0 };
  const defaultShards = options.feedShards ?? feedShards;
  const concurrency = options.concurrency ?? 16;
  for (const { day, shards } of await feedDays(client, tableName, undefined, '9999-12-31')) {
    if (shards !== undefined && !options.recheckMarkedDays) continue;
    const shardCount = shards ?? defaultShards;
    const before = upgrade.commits;
    for (;;) {
      const keys: { streamId: string; version: string; commitId: string }[] = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page: QueryCommandOutput = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: feedIndex,
            KeyConditionExpression: '#day = :day',
            ExpressionAttributeNames: { '#day': 'day' },
            ExpressionAttributeValues: { ':day': { S: day } },
            ProjectionExpression: 'streamId, version, commitId',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? [])
          keys.push({ streamId: item.streamId!.S!, version: item.version!.N!, commitId: item.commitId!.S! });
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      if (keys.length === 0) break;
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, keys.length) }, async () => {
          for (let i = next++; i < keys.length; i = next++) {
            const key = keys[i]!;
            try {
              await client.send(
                new UpdateItemCommand({
                  TableName: tableName,
                  Key: { streamId: { S: key.streamId }, version: { N: key.version } },
                  UpdateExpression: 'SET #day = :partition',
                  ConditionExpression: '#day = :day AND commitId = :commitId',
                  ExpressionAttributeNames: { '#day': 'day' },
                  ExpressionAttributeValues: {
                    ':partition': { S: feedPartitionOf(key.commitId, key.streamId, shardCount) },
                    ':day': { S: day },
                    ':commitId': { S: key.commitId },
                  },
                }),
              );
              upgrade.commits++;
            } catch (error) {
              // Moved already (a re-run, or the index lagging behind an earlier pass): nothing to do.
              if (!(error instanceof ConditionalCheckFailedException)) throw error;
            }
          }
        }),
      );
    }
    if (shards !== undefined && upgrade.commits === before) continue;
    if (shards === undefined)
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { streamId: { S: daysStream }, version: { N: day.replaceAll('-', '') } },
          UpdateExpression: 'SET feedShards = :shards',
          ExpressionAttributeValues: { ':shards': { N: String(shardCount) } },
        }),
      );
    upgrade.days.push(day);
    options.log?.(`feed index: ${day}: ${upgrade.commits - before} commit(s) moved into its shards`);
  }
  return upgrade;
}

/**
 * The item of one commit, exactly as the store writes it. Exported for tools and tests that must
 * write history as an older producer did (events of a version the current code no longer writes).
 */
export function commitItem(
  commit: {
    streamId: string;
    version: number;
    commitId: string;
    producer: string;
    envelopes: { metadata: EventMetadata; data: unknown }[];
  },
  shards = feedShards,
): Record<string, AttributeValue> {
  return {
    streamId: { S: commit.streamId },
    version: { N: String(commit.version) },
    lastVersion: { N: String(commit.version + commit.envelopes.length - 1) },
    commitId: { S: commit.commitId },
    day: { S: feedPartitionOf(commit.commitId, commit.streamId, shards) },
    producer: { S: commit.producer },
    events: { S: JSON.stringify(commit.envelopes.map(({ metadata, data }) => ({ metadata, data }))) },
  };
}

/**
 * The item that lists `day` (YYYY-MM-DD) among the feed's days: readers walk the feed day by day.
 * Tools that write commits directly (history as an older producer wrote it) write it too.
 */
export function feedDayItem(day: string, shards = feedShards): Record<string, AttributeValue> {
  return {
    ...feedDayItemKey(day),
    feedShards: { N: String(shards) },
  };
}

function feedDayItemKey(day: string): Record<string, AttributeValue> {
  return { streamId: { S: daysStream }, version: { N: day.replaceAll('-', '') } };
}

/**
 * A commit's feed partition, `<day>#<shard>`: the UTC day of its id and a shard from a hash of its
 * stream (FNV-1a), so it is computed again from the item alone (the upgrade re-keys old items so).
 */
export function feedPartitionOf(commitId: string, streamId: string, shards = feedShards): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) {
    hash ^= streamId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${dayOf(commitId)}#${hash % shards}`;
}

/**
 * The feed partitions to read for a day. A day whose marker records its shard count is in exactly
 * those shards. A day marked before the feed was sharded (an old data folder, or a deployed stage
 * between the deploy and its upgrade) may hold commits in the day's one old partition and, written
 * since the deploy, in the shards: read both until `upgradeFeedIndex` has moved it.
 */
function partitionsOfDay(day: string, shards: number | undefined, ownShards: number): string[] {
  const sharded = Array.from({ length: shards ?? ownShards }, (_, i) => `${day}#${i}`);
  return shards === undefined ? [day, ...sharded] : sharded;
}

interface FeedDay {
  day: string;
  /** The shard count its marker records; undefined on a day marked before sharding. */
  shards: number | undefined;
}

/** The UTC day of a commit id, from its ULID time: the feed index partition. */
export function dayOf(commitId: string): string {
  return new Date(decodeTime(commitId)).toISOString().slice(0, 10);
}

/**
 * A stored commit. `latest`: events upcast to their latest version, for deciders reading their own
 * stream (DESIGN §2: upcast on read). Otherwise events exactly as stored, as EventBridge delivers
 * what was published: a consumer validates the stored version and upcasts on receipt, so a bad
 * old event reaches the dead letters with a report naming its own version.
 */
function commitOf(item: Record<string, AttributeValue>, { latest }: { latest: boolean }): Commit {
  const envelopes = JSON.parse(item.events!.S!) as Omit<MtdEvent, 'type'>[];
  return {
    streamId: item.streamId!.S!,
    version: Number(item.version!.N),
    lastVersion: Number(item.lastVersion!.N),
    commitId: item.commitId!.S!,
    events: envelopes.map((e) =>
      latest ? upcastToLatest(e) : ({ type: e.metadata.eventType, ...e } as MtdEvent),
    ),
  };
}
