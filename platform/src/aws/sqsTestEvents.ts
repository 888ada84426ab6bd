import { type EventDefinition, type MtdEvent, OrderAcceptedV1 } from '@mtd/contracts';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { ulidGenerator } from '../clock';
import { type EventBridgeEvent, toEventBridgeEvent } from '../eventBridgeEvent';

const ids = ulidGenerator();

/** A queue ARN as Lambda's SQS event source reports it; its URL is {@link testQueueUrl}. */
export const testQueueArn = 'arn:aws:sqs:us-east-1:111122223333:mtd-dev-test';
export const testQueueUrl = 'https://sqs.us-east-1.amazonaws.com/111122223333/mtd-dev-test';

/** A schema-valid OrderAccepted event (the contract's example data) with fresh ids. */
export function anOrderAcceptedEvent(orderId = 'PO-1001'): MtdEvent {
  const example = OrderAcceptedV1.example;
  return {
    type: OrderAcceptedV1.detailType,
    metadata: {
      eventId: ids.next(),
      eventType: OrderAcceptedV1.detailType,
      eventVersion: OrderAcceptedV1.version,
      streamId: `order-${orderId}`,
      streamVersion: 2,
      occurredAt: '2026-11-24T10:00:00.250Z',
      correlationId: orderId,
      causationId: ids.next(),
      producer: OrderAcceptedV1.source,
      actor: 'partner:web',
    },
    data: { ...example, orderId, order: { ...example.order, orderId } },
  } as MtdEvent;
}

/**
 * A schema-valid event of any definition as a handler receives it; its data is the contract's
 * example unless given.
 */
export function anEventOf(
  definition: EventDefinition,
  options: { data?: unknown; streamId: string; streamVersion?: number; occurredAt?: string },
): MtdEvent {
  const data = options.data ?? definition.example;
  const orderId = (data as { orderId?: string }).orderId ?? 'PO-1001';
  const detail = definition.detail.parse({
    metadata: {
      eventId: ids.next(),
      eventType: definition.detailType,
      eventVersion: definition.version,
      streamId: options.streamId,
      streamVersion: options.streamVersion ?? 1,
      occurredAt: options.occurredAt ?? '2026-11-24T10:00:01.123Z',
      correlationId: orderId,
      causationId: ids.next(),
      producer: definition.source,
      actor: 'system',
    },
    data,
  });
  return { type: definition.detailType, ...detail } as MtdEvent;
}

/** One SQS record as Lambda hands it over, holding `body` (an EventBridge event or anything else). */
export function anSqsRecord(body: EventBridgeEvent | string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  const messageId = overrides.messageId ?? ids.next();
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1764000000000',
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: '1764000000001',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: testQueueArn,
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

/** An SQS event of one record per MTD event, each body the EventBridge event a rule delivers. */
export function sqsEventOf(...events: (MtdEvent | SQSRecord)[]): SQSEvent {
  return {
    Records: events.map((e) =>
      'messageId' in e
        ? e
        : anSqsRecord(toEventBridgeEvent(e, { account: '111122223333', region: 'us-east-1' })),
    ),
  };
}
export { type DynamoTestEndpoint, startDynamoTestEndpoint } from './dynamoTestEndpoint';
