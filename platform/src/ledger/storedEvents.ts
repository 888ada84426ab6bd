import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { EventStoreReader } from '../eventStore';
import type { StoredEvent } from './ledgerLeaf';

/**
 * One commit of the event store exactly as stored: events at their stored version, never upcast,
 * because a leaf is the hash of what is stored. `commitId` is absent only on an item that was not
 * written by the store (a forgery without one).
 */
export interface StoredCommit {
  streamId: string;
  version: number;
  commitId?: string;
  events: StoredEvent[];
  /** Set when the item cannot be read as a commit: the reason. */
  unreadable?: string;
}

/** Where `verify` reads the store from: every commit, page by page, in any order. */
export interface CommitSource {
  commits(): AsyncIterable<StoredCommit[]>;
}

/**
 * The store read through its feed (`readFeed`), as the runtime's readers see it: commits as stored,
 * up to the settled horizon. Cannot see an item written without the feed index's attributes; use
 * {@link DynamoStoredEvents} to read the table itself.
 */
export function feedCommits(
  reader: EventStoreReader,
  { pageSize = 1000 }: { pageSize?: number } = {},
): CommitSource {
  return {
    async *commits() {
      let position: string | undefined;
      for (;;) {
        const page = await reader.readFeed(position, { limit: pageSize });
        if (page.commits.length === 0) return;
        yield page.commits.map((c) => ({
          streamId: c.streamId,
          version: c.version,
          commitId: c.commitId,
          events: c.events.map(({ metadata, data }) => ({ metadata, data })),
        }));
        position = page.position;
      }
    },
  };
}

const stopped = Symbol('stopped');

/**
 * Pseudo-streams (`$days`, the feed's day index) are the store's own bookkeeping, not commits; no
 * service owns a stream id starting with `$`, so none holds events.
 */
const isPseudoStream = (streamId: string) => streamId.startsWith('$');

/**
 * The event store's table read directly, as stored: a parallel Scan of every item for `verify` (it
 * also sees items the feed index would not show), and one stream's commits for proofs.
 */
export class DynamoStoredEvents implements CommitSource {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly segments: number;

  constructor(options: { client: DynamoDBClient; tableName: string; segments?: number }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.segments = options.segments ?? 4;
  }

  async *commits(): AsyncIterable<StoredCommit[]> {
    // Segments read concurrently; pages are handed over as they arrive, in no particular order. A
    // segment waits while a few pages are still unread, so memory stays bounded by a few 1 MB pages.
    const ready: StoredCommit[][] = [];
    let wake: (() => void) | undefined;
    let room: (() => void)[] = [];
    let failure: unknown;
    let running = this.segments;
    const scanSegment = async (segment: number) => {
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        while (ready.length >= this.segments) await new Promise<void>((resolve) => room.push(resolve));
        const page = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            Segment: segment,
            TotalSegments: this.segments,
            ConsistentRead: true,
            // Only what a leaf needs: the feed attributes (day, producer, lastVersion) stay behind.
            ProjectionExpression: 'streamId, version, commitId, events',
            ExclusiveStartKey: startKey,
          }),
        );
        ready.push(itemsToCommits(page.Items ?? []));
        wake?.();
        startKey = page.LastEvaluatedKey;
      } while (startKey && failure === undefined);
    };
    for (let segment = 0; segment < this.segments; segment++) {
      scanSegment(segment)
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => {
          running -= 1;
          wake?.();
        });
    }
    const makeRoom = () => {
      const waiting = room;
      room = [];
      for (const resolve of waiting) resolve();
    };
    try {
      for (;;) {
        if (failure !== undefined && failure !== stopped) throw failure;
        const next = ready.shift();
        if (next) {
          makeRoom();
          yield next;
          continue;
        }
        if (running === 0) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      // The reader stopped early (or failed): let the segments finish instead of waiting for room.
      failure ??= stopped;
      ready.length = 0;
      makeRoom();
    }
  }

  /** One stream's commits, as stored, in version order. */
  async readStream(streamId: string): Promise<StoredCommit[]> {
    const commits: StoredCommit[] = [];
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
      commits.push(...itemsToCommits(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return commits;
  }
}

function itemsToCommits(items: Record<string, AttributeValue>[]): StoredCommit[] {
  const commits: StoredCommit[] = [];
  for (const item of items) {
    const streamId = item.streamId?.S;
    if (streamId === undefined || isPseudoStream(streamId)) continue;
    commits.push(commitOfItem(streamId, item));
  }
  return commits;
}

/** Reads an item as the store wrote it (see `commitItem`); anything else is reported, not thrown. */
function commitOfItem(streamId: string, item: Record<string, AttributeValue>): StoredCommit {
  const version = Number(item.version?.N);
  const commitId = item.commitId?.S;
  const base = { streamId, version, ...(commitId === undefined ? {} : { commitId }) };
  const text = item.events?.S;
  if (text === undefined) return { ...base, events: [], unreadable: 'the item has no events' };
  try {
    const events = JSON.parse(text) as StoredEvent[];
    if (!Array.isArray(events) || events.some((e) => e === null || typeof e !== 'object' || !e.metadata)) {
      return { ...base, events: [], unreadable: 'its events are not event envelopes' };
    }
    return { ...base, events: events.map(({ metadata, data }) => ({ metadata, data })) };
  } catch {
    return { ...base, events: [], unreadable: 'its events are not JSON' };
  }
}
