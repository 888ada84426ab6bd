import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { MtdEvent } from '@mtd/contracts';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventBridgePublisher } from '../eventBridgePublisher';
import { correlationIdKey } from './observability';

/** The pseudo-stream of day markers in the event store: index items, not commits, never published. */
export const daysMarkerStreamId = '$days';

interface StoredCommit {
  streamId: string;
  version: number;
  commitId: string;
  events: string;
}

/** The events of a commit item exactly as stored: consumers validate and upcast on receipt. */
export function eventsOfCommitItem(image: Record<string, AttributeValue>): MtdEvent[] {
  const commit = unmarshall(image) as StoredCommit;
  const envelopes = JSON.parse(commit.events) as Omit<MtdEvent, 'type'>[];
  return envelopes.map((e) => ({ type: e.metadata.eventType, ...e }) as MtdEvent);
}

/** The order id of a commit (its events' correlation id), for the logs; undefined if unreadable. */
function correlationIdOf(image: Record<string, AttributeValue>): string | undefined {
  try {
    return eventsOfCommitItem(image)[0]?.metadata.correlationId;
  } catch {
    return undefined;
  }
}

export interface OutboxPublisherHandlerOptions {
  publisher: EventBridgePublisher;
  logger?: Logger;
}

export type DynamoStreamLambdaHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/**
 * The publisher of the transactional outbox (DESIGN §4): DynamoDB Streams (NEW_IMAGE) on the event
 * store → every event of every new commit → the MTD bus.
 *
 * One stream record is one commit of N events, so each record fans out into N PutEvents entries
 * (the publisher packs them ≤ 10 and ≤ 256 KB per request and retries failed entries by
 * `FailedEntryCount`). `$days` marker items and non-INSERT records are skipped.
 *
 * Records are published in stream order and the first failure stops the batch: it is reported as
 * the batch item failure (its sequence number), so Lambda retries from that record on and nothing
 * after it is published out of turn. Events of that commit that did reach the bus may be published
 * again (at-least-once; consumers drop duplicates by streamId/streamVersion).
 */
export function outboxPublisherHandler(options: OutboxPublisherHandlerOptions): DynamoStreamLambdaHandler {
  const { publisher } = options;
  const logger = options.logger ?? new Logger({ serviceName: 'outbox-publisher' });
  return async (event) => {
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined;
      if (record.eventName !== 'INSERT' || !image) continue;
      if (image.streamId?.S === daysMarkerStreamId) continue;
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      try {
        const events = eventsOfCommitItem(image);
        await publisher.publish(events);
      } catch (error) {
        logger.error('commit not published; the stream batch is retried from this record', {
          [correlationIdKey]: correlationIdOf(image),
          streamId: image.streamId?.S,
          version: image.version?.N,
          commitId: image.commitId?.S,
          sequenceNumber,
          error: error as Error,
        });
        if (!sequenceNumber) throw error;
        return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
      }
    }
    return { batchItemFailures: [] };
  };
}
