import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { anSqsRecord } from '@mtd/platform/aws/testing';
import type { EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { S3ObjectCreatedDetail } from './intakeLambda';

const dynamo = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
let lambda: typeof import('./intakeLambda');

const orderXml = (id: string, quantity = 2) =>
  `<PurchaseOrder id="${id}" channel="web" placedAt="2026-11-24T10:00:00Z" currency="CLP">` +
  '<Customer id="C-77"><Name>Ana Pérez</Name><Email>ana@example.cl</Email></Customer>' +
  `<Lines><Line sku="SKU-1" quantity="${quantity}" unitPrice="9990"><Description>Tijeras</Description></Line></Lines>` +
  '<Shipping region="RM"><Address>Av. Siempre Viva 742, Santiago</Address></Shipping>' +
  '<DispatchBy>2026-11-25T18:00:00Z</DispatchBy></PurchaseOrder>';

/** A message as the API Gateway → SQS FIFO integration queues it. */
function queuedOrder(body: string, options: { id: string; group: string; contentType?: string }): SQSRecord {
  const record = anSqsRecord(body, { messageId: options.id });
  return {
    ...record,
    attributes: { ...record.attributes, MessageGroupId: options.group, MessageDeduplicationId: options.id },
    eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:mtd-dev-intake-orders.fifo',
    messageAttributes: {
      contentType: {
        stringValue: options.contentType ?? 'application/xml',
        dataType: 'String',
        stringListValues: [],
        binaryListValues: [],
      },
      requestId: {
        stringValue: `req-${options.id}`,
        dataType: 'String',
        stringListValues: [],
        binaryListValues: [],
      },
    },
  };
}

const commitsOf = () =>
  dynamo
    .commandCalls(PutItemCommand)
    .map((c) => c.args[0].input)
    .filter((p) => p.Item?.streamId?.S !== '$days');

describe('intake Lambda entry points', () => {
  beforeAll(async () => {
    // The Lambda reads the system clock; the orders below were placed on 2026-11-24. Only Date is
    // faked, so timers (SDK retries, Powertools) run as usual, and no verdict depends on today's date.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-24T10:00:30Z'));
    vi.stubEnv('EVENT_STORE_TABLE', 'mtd-dev-events');
    vi.stubEnv('FEED_SHARDS', '4');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    lambda = await import('./intakeLambda');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.useRealTimers();
  });
  beforeEach(() => {
    dynamo.reset();
    s3.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutItemCommand).resolves({});
  });

  it('receiveOrderFromQueue records a queued XML order on order-<id> with one conditional PutItem', async () => {
    const event: SQSEvent = { Records: [queuedOrder(orderXml('PO-1001'), { id: 'm1', group: 'PO-1001' })] };
    expect(await lambda.receiveOrderFromQueue(event)).toEqual({ batchItemFailures: [] });
    const commits = commitsOf();
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({
      TableName: 'mtd-dev-events',
      ConditionExpression: 'attribute_not_exists(streamId)',
      Item: { streamId: { S: 'order-PO-1001' }, version: { N: '1' }, producer: { S: 'mtd.intake' } },
    });
    const types = JSON.parse(commits[0]!.Item!.events!.S!).map(
      (e: { metadata: { eventType: string } }) => e.metadata.eventType,
    );
    expect(types).toEqual(['OrderReceived', 'OrderAccepted']);
  });

  it('a rejected or unsupported order is final, but a store failure fails its message group only', async () => {
    dynamo
      .on(PutItemCommand, { Item: { streamId: { S: 'order-PO-DOWN' } } })
      .rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    const event: SQSEvent = {
      Records: [
        queuedOrder(orderXml('PO-DOWN'), { id: 'down-1', group: 'PO-DOWN' }),
        queuedOrder(orderXml('PO-OK'), { id: 'ok-1', group: 'PO-OK' }),
        queuedOrder(orderXml('PO-DOWN', 3), { id: 'down-2', group: 'PO-DOWN' }),
        queuedOrder(orderXml('PO-BAD', 0), { id: 'bad-1', group: 'PO-BAD' }),
        queuedOrder('name,qty', { id: 'csv-1', group: 'PO-CSV', contentType: 'text/csv' }),
      ],
    };
    const response = await lambda.receiveOrderFromQueue(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'down-1' }, { itemIdentifier: 'down-2' }]);
    const recorded = commitsOf()
      .filter((c) => c.Item?.streamId?.S !== 'order-PO-DOWN')
      .map((c) => [c.Item?.streamId?.S, JSON.parse(c.Item!.events!.S!).at(-1).metadata.eventType]);
    expect(recorded).toEqual([
      ['order-PO-OK', 'OrderAccepted'],
      ['order-PO-BAD', 'OrderRejected'],
    ]);
  });

  it('receiveBatchFileFromS3 reads the object and records every order of the file', async () => {
    const file = `<PurchaseOrders>${orderXml('PO-B1')}${orderXml('PO-B2', 0)}</PurchaseOrders>`;
    s3.on(GetObjectCommand).resolves({
      Body: { transformToByteArray: async () => new TextEncoder().encode(file) } as never,
      ContentLength: Buffer.byteLength(file),
    });
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: {
        bucket: { name: 'mtd-dev-intake-batches' },
        object: { key: 'inbox/day+1.xml', size: file.length },
      },
    } as EventBridgeEvent<'Object Created', S3ObjectCreatedDetail>;

    const report = await lambda.receiveBatchFileFromS3(event);

    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'mtd-dev-intake-batches', Key: 'inbox/day 1.xml' },
    ]);
    expect(report).toMatchObject({ status: 'processed', total: 2, accepted: 1, rejected: 1 });
    expect(
      commitsOf()
        .map((c) => c.Item?.streamId?.S)
        .sort(),
    ).toEqual(['order-PO-B1', 'order-PO-B2']);
  });

  it('does not even read a batch file over the size limit', async () => {
    const event = {
      detail: { bucket: { name: 'b' }, object: { key: 'huge.xml', size: 50 * 1024 * 1024 } },
    } as EventBridgeEvent<'Object Created', S3ObjectCreatedDetail>;
    const report = await lambda.receiveBatchFileFromS3(event);
    expect(report).toMatchObject({ status: 'unreadable', problems: [{ code: 'file_too_large' }] });
    expect(s3.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
