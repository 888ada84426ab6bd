import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { toEventBridgeEvent } from '../eventBridgeEvent';
import type { EventHandler, HandlerContext } from '../handler';
import { maxDeferSeconds, queueUrlOf, sqsEventBridgeHandler } from './sqsEventBridgeHandler';
import { anOrderAcceptedEvent, anSqsRecord, sqsEventOf, testQueueArn, testQueueUrl } from './sqsTestEvents';

const sqsMock = mockClient(SQSClient);
const now = new Date('2026-11-24T10:00:01.250Z');
const clock = { now: () => now };

describe('sqsEventBridgeHandler', () => {
  beforeEach(() => {
    sqsMock.reset();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  it('hands each valid event to the handler with subscription, attempt and replay name', async () => {
    const seen: { type: string; context: HandlerContext }[] = [];
    const handler: EventHandler = async (event, context) => {
      seen.push({ type: event.type, context });
    };
    const event = anOrderAcceptedEvent();
    const replayed = anSqsRecord(toEventBridgeEvent(event, { replayName: 'rebuild-2026' }), {
      attributes: { ...anSqsRecord('{}').attributes, ApproximateReceiveCount: '3' },
    });
    const lambda = sqsEventBridgeHandler({ subscriptionName: 'issueDteOnOrderAccepted', handler, clock });
    const response = await lambda(sqsEventOf(event, replayed));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([
      { type: 'OrderAccepted', context: { subscription: 'issueDteOnOrderAccepted', attempt: 1 } },
      {
        type: 'OrderAccepted',
        context: { subscription: 'issueDteOnOrderAccepted', attempt: 3, replayName: 'rebuild-2026' },
      },
    ]);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('reports only the bad records as batch item failures and still handles the good one', async () => {
    const handled: string[] = [];
    const handler: EventHandler = async (event) => {
      handled.push(event.metadata.eventId);
    };
    const good = anOrderAcceptedEvent('PO-GOOD');
    const invalid = anOrderAcceptedEvent('PO-BAD');
    const invalidBody = toEventBridgeEvent(invalid);
    (invalidBody.detail.data as { acceptedAt: string }).acceptedAt = 'yesterday';
    const notJson = anSqsRecord('not json at all', { messageId: 'm-not-json' });
    const badSchema = anSqsRecord(invalidBody, { messageId: 'm-bad-schema' });
    const lambda = sqsEventBridgeHandler({ subscriptionName: 's', handler, clock });
    const response = await lambda(sqsEventOf(notJson, good, badSchema));
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'm-not-json' },
      { itemIdentifier: 'm-bad-schema' },
    ]);
    expect(handled).toEqual([good.metadata.eventId]);
  });

  it('fails the record whose handler throws', async () => {
    const record = anSqsRecord(toEventBridgeEvent(anOrderAcceptedEvent()), { messageId: 'm-throws' });
    const lambda = sqsEventBridgeHandler({
      subscriptionName: 's',
      handler: async () => {
        throw new Error('DynamoDB is down');
      },
      clock,
    });
    expect(await lambda(sqsEventOf(record))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-throws' }] });
  });

  it('on { retryAt } sets the visibility to the remaining delay and reports the record failed', async () => {
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    const record = anSqsRecord(toEventBridgeEvent(anOrderAcceptedEvent()), { messageId: 'm-later' });
    const lambda = sqsEventBridgeHandler({
      subscriptionName: 'retryBroadcastOnDteBroadcastFailed',
      handler: async () => ({ retryAt: new Date(now.getTime() + 90_500) }),
      sqs: new SQSClient({ region: 'us-east-1' }),
      clock,
    });
    expect(await lambda(sqsEventOf(record))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-later' }] });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: testQueueUrl, ReceiptHandle: 'receipt-m-later', VisibilityTimeout: 91 },
    ]);
  });

  it('caps the deferral below the 12-hour visibility limit', async () => {
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    const lambda = sqsEventBridgeHandler({
      subscriptionName: 's',
      handler: async () => ({ retryAt: new Date(now.getTime() + 48 * 3600_000) }),
      sqs: new SQSClient({ region: 'us-east-1' }),
      clock,
    });
    await lambda(sqsEventOf(anOrderAcceptedEvent()));
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(
      maxDeferSeconds,
    );
  });

  it('emits the event-time to handled latency through Powertools Metrics, one EMF line per invocation', async () => {
    const write = vi.mocked(process.stdout.write);
    write.mockClear();
    const lambda = sqsEventBridgeHandler({ subscriptionName: 'sub', handler: async () => {}, clock });
    const one = sqsEventOf(anOrderAcceptedEvent());
    const two = sqsEventOf(anOrderAcceptedEvent());
    await lambda({ Records: [...one.Records, ...two.Records.map((r) => ({ ...r, messageId: 'm-2' }))] });
    const emf = write.mock.calls
      .map((c) => String(c[0]))
      .filter((l) => l.includes('EventToHandledLatency'))
      .map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      service: 'sub',
      Subscription: 'sub',
      EventToHandledLatency: [1000, 1000],
    });
    expect(emf[0]._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'MTD',
      Dimensions: [['service', 'Subscription']],
      Metrics: [{ Name: 'EventToHandledLatency', Unit: 'Milliseconds' }],
    });
  });

  it('logs a failure with the order id as the correlation id', async () => {
    // Powertools Logger writes errors to stderr.
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const lambda = sqsEventBridgeHandler({
      subscriptionName: 'sub',
      handler: async () => {
        throw new Error('DynamoDB is down');
      },
      clock,
    });
    await lambda(sqsEventOf(anOrderAcceptedEvent('PO-4711')));
    const lines = write.mock.calls
      .map((c) => String(c[0]))
      .filter((l) => l.includes('handler failed'))
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'ERROR', correlation_id: 'PO-4711', subscription: 'sub' });
    write.mockRestore();
  });

  it('turns a queue ARN into its URL', () => {
    expect(queueUrlOf(testQueueArn)).toBe(testQueueUrl);
    expect(() => queueUrlOf('nope')).toThrow(RangeError);
  });
});
