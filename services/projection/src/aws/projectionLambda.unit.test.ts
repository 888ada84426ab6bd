import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { OrderAcceptedV1, OrderAtRiskV1 } from '@mtd/contracts';
import { anEventOf, anSqsRecord, sqsEventOf } from '@mtd/platform/aws/testing';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { evolveOrderView, type OrderView } from '#domain/orderView';
import { anOrder } from '#src/testing/orderHistory';

const dynamo = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const cloudWatch = mockClient(CloudWatchClient);
let lambda: typeof import('./projectionLambda');

const accepted = () => anEventOf(OrderAcceptedV1, { streamId: 'order-PO-1001', streamVersion: 2 });

describe('projection Lambda entry points', () => {
  beforeAll(async () => {
    vi.stubEnv('ORDERS_TABLE', 'mtd-dev-projection-orders');
    vi.stubEnv('TIMELINE_TABLE', 'mtd-dev-projection-timeline');
    vi.stubEnv('AUDIT_TABLE', 'mtd-dev-projection-audit');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    lambda = await import('./projectionLambda');
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  beforeEach(() => {
    dynamo.reset();
    sqs.reset();
    cloudWatch.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(GetItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(BatchGetItemCommand).resolves({ Responses: {} });
    dynamo.on(BatchWriteItemCommand).resolves({});
    dynamo.on(TransactWriteItemsCommand).resolves({});
  });

  it('projectOrderOnEvent writes the order view and the timeline, and only those tables', async () => {
    const response = await lambda.projectOrderOnEvent(sqsEventOf(accepted()));
    expect(response).toEqual({ batchItemFailures: [] });
    const tables = new Set(
      dynamo.calls().flatMap((c) => {
        const input = c.args[0].input as { TableName?: string; RequestItems?: object };
        return input.TableName ? [input.TableName] : Object.keys(input.RequestItems ?? {});
      }),
    );
    expect(tables).toEqual(new Set(['mtd-dev-projection-orders', 'mtd-dev-projection-timeline']));
    const [view] = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(view).toMatchObject({
      TableName: 'mtd-dev-projection-orders',
      Item: { orderId: { S: 'PO-1001' } },
      ConditionExpression: 'attribute_not_exists(orderId)',
    });
    const [lines] = dynamo.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input);
    expect(lines?.RequestItems?.['mtd-dev-projection-timeline']?.[0]?.PutRequest?.Item?.orderId).toEqual({
      S: 'PO-1001',
    });
  });

  it('projectOrderOnEvent folds an SQS batch as one page: one read, one timeline write, one view write', async () => {
    const batch = ['PO-1', 'PO-2', 'PO-3'].map((orderId) => {
      const data = structuredClone(OrderAcceptedV1.example) as {
        orderId: string;
        order: { orderId: string };
      };
      data.orderId = orderId;
      data.order.orderId = orderId;
      return anEventOf(OrderAcceptedV1, { streamId: `order-${orderId}`, streamVersion: 2, data });
    });
    const response = await lambda.projectOrderOnEvent(sqsEventOf(...batch));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(BatchGetItemCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(BatchWriteItemCommand)).toHaveLength(1);
    const [transaction] = dynamo.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input);
    expect(transaction?.TransactItems?.map((t) => t.Put?.ConditionExpression)).toEqual([
      'attribute_not_exists(orderId)',
      'attribute_not_exists(orderId)',
      'attribute_not_exists(orderId)',
    ]);
  });

  it('reports a record it cannot project while projecting the other', async () => {
    const broken = anSqsRecord('{"source":"mtd.intake","detail":{}}', { messageId: 'broken' });
    const response = await lambda.projectOrderOnEvent(sqsEventOf(broken, accepted()));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'broken' }] });
  });

  it('serves the query API through its function URL (payload v2)', async () => {
    dynamo.on(GetItemCommand).resolves({});
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/api/orders/PO-404',
      rawQueryString: '',
      headers: { host: 'abc.lambda-url.us-east-1.on.aws' },
      isBase64Encoded: false,
      requestContext: {
        http: {
          method: 'GET',
          path: '/api/orders/PO-404',
          protocol: 'HTTP/1.1',
          sourceIp: '10.0.0.1',
          userAgent: 't',
        },
        domainName: 'abc.lambda-url.us-east-1.on.aws',
        requestId: 'r',
        routeKey: '$default',
        stage: '$default',
        time: '24/Nov/2026:10:00:00 +0000',
        timeEpoch: 1795000000000,
        accountId: '111122223333',
        apiId: 'abc',
        domainPrefix: 'abc',
      },
    } satisfies APIGatewayProxyEventV2 as unknown as Parameters<typeof lambda.queryApi>[0];
    const response = await lambda.queryApi(event, {} as Context);
    expect(response.statusCode).toBe(404);
    expect(dynamo.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'mtd-dev-projection-orders',
      Key: { orderId: { S: 'PO-404' } },
    });
  });

  describe('the early-warning entry', () => {
    const acceptedAt = '2026-11-24T10:00:00.000Z';
    /** The projection queue's oldest message `ageSeconds` old in the minute starting at 10:58. */
    const queueAge = (ageSeconds: number | undefined) =>
      cloudWatch.on(GetMetricDataCommand).resolves({
        MetricDataResults: [
          {
            Id: 'queueAge',
            Timestamps: ageSeconds === undefined ? [] : [new Date('2026-11-24T10:58:00.000Z')],
            Values: ageSeconds === undefined ? [] : [ageSeconds],
          },
          { Id: 'publisherLag', Timestamps: [], Values: [] },
        ],
      });

    beforeEach(() => {
      vi.stubEnv('EVENT_STORE_TABLE', 'mtd-dev-events');
      vi.stubEnv('FEED_SHARDS', '4');
      vi.stubEnv('PROJECTION_QUEUE_NAME', 'mtd-dev-projection-projectOrderOnEvent');
      vi.stubEnv('OUTBOX_PUBLISHER_FUNCTION_NAME', 'mtd-dev-outbox-publisher');
      // The Lambda reads the system clock: pin it, so the verdict never depends on today's date.
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-24T11:00:00Z') });
      // Accepted an hour before "now" and still no DTE in its view; its DispatchBy is still ahead.
      const history = anOrder('PO-LATE').received(acceptedAt).accepted(acceptedAt).events;
      const view = history.reduce<OrderView | undefined>((v, e) => evolveOrderView(v, e), undefined)!;
      dynamo
        .on(QueryCommand, { TableName: 'mtd-dev-projection-orders' })
        .resolves({
          Items: [{ orderId: { S: 'PO-LATE' }, view: { S: JSON.stringify(view) }, revision: { N: '2' } }],
        })
        .on(QueryCommand, { TableName: 'mtd-dev-events' })
        .resolves({ Items: [] })
        .on(PutItemCommand)
        .resolves({});
    });

    it('appends one OrderAtRisk per stage past its deadline when the projection keeps up', async () => {
      queueAge(5);
      // An hour late: the issuance, broadcast and notification deadlines have all passed.
      expect(await lambda.checkOrdersAtRisk()).toEqual({ status: 'judged', raised: 3, ordersRead: 1 });
      const commits = dynamo
        .commandCalls(PutItemCommand)
        .map((c) => c.args[0].input)
        .filter((input) => input.Item?.streamId?.S === 'sla-PO-LATE');
      expect(commits.every((c) => c.TableName === 'mtd-dev-events')).toBe(true);
      expect(commits.every((c) => c.ConditionExpression === 'attribute_not_exists(streamId)')).toBe(true);
      const events = commits.flatMap(
        (c) =>
          JSON.parse(c.Item!.events!.S!) as { metadata: { eventType: string }; data: { stage: string } }[],
      );
      expect(events.every((e) => e.metadata.eventType === OrderAtRiskV1.detailType)).toBe(true);
      expect(events.map((e) => e.data.stage).sort()).toEqual([
        'dte-broadcast',
        'dte-issuance',
        'notification',
      ]);
      // Only orders first seen by watermark − smallest deadline are read, from the inProcess index.
      // Watermark: 10:58 − 5 s (queue age) − 60 s (delivery margin) = 10:56:55; minus 5 min.
      const listing = dynamo
        .commandCalls(QueryCommand)
        .map((c) => c.args[0].input)
        .find((input) => input.TableName === 'mtd-dev-projection-orders');
      expect(listing).toMatchObject({
        IndexName: 'inProcess',
        KeyConditionExpression: '#k = :v AND #lk < :below',
        ExpressionAttributeValues: { ':v': { S: '1' }, ':below': { S: '2026-11-24T10:51:55.000Z$' } },
      });
    });

    it('raises nothing while the projection queue is an hour behind', async () => {
      queueAge(3_600);
      expect(await lambda.checkOrdersAtRisk()).toEqual({ status: 'judged', raised: 0, ordersRead: 1 });
      expect(dynamo.commandCalls(PutItemCommand)).toEqual([]);
    });

    it('judges nothing when CloudWatch has no queue age (watermark unknown)', async () => {
      queueAge(undefined);
      expect(await lambda.checkOrdersAtRisk()).toEqual({
        status: 'watermark-unknown',
        raised: 0,
        ordersRead: 0,
      });
      expect(dynamo.calls()).toEqual([]);
    });
  });
});
