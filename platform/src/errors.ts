/** Another writer appended to the stream first; re-read, re-decide and retry. */
export class StreamVersionConflictError extends Error {
  override readonly name = 'StreamVersionConflictError';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number | 'no-stream',
    options?: { cause?: unknown },
  ) {
    super(
      `stream ${streamId} is not at version ${String(expectedVersion)}: another writer appended first`,
      options,
    );
  }
}

/** A producer tried to append to a stream another service owns. */
export class StreamOwnershipError extends Error {
  override readonly name = 'StreamOwnershipError';
  constructor(
    readonly producer: string,
    readonly streamId: string,
  ) {
    super(`${producer} may not append to ${streamId}: the stream belongs to another service`);
  }
}

/** A commit would not fit a DynamoDB item or an event would not fit an EventBridge entry. */
export class EventTooLargeError extends Error {
  override readonly name = 'EventTooLargeError';
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${what} is ${bytes} bytes, over the ${limit}-byte limit`);
  }
}
