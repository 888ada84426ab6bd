import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { MtdEvent } from '@mtd/contracts';
import { type BackoffPolicy, backoffDelayMs } from './backoff';
import { EventTooLargeError } from './errors';
import { toEventBridgeEvent } from './eventBridgeEvent';

/** PutEvents takes at most 10 entries per request (EventBridge quotas). */
export const putEventsMaxEntries = 10;
/** 256 KB: the limit on one entry and on the entries of one PutEvents request together. */
export const putEventsMaxBytes = 262_144;

/**
 * Entry error codes EventBridge documents as not retryable: sending the same entry again fails
 * the same way, so the publisher gives up on it at once instead of spending its attempts.
 * Any other code (ThrottlingException, InternalFailure, or one we do not know) is retried.
 */
const permanentEntryErrors = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

/** Error names of a whole request that a later identical request may not hit (throttling, 5xx, network). */
const transientErrorNames = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalException',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const transientNetworkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** One event EventBridge did not accept, with the reason it gave. */
export interface PublishFailure {
  eventId: string;
  eventType: string;
  errorCode: string;
  errorMessage: string;
}

/**
 * Events could not be published: a batch still had failed entries after `maxAttempts`, an entry
 * failed with a non-retryable code, or the request failed with a non-retryable error (`cause`).
 * Events of earlier batches were published (`published`); `unsentEventIds` were never tried.
 * In the outbox this fails the stream batch so it is retried: publishing is at-least-once.
 */
export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
  readonly failures: PublishFailure[];
  readonly attempts: number;
  readonly published: number;
  readonly unsentEventIds: string[];
  constructor(
    details: { failures: PublishFailure[]; attempts: number; published: number; unsentEventIds: string[] },
    options?: { cause?: unknown },
  ) {
    super(
      `${details.failures.length} event(s) not published to EventBridge after ${details.attempts} attempt(s): ${details.failures
        .map((f) => `${f.eventId} (${f.eventType}) ${f.errorCode}: ${f.errorMessage}`)
        .join(
          '; ',
        )}${details.unsentEventIds.length > 0 ? `; ${details.unsentEventIds.length} more not sent` : ''}`,
      options,
    );
    this.failures = details.failures;
    this.attempts = details.attempts;
    this.published = details.published;
    this.unsentEventIds = details.unsentEventIds;
  }
}

export interface PublishResult {
  /** Events EventBridge accepted. */
  published: number;
  /** PutEvents calls made, retries included. */
  attempts: number;
}

export interface EventBridgePublisher {
  publish(events: readonly MtdEvent[]): Promise<PublishResult>;
}

export interface EventBridgePublisherOptions {
  client: EventBridgeClient;
  /** Name or ARN of the MTD bus. */
  eventBusName: string;
  /** PutEvents attempts per batch, the first included. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** In [0,1): the jitter source. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The PutEvents entry an MTD event becomes; `Detail` is exactly what rules and consumers see. */
export function toPutEventsEntry(event: MtdEvent, eventBusName: string): PutEventsRequestEntry {
  return {
    Source: event.metadata.producer,
    DetailType: event.metadata.eventType,
    Detail: JSON.stringify(toEventBridgeEvent(event).detail),
    Time: new Date(event.metadata.occurredAt),
    EventBusName: eventBusName,
  };
}

/**
 * The size EventBridge charges an entry against its 256 KB limit, as AWS documents it
 * ("Calculating Amazon EventBridge PutEvents event entry size"): `Time` counts 14 bytes when set;
 * `Source`, `DetailType`, `Detail` and each of `Resources` count their UTF-8 bytes.
 * `EventBusName` and `TraceHeader` do not count.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  size += Buffer.byteLength(entry.Source ?? '', 'utf8');
  size += Buffer.byteLength(entry.DetailType ?? '', 'utf8');
  if (entry.Detail !== undefined) size += Buffer.byteLength(entry.Detail, 'utf8');
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

interface PreparedEntry {
  event: MtdEvent;
  entry: PutEventsRequestEntry;
  bytes: number;
}

/** Greedy, order-keeping packing: a new batch starts at 10 entries or when the next entry would pass 256 KB. */
function packBatches(entries: PreparedEntry[]): PreparedEntry[][] {
  const batches: PreparedEntry[][] = [];
  let current: PreparedEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    if (
      current.length > 0 &&
      (current.length === putEventsMaxEntries || currentBytes + entry.bytes > putEventsMaxBytes)
    ) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function isTransientRequestError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (e.$retryable) return true;
  if (typeof e.name === 'string' && transientErrorNames.has(e.name)) return true;
  if (typeof e.code === 'string' && transientNetworkCodes.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status === 429 || status >= 500;
  return e.$fault === 'server';
}

function describeError(error: unknown): { errorCode: string; errorMessage: string } {
  if (error instanceof Error) return { errorCode: error.name, errorMessage: error.message };
  return { errorCode: 'UnknownError', errorMessage: String(error) };
}

function failureOf(
  prepared: PreparedEntry,
  reason: { errorCode: string; errorMessage: string },
): PublishFailure {
  return {
    eventId: prepared.event.metadata.eventId,
    eventType: prepared.event.metadata.eventType,
    ...reason,
  };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Publishes MTD events to the EventBridge bus. This is the publisher of the AWS transactional
 * outbox (DESIGN §4): the DynamoDB Streams → publisher Lambda hands it the events of each new
 * event-store commit, so nothing is published that was not stored and nothing stored is left
 * unpublished (a throw fails the stream batch, which Lambda retries).
 *
 * - Every event is checked against the 256 KB entry limit before anything is sent; an oversized
 *   event is refused with {@link EventTooLargeError}, never truncated (DESIGN §2: claim check).
 * - Entries are packed into requests of at most 10 entries and 256 KB together.
 * - When PutEvents reports failed entries, only those are sent again (matched by position in the
 *   response's `Entries`), after exponential backoff with full jitter; a thrown throttling/5xx/network
 *   error retries the whole batch. After `maxAttempts` it throws {@link PublishFailedError}.
 *
 * Delivery is at-least-once: an event can reach the bus twice (a retried stream batch, a lost
 * response), so consumers drop what they already applied by `streamId`/`streamVersion`.
 *
 * @example
 * const publisher = createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: 'mtd' });
 * await publisher.publish(events); // { published: 25, attempts: 3 }
 */
export function createEventBridgePublisher(options: EventBridgePublisherOptions): EventBridgePublisher {
  const {
    client,
    eventBusName,
    maxAttempts = 5,
    backoff = { baseMs: 100, maxMs: 5000 },
    random = Math.random,
    sleep = realSleep,
  } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  }

  /** Sends one batch until every entry is accepted; returns the calls made and what is still failed. */
  async function sendBatch(
    batch: PreparedEntry[],
  ): Promise<{ calls: number; failures: PublishFailure[]; cause?: unknown }> {
    let pending = batch;
    let pendingFailures: PublishFailure[] = [];
    const permanent: PublishFailure[] = [];
    let cause: unknown;
    let calls = 0;
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoffDelayMs(attempt - 1, backoff, random));
      calls++;
      let output: PutEventsCommandOutput;
      try {
        output = await client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      } catch (error) {
        cause = error;
        pendingFailures = pending.map((p) => failureOf(p, describeError(error)));
        if (!isTransientRequestError(error)) {
          return { calls, failures: [...permanent, ...pendingFailures], cause };
        }
        continue;
      }
      cause = undefined;
      if ((output.FailedEntryCount ?? 0) === 0) {
        pending = [];
        pendingFailures = [];
        break;
      }
      // Response entries match request entries by position. One without a result, or with an
      // ErrorCode, failed; if FailedEntryCount > 0 but none can be identified, none is trusted.
      const results = output.Entries ?? [];
      const failedAt = (i: number) => results[i] === undefined || results[i]?.ErrorCode !== undefined;
      const identified = pending.some((_, i) => failedAt(i));
      const retry: PreparedEntry[] = [];
      pendingFailures = [];
      pending.forEach((prepared, i) => {
        if (identified && !failedAt(i)) return;
        const failure = failureOf(prepared, {
          errorCode: results[i]?.ErrorCode ?? 'UnknownFailure',
          errorMessage:
            results[i]?.ErrorMessage ?? `PutEvents reported ${output.FailedEntryCount} failed entries`,
        });
        if (permanentEntryErrors.has(failure.errorCode)) {
          permanent.push(failure);
        } else {
          retry.push(prepared);
          pendingFailures.push(failure);
        }
      });
      pending = retry;
    }
    return { calls, failures: [...permanent, ...pendingFailures], cause };
  }

  return {
    async publish(events) {
      const prepared = events.map((event): PreparedEntry => {
        const entry = toPutEventsEntry(event, eventBusName);
        const bytes = putEventsEntrySize(entry);
        if (bytes > putEventsMaxBytes) {
          throw new EventTooLargeError(
            `event ${event.metadata.eventId} (${event.metadata.eventType}) as a PutEvents entry`,
            bytes,
            putEventsMaxBytes,
          );
        }
        return { event, entry, bytes };
      });
      const batches = packBatches(prepared);
      let published = 0;
      let attempts = 0;
      for (const [index, batch] of batches.entries()) {
        const { calls, failures, cause } = await sendBatch(batch);
        attempts += calls;
        if (failures.length > 0) {
          throw new PublishFailedError(
            {
              failures,
              attempts: calls,
              published: published + batch.length - failures.length,
              unsentEventIds: batches
                .slice(index + 1)
                .flat()
                .map((p) => p.event.metadata.eventId),
            },
            cause === undefined ? undefined : { cause },
          );
        }
        published += batch.length;
      }
      return { published, attempts };
    },
  };
}
