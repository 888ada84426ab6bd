import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { commitItem } from '../dynamoEventStore';
import { createEventBridgePublisher } from '../eventBridgePublisher';
import { outboxPublisherHandler } from './outboxPublisherHandler';
import { anOrderAcceptedEvent } from './sqsTestEvents';

const eventBridge = mockClient(EventBridgeClient);
const commitId = '01KAT0000000000000000000AA';

function insertOf(orderIds: string[], sequenceNumber: string): DynamoDBRecord {
  const envelopes = orderIds.map((id) => anOrderAcceptedEvent(id));
  const item = commitItem({
    streamId: `order-${orderIds[0]}`,
    version: 2,
    commitId,
    producer: 'mtd.intake',
    envelopes,
  });
  return {
    eventName: 'INSERT',
    dynamodb: { NewImage: item as never, SequenceNumber: sequenceNumber, StreamViewType: 'NEW_IMAGE' },
  };
}

const daysMarker: DynamoDBRecord = {
  eventName: 'INSERT',
  dynamodb: { NewImage: { streamId: { S: '$days' }, version: { N: '20261124' } }, SequenceNumber: '50' },
};

function handler() {
  const publisher = createEventBridgePublisher({
    client: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'mtd-dev-bus',
    maxAttempts: 2,
    sleep: async () => {},
  });
  return outboxPublisherHandler({ publisher });
}

describe('outboxPublisherHandler', () => {
  beforeEach(() => eventBridge.reset());

  it('publishes every event of every inserted commit and skips $days markers and non-inserts', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const modify: DynamoDBRecord = { ...insertOf(['PO-X'], '70'), eventName: 'MODIFY' };
    const event: DynamoDBStreamEvent = {
      Records: [daysMarker, insertOf(['PO-1', 'PO-2', 'PO-3'], '100'), modify, insertOf(['PO-4'], '200')],
    };
    expect(await handler()(event)).toEqual({ batchItemFailures: [] });
    const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => JSON.parse(e.Detail!).data.orderId)).toEqual(['PO-1', 'PO-2', 'PO-3', 'PO-4']);
    expect(entries.every((e) => e.EventBusName === 'mtd-dev-bus' && e.Source === 'mtd.intake')).toBe(true);
    expect(entries.every((e) => e.DetailType === 'OrderAccepted')).toBe(true);
  });

  it('stops at the first commit it cannot publish and reports its sequence number', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }] })
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] });
    const event: DynamoDBStreamEvent = {
      Records: [insertOf(['PO-1'], '100'), insertOf(['PO-2'], '200'), insertOf(['PO-3'], '300')],
    };
    expect(await handler()(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    const sent = eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => JSON.parse(c.args[0].input.Entries![0]!.Detail!).data.orderId);
    expect(sent).toEqual(['PO-1', 'PO-2', 'PO-2']);
  });
});
