import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type MtdEvent, OrderAtRiskV1, Streams } from '@mtd/contracts';
import { DynamoEventStore, effectClaimsTable, eventStoreTable, systemClock } from '@mtd/platform';
import {
  anEventOf,
  anSqsRecord,
  type DynamoTestEndpoint,
  sqsEventOf,
  startDynamoTestEndpoint,
} from '@mtd/platform/aws/testing';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { aDteIssuedEvent } from '#src/testing/aDteIssuedEvent';

/**
 * Concurrent duplicate delivery through the Lambda entries, against a real (dynalite) DynamoDB: SQS
 * hands the same message several times in one batch (Powertools processes a batch's records
 * concurrently) or to parallel invocations. SES is the only mock: it counts the emails.
 */
const ses = mockClient(SESv2Client);
const sqs = mockClient(SQSClient);
const eventsTable = 'mtd-dev-events';
const claimsTable = 'mtd-dev-notification-effect-claims';

let dynamo: DynamoTestEndpoint;
let lambda: typeof import('./notificationLambda');

const lambdaContext = {
  getRemainingTimeInMillis: () => 30_000,
  functionName: 'mtd-dev-notification',
  awsRequestId: 'req-1',
} as unknown as import('aws-lambda').Context;

/** The same SQS message (same messageId, same body), as SQS redelivers it. */
const copiesOf = (record: SQSRecord, n: number) => Array.from({ length: n }, () => ({ ...record }));

const failedIds = (responses: SQSBatchResponse[]) =>
  responses.flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier));

async function notificationStream(orderId: string): Promise<MtdEvent[]> {
  const store = new DynamoEventStore({ client: dynamo.client, tableName: eventsTable, clock: systemClock });
  return (await store.readStream(Streams.notification(orderId))).events;
}

describe('notification Lambdas under concurrent duplicate delivery', () => {
  beforeAll(async () => {
    dynamo = await startDynamoTestEndpoint([eventStoreTable(eventsTable), effectClaimsTable(claimsTable)]);
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('EVENT_STORE_TABLE', eventsTable);
    vi.stubEnv('FEED_SHARDS', '4');
    vi.stubEnv('EFFECT_CLAIMS_TABLE', claimsTable);
    vi.stubEnv('SES_CONFIGURATION_SET', 'mtd-dev-notification');
    vi.stubEnv('EMAIL_FROM', 'MTD Boletas <boletas@mtd.example.cl>');
    vi.stubEnv('OPERATIONS_EMAIL', 'operaciones@mtd.example.cl');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    lambda = await import('./notificationLambda');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    await dynamo.close();
  });
  beforeEach(() => {
    ses.reset();
    sqs.reset();
    let n = 0;
    ses.on(SendEmailCommand).callsFake(async () => ({ MessageId: `ses-${++n}` }));
  });

  const emailsTo = (address: string) =>
    ses
      .commandCalls(SendEmailCommand)
      .filter((c) => c.args[0].input.Destination?.ToAddresses?.includes(address));

  it('one DteIssued 3 times in one batch: one customer email, one CustomerNotified', async () => {
    const [record] = sqsEventOf(aDteIssuedEvent({ orderId: 'DUP-BATCH-1' })).Records;
    const response = await lambda.notifyCustomerOnDteIssued({ Records: copiesOf(record!, 3) }, lambdaContext);
    // SQS hands the failed copies out again later: they find the email recorded.
    if (failedIds([response]).length > 0) {
      expect(
        failedIds([await lambda.notifyCustomerOnDteIssued({ Records: [record!] }, lambdaContext)]),
      ).toEqual([]);
    }
    expect(emailsTo('ana@example.cl')).toHaveLength(1);
    const stream = await notificationStream('DUP-BATCH-1');
    expect(stream.map((e) => e.type)).toEqual(['CustomerNotified']);
    expect(stream[0]!.data).toMatchObject({ messageId: 'ses-1' });
  });

  it('one DteIssued to 3 parallel invocations: one customer email, one CustomerNotified', async () => {
    const [record] = sqsEventOf(aDteIssuedEvent({ orderId: 'DUP-PAR-1' })).Records;
    const responses = await Promise.all(
      [1, 2, 3].map(() => lambda.notifyCustomerOnDteIssued({ Records: [{ ...record! }] }, lambdaContext)),
    );
    for (const id of failedIds(responses)) expect(id).toBe(record!.messageId);
    expect(
      failedIds([await lambda.notifyCustomerOnDteIssued({ Records: [record!] }, lambdaContext)]),
    ).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect((await notificationStream('DUP-PAR-1')).map((e) => e.type)).toEqual(['CustomerNotified']);
    // The email carries the cause's stable Message-ID, in a header SES keeps.
    const headers = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content?.Simple?.Headers ?? [];
    expect(headers.find((h) => h.Name === 'X-MTD-Message-ID')?.Value).toMatch(
      /^<DUP-PAR-1-[0-9A-Z]+@mtd\.example\.cl>$/,
    );
  });

  it('one page of OrderAtRisk warnings 3 times in one batch and to 3 parallel invocations: one digest each', async () => {
    const warning = anEventOf(OrderAtRiskV1, {
      streamId: 'sla-DUP-RISK-1',
      data: { ...OrderAtRiskV1.example, orderId: 'DUP-RISK-1' },
    });
    const record = anSqsRecord(JSON.parse(sqsEventOf(warning).Records[0]!.body));
    // The same message 3 times in one batch: the page dedupes by event id.
    await lambda.notifyOperationsOnOrderAtRisk({ Records: copiesOf(record, 3) }, lambdaContext);
    expect(emailsTo('operaciones@mtd.example.cl')).toHaveLength(1);

    const other = anEventOf(OrderAtRiskV1, {
      streamId: 'sla-DUP-RISK-2',
      data: { ...OrderAtRiskV1.example, orderId: 'DUP-RISK-2' },
    });
    const otherRecord = anSqsRecord(JSON.parse(sqsEventOf(other).Records[0]!.body));
    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        lambda.notifyOperationsOnOrderAtRisk({ Records: [{ ...otherRecord }] }, lambdaContext),
      ),
    );
    // A copy told "in progress" is failed for SQS to hand out again; then it is a no-op.
    if (failedIds(responses).length > 0)
      await lambda.notifyOperationsOnOrderAtRisk({ Records: [otherRecord] }, lambdaContext);
    expect(emailsTo('operaciones@mtd.example.cl')).toHaveLength(2);
    const subjects = emailsTo('operaciones@mtd.example.cl').map(
      (c) => c.args[0].input.Content?.Simple?.Subject?.Data,
    );
    expect(subjects).toEqual([expect.stringContaining('DUP-RISK-1'), expect.stringContaining('DUP-RISK-2')]);
  });

  it('an SES failure releases the claim: the redelivery sends', async () => {
    ses.reset();
    ses
      .on(SendEmailCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }))
      .resolves({ MessageId: 'ses-after-throttle' });
    const [record] = sqsEventOf(aDteIssuedEvent({ orderId: 'DUP-THROTTLE-1' })).Records;
    expect(
      failedIds([await lambda.notifyCustomerOnDteIssued({ Records: [record!] }, lambdaContext)]),
    ).toEqual([record!.messageId]);
    expect(
      failedIds([await lambda.notifyCustomerOnDteIssued({ Records: [record!] }, lambdaContext)]),
    ).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
    expect((await notificationStream('DUP-THROTTLE-1'))[0]!.data).toMatchObject({
      messageId: 'ses-after-throttle',
    });
  });
});
