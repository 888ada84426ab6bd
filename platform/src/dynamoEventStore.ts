import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
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
import { AppendFence } from './appendFence';
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

/** The event store table: one item per commit; the `feed` index orders commits by time (DESIGN §3). */
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
  private readonly knownDays = new Set<string>();

  constructor(options: DynamoEventStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.producer = options.producer;
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? ulidGenerator(this.clock);
    this.fence = options.fence ?? new AppendFence();
    this.live = options.live;
    this.streams = options.streams;
  }

  /** True when the stream's state is in this process's cache (a read of it costs nothing). */
  isCached(streamId: string): boolean {
    return this.streams?.has(streamId) ?? false;
  }

  /** A store for another producer on the same table, client and fence. */
  forProducer(producer: Source): DynamoEventStore {
    return new DynamoEventStore({
      client: this.client,
      tableName: this.tableName,
      producer,
      clock: this.clock,
      ids: this.ids,
      fence: this.fence,
      ...(this.live ? { live: this.live } : {}),
      ...(this.streams ? { streams: this.streams } : {}),
    });
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
      await this.rememberDay(day);
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: commitItem({ streamId, version: after + 1, commitId, producer, envelopes: events }),
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

  private async rememberDay(day: string): Promise<void> {
    if (this.knownDays.has(day)) return;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: feedDayItem(day),
          ConditionExpression: 'attribute_not_exists(streamId)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    this.knownDays.add(day);
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
    for (const day of days) {
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: feedIndex,
            KeyConditionExpression: '#day = :day AND commitId BETWEEN :after AND :before',
            ExpressionAttributeNames: { '#day': 'day' },
            ExpressionAttributeValues: {
              ':day': { S: day },
              ':after': { S: position ?? '0' },
              ':before': { S: horizon },
            },
            Limit: limit - commits.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const commit = commitOf(item, { latest: false });
          // BETWEEN is inclusive; the position was read already and the horizon is not settled.
          if (commit.commitId !== position && commit.commitId !== horizon) commits.push(commit);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey && commits.length < limit);
      if (commits.length >= limit) break;
    }
    const stored = await this.storedCommitIds(commits);
    return {
      commits: commits.filter((c) => stored.get(`${c.streamId}\u0000${c.version}`) === c.commitId),
      position: commits.at(-1)?.commitId ?? position,
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
    for (const day of days.reverse()) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: feedIndex,
          KeyConditionExpression: '#day = :day',
          ExpressionAttributeNames: { '#day': 'day' },
          ExpressionAttributeValues: { ':day': { S: day } },
          ScanIndexForward: false,
          Limit: 1,
          ProjectionExpression: 'commitId',
        }),
      );
      const last = page.Items?.[0]?.commitId?.S;
      if (last) return last;
    }
    return undefined;
  }

  private async daysFrom(fromDay: string | undefined, toDay: string): Promise<string[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'streamId = :s AND version BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':s': { S: daysStream },
          ':from': { N: (fromDay ?? '1970-01-01').replaceAll('-', '') },
          ':to': { N: toDay.replaceAll('-', '') },
        },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => {
      const d = item.version!.N!;
      return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
    });
  }
}

/**
 * The item of one commit, exactly as the store writes it. Exported for tools and tests that must
 * write history as an older producer did (events of a version the current code no longer writes).
 */
export function commitItem(commit: {
  streamId: string;
  version: number;
  commitId: string;
  producer: string;
  envelopes: { metadata: EventMetadata; data: unknown }[];
}): Record<string, AttributeValue> {
  return {
    streamId: { S: commit.streamId },
    version: { N: String(commit.version) },
    lastVersion: { N: String(commit.version + commit.envelopes.length - 1) },
    commitId: { S: commit.commitId },
    day: { S: dayOf(commit.commitId) },
    producer: { S: commit.producer },
    events: { S: JSON.stringify(commit.envelopes.map(({ metadata, data }) => ({ metadata, data }))) },
  };
}

/**
 * The item that lists `day` (YYYY-MM-DD) among the feed's days: readers walk the feed day by day.
 * Tools that write commits directly (history as an older producer wrote it) write it too.
 */
export function feedDayItem(day: string): Record<string, AttributeValue> {
  return { streamId: { S: daysStream }, version: { N: day.replaceAll('-', '') } };
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
