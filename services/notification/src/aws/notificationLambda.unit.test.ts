import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { OrderAtRiskV1 } from '@mtd/contracts';
import { anEventOf, anSqsRecord, sqsEventOf } from '@mtd/platform/aws/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { aDteIssuedEvent } from '#src/testing/aDteIssuedEvent';

const dynamo = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const sqs = mockClient(SQSClient);

let lambda: typeof import('./notificationLambda');

describe('notification Lambda entry point', () => {
  beforeAll(async () => {
    vi.stubEnv('EVENT_STORE_TABLE', 'mtd-dev-events');
    vi.stubEnv('FEED_SHARDS', '4');
    vi.stubEnv('SES_CONFIGURATION_SET', 'mtd-dev-notification');
    vi.stubEnv('EMAIL_FROM', 'MTD Boletas <boletas@mtd.example.cl>');
    vi.stubEnv('OPERATIONS_EMAIL', 'operaciones@mtd.example.cl');
    vi.stubEnv('EFFECT_CLAIMS_TABLE', 'mtd-dev-notification-effect-claims');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    lambda = await import('./notificationLambda');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  beforeEach(() => {
    dynamo.reset();
    ses.reset();
    sqs.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutItemCommand).resolves({});
  });

  it('emails the customer through SES v2 and records CustomerNotified with a conditional PutItem', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const issued = aDteIssuedEvent({ orderId: 'PO-1001', folio: 4711 });

    const response = await lambda.notifyCustomerOnDteIssued(sqsEventOf(issued));

    expect(response).toEqual({ batchItemFailures: [] });
    const [email] = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(email).toMatchObject({
      FromEmailAddress: 'MTD Boletas <boletas@mtd.example.cl>',
      Destination: { ToAddresses: ['ana@example.cl'] },
      ConfigurationSetName: 'mtd-dev-notification',
      EmailTags: [{ Name: 'orderId', Value: 'PO-1001' }],
    });
    const simple = email?.Content?.Simple;
    expect(simple?.Subject?.Data).toContain('4711');
    expect(simple?.Body?.Text?.Data).toContain('Ana Pérez');
    expect(simple?.Body?.Html?.Data).toContain('<html');
    expect(simple?.Subject?.Charset).toBe('UTF-8');
    const commits = dynamo
      .commandCalls(PutItemCommand)
      .map((c) => c.args[0].input)
      .filter((p) => p.TableName === 'mtd-dev-events' && p.Item?.streamId?.S !== '$days');
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({
      TableName: 'mtd-dev-events',
      ConditionExpression: 'attribute_not_exists(streamId)',
      Item: { streamId: { S: 'notification-PO-1001' }, producer: { S: 'mtd.notification' } },
    });
    const [notified] = JSON.parse(commits[0]!.Item!.events!.S!);
    expect(notified.metadata.eventType).toBe('CustomerNotified');
  });

  it('fails only the record whose email SES throttles; the other customer is emailed', async () => {
    ses
      .on(SendEmailCommand, { Destination: { ToAddresses: ['slow@example.cl'] } })
      .rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    ses
      .on(SendEmailCommand, { Destination: { ToAddresses: ['ana@example.cl'] } })
      .resolves({ MessageId: 'ses-2' });
    const throttled = anSqsRecord(
      JSON.parse(
        sqsEventOf(
          aDteIssuedEvent({
            orderId: 'PO-2',
            customer: { id: 'C-1', name: 'Lenta', email: 'slow@example.cl' },
          }),
        ).Records[0]!.body,
      ),
      { messageId: 'throttled' },
    );
    const fine = aDteIssuedEvent({ orderId: 'PO-3' });

    const response = await lambda.notifyCustomerOnDteIssued(sqsEventOf(throttled, fine));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'throttled' }] });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
    const streams = dynamo
      .commandCalls(PutItemCommand)
      .map((c) => c.args[0].input.Item?.streamId?.S)
      .filter((s) => s !== undefined && s !== '$days');
    expect(streams).toEqual(['notification-PO-3']);
  });

  it('sends nothing for an archive replay (external effect)', async () => {
    const replay = aDteIssuedEvent({ orderId: 'PO-4' });
    const record = JSON.parse(sqsEventOf(replay).Records[0]!.body);
    const response = await lambda.notifyCustomerOnDteIssued(
      sqsEventOf(anSqsRecord({ ...record, 'replay-name': 'rebuild' })),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ses.calls()).toHaveLength(0);
  });

  it('emails operations one digest per SQS batch of OrderAtRisk warnings, never on a replay', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-ops' });
    const warningOf = (orderId: string) =>
      anEventOf(OrderAtRiskV1, { streamId: `sla-${orderId}`, data: { ...OrderAtRiskV1.example, orderId } });
    const response = await lambda.notifyOperationsOnOrderAtRisk(
      sqsEventOf(warningOf('PO-1'), warningOf('PO-2'), warningOf('PO-3')),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    const emails = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      Destination: { ToAddresses: ['operaciones@mtd.example.cl'] },
      EmailTags: [
        { Name: 'kind', Value: 'order-at-risk' },
        { Name: 'orders', Value: '3' },
      ],
    });
    expect(emails[0]?.Content?.Simple?.Subject?.Data).toBe('3 pedidos en riesgo (3 etapas fuera de plazo)');
    // It records no event: its only DynamoDB calls are its claim (taken, then completed).
    expect(dynamo.calls().map((c) => (c.args[0].input as { TableName?: string }).TableName)).toEqual([
      'mtd-dev-notification-effect-claims',
      'mtd-dev-notification-effect-claims',
    ]);

    const record = JSON.parse(sqsEventOf(warningOf('PO-4')).Records[0]!.body);
    await lambda.notifyOperationsOnOrderAtRisk(
      sqsEventOf(anSqsRecord({ ...record, 'replay-name': 'rebuild' })),
    );
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });
});
