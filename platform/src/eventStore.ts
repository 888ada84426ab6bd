import type { EventMetadata, EventType, MtdEvent } from '@mtd/contracts';

/** `no-stream`: the stream must not exist; a number: the stream must be exactly there; `any`: no check. */
export type ExpectedVersion = 'no-stream' | 'any' | number;

/** An event to append: the store adds streamId, streamVersion, eventType, eventVersion and producer. */
export interface NewEvent {
  type: EventType;
  data: unknown;
  metadata: Pick<EventMetadata, 'eventId' | 'occurredAt' | 'correlationId' | 'causationId' | 'actor'>;
}

/** One commit: the atomic unit of an append, one DynamoDB item (DESIGN §3). */
export interface Commit {
  streamId: string;
  /** Version of the commit's first event. */
  version: number;
  /** Version of the commit's last event. */
  lastVersion: number;
  /** Sortable id (ULID) that orders the time-ordered feed. */
  commitId: string;
  events: MtdEvent[];
}

export interface ReadStreamResult {
  /** The stream's current version; 0 when it does not exist. */
  version: number;
  events: MtdEvent[];
}

export interface AppendResult {
  commitId: string;
  /** The version to expect on the next append. */
  nextExpectedVersion: number;
  events: MtdEvent[];
}

export interface FeedPage {
  commits: Commit[];
  /** Where the next read starts; unchanged when nothing was read. */
  position: string | undefined;
}

export interface EventStoreReader {
  /** A stream's events, each upcast to the latest version of its type. */
  readStream(streamId: string): Promise<ReadStreamResult>;
  /**
   * Commits after `position` (a commitId, exclusive) in commit order, up to the settled horizon: a
   * reader never sees a commit while an earlier one may still become visible, so it never skips one.
   * Events come as stored (their published version); consumers validate and upcast on receipt.
   */
  readFeed(position: string | undefined, options?: { limit?: number }): Promise<FeedPage>;
  /**
   * A feed position that every commit appended from now on sorts after, and every commit appended
   * before sorts before (commit ids come from one monotonic generator). Only where this process is
   * the one writer of the store (the local runtime); undefined elsewhere, where another process may
   * append at any time. A subscription runner uses it to tell a commit no earlier run can have
   * delivered (`HandlerContext.firstDelivery`).
   */
  newCommitsAfter?(): string | undefined;
}

export interface EventStore extends EventStoreReader {
  /** True when reading the stream costs nothing (its state is cached in this process). */
  isCached?(streamId: string): boolean;
  /**
   * Appends one commit atomically. Throws StreamVersionConflictError when `expectedVersion` does not
   * hold, StreamOwnershipError for another service's stream, EventValidationError for an invalid event.
   * An exact expected version must come from a read of the stream (a commit boundary).
   */
  append(
    streamId: string,
    events: NewEvent[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult>;
}
