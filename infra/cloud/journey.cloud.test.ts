import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { selfSignedCredentials } from '@mtd/dte';
import { startTaxAuthoritySimulator, type TaxAuthoritySimulator } from '@mtd/local';
import { AppendFence, DynamoEventStore } from '@mtd/platform';
import { eventsOfCommitItem, feedShardsVariable } from '@mtd/platform/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyOf } from './callLog';
import { CloudHarness } from './cloudHarness';
import { assemblyDir, cloudRunLogPath } from './cloudTier';
import type { Deployment } from './deployment';
import { checkCalls, type Principal, principalsOf } from './iamCheck';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const dynamodbLocalDir = process.env.MTD_DYNAMODB_LOCAL_DIR;
if (!dynamodbLocalDir)
  throw new Error('MTD_DYNAMODB_LOCAL_DIR is not set: run this tier with npm run test:cloud');

let simulator: TaxAuthoritySimulator;
let harness: CloudHarness;

/** The dte settings the template gives the dte functions (issuer and signer). */
function dteSettings(deployment: Deployment): { issuer: { rut: string; name: string; senderRut: string } } {
  const fn = deployment.ofType('AWS::Lambda::Function').find((f) => f.stackName.endsWith('-dte'));
  const variables = (fn?.Properties?.Environment as { Variables?: Record<string, string> } | undefined)
    ?.Variables;
  if (!variables?.DTE_SETTINGS) throw new Error('no dte function with DTE_SETTINGS in the templates');
  return JSON.parse(variables.DTE_SETTINGS);
}

const secretArnOf = (deployment: Deployment, logicalIdPrefix: string) => {
  const secret = deployment
    .ofType('AWS::SecretsManager::Secret')
    .find((s) => s.logicalId.startsWith(logicalIdPrefix));
  if (!secret) throw new Error(`no secret ${logicalIdPrefix}`);
  return deployment.arnOf(secret);
};

const orderJson = (orderId: string) =>
  JSON.stringify({ ...JSON.parse(readFileSync(join(examples, 'order.json'), 'utf8')), orderId });

async function queryApi(path: string): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  // A Lambda function URL request (payload format 2.0), as the query API receives it.
  const [rawPath, rawQueryString = ''] = path.split('?') as [string, string?];
  const result = (await harness.invoke(
    harness.fn('mtd-dev-projection-query-api'),
    {
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString,
      headers: { host: 'query.lambda-url.us-east-1.on.aws' },
      requestContext: {
        http: {
          method: 'GET',
          path: rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'cloud-tier',
        },
        domainName: 'query.lambda-url.us-east-1.on.aws',
        requestId: 'cloud-tier',
        stage: '$default',
        timeEpoch: Date.now(),
      },
      isBase64Encoded: false,
    },
    'direct',
  )) as { statusCode: number; body: string };
  return { statusCode: result.statusCode, body: JSON.parse(result.body) };
}

const harnessDynamo = () =>
  new DynamoDBClient({
    region: 'us-east-1',
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    credentials: { accessKeyId: accessKeyOf('harness'), secretAccessKey: 'emulated' },
  });

const eventStoreTableName = () =>
  String(
    harness.deployment.ofType('AWS::DynamoDB::Table').find((t) => t.stackName.endsWith('-platform'))
      ?.physicalName,
  );

/** Every commit item the event store holds (the day markers left out). */
async function storedCommitItems() {
  const items = [];
  for await (const page of paginateScan({ client: harnessDynamo() }, { TableName: eventStoreTableName() }))
    for (const item of page.Items ?? []) if (item.events) items.push(item);
  return items;
}

/** Every event the event store holds, from its commits. */
async function storedEventIds(): Promise<string[]> {
  return (await storedCommitItems()).flatMap((item) =>
    eventsOfCommitItem(item).map((e) => e.metadata.eventId),
  );
}

beforeAll(async () => {
  simulator = await startTaxAuthoritySimulator({ failureRate: 0, latencyMs: { min: 0, max: 0 } });
  harness = new CloudHarness({
    assemblyDir,
    dynamodbLocalDir,
    // The one setting the harness replaces: the SII lives outside AWS; its simulator stands in.
    environmentOverrides: { TAX_AUTHORITY_URL: simulator.url },
    // CloudWatch answers every metric with 0 now: the projection is caught up (queue age 0, no
    // publisher lag), so the early-warning check judges instead of skipping.
    metricValue: () => 0,
    secrets: (deployment) => {
      const { issuer } = dteSettings(deployment);
      const caf = (dteType: 33 | 39) =>
        simulator.issueCaf({ rut: issuer.rut, name: issuer.name, dteType, count: 100 });
      return {
        [secretArnOf(deployment, 'TaxAuthorityCredentials')]: JSON.stringify(
          selfSignedCredentials({ now: new Date(), rut: issuer.senderRut, name: 'MTD firma de prueba' }),
        ),
        [secretArnOf(deployment, 'Cafs')]: JSON.stringify({ cafs: [caf(33), caf(39)] }),
      };
    },
  });
  await harness.start();
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  await simulator?.close();
});

describe('the emulated cloud: the bundles in cdk.out against emulated AWS', () => {
  let principals: Principal[];

  it('takes an order from API Gateway and a batch file from S3 to the read model and an SES email', async () => {
    expect(
      await harness.postOrder({
        body: orderJson('PO-1002'),
        contentType: 'application/json',
        orderId: 'PO-1002',
      }),
    ).toBe(202);
    const bucket = harness.deployment
      .ofType('AWS::S3::Bucket')
      .find((b) => b.logicalId.startsWith('Batches'));
    await harness.putBatchFile(
      String(bucket?.physicalName),
      'incoming/batch.xml',
      readFileSync(join(examples, 'batch.xml'), 'utf8'),
    );
    await harness.drain();

    const fromApi = await queryApi('/api/orders/PO-1002');
    expect(fromApi.statusCode).toBe(200);
    expect((fromApi.body.order as { stage: string }).stage).toBe('completed');
    const fromBatch = await queryApi('/api/orders/PO-1003');
    expect((fromBatch.body.order as { stage: string }).stage).toBe('completed');
    const rejected = await queryApi('/api/orders/PO-1004');
    expect((rejected.body.order as { stage: string }).stage).toBe('rejected');

    const emails = (await (await fetch(`${harness.sesEndpoint}/store`)).json()) as {
      emails: { destination: { to: string[] }; subject: string }[];
    };
    const recipients = emails.emails.flatMap((email) => email.destination.to);
    expect(recipients).toEqual(
      expect.arrayContaining(['compras@losandes.example.cl', 'jose.munoz@example.cl']),
    );
    expect(simulator.received()).toBe(2);
  });

  it("makes no AWS call outside its caller's synthesised policy", async () => {
    principals = principalsOf(harness.deployment, [...harness.functions.values()]);
    const checked = await checkCalls(harness.calls, principals);
    expect(checked.denied).toEqual([]);
    expect(checked.allowed).toBeGreaterThan(50);
  });

  it('runs the scheduled early-warning check within its role', async () => {
    const fn = harness.fn('mtd-dev-projection-early-warning');
    const callsBefore = harness.calls.length;
    // EventBridge Scheduler invokes it with no input (the schedule's target sets none).
    const result = (await harness.invoke(fn, {}, 'eventbridge')) as { status: string; ordersRead: number };
    expect(result.status).not.toBe('watermark-unknown');
    const calls = harness.calls.slice(callsBefore);
    expect(calls.map((call) => `${call.service} ${call.operation}`)).toEqual(
      expect.arrayContaining(['local GetMetricData', 'dynamodb Query']),
    );
    expect((await checkCalls(calls, principals)).denied).toEqual([]);
  });

  it.each([
    ['mtd-dev-outbox-publisher', 'events:PutEvents'],
    ['mtd-dev-projection-early-warning', 'dynamodb:Query'],
  ])('fails the IAM check when %s loses its %s statement in a copy of its policy', async (caller, action) => {
    const principal = principals.find((p) => p.name === caller);
    if (!principal) throw new Error(`no role for ${caller}`);
    const without: Principal = {
      ...principal,
      policies: principal.policies.map((policy) => ({
        ...policy,
        document: {
          ...policy.document,
          Statement: policy.document.Statement.filter((s) => ![s.Action].flat().includes(action)),
        },
      })),
    };
    expect((await checkCalls(harness.calls, principals)).denied).toEqual([]);
    const checked = await checkCalls(
      harness.calls,
      principals.map((p) => (p === principal ? without : p)),
    );
    expect(new Set(checked.denied.map((d) => `${d.caller} ${d.action}`))).toEqual(
      new Set([`${caller} ${action}`]),
    );
  });

  it('moves a poisoned message to the DLQ after the receives its redrive policy allows', async () => {
    const queue = harness.deployment
      .ofType('AWS::SQS::Queue')
      .find((q) => q.physicalName === 'mtd-dev-projection-projectOrderOnEvent');
    const redrive = harness.deployment.resolve(
      String(queue?.stackName),
      queue?.Properties?.RedrivePolicy,
    ) as {
      deadLetterTargetArn: string;
      maxReceiveCount: number;
    };
    expect(redrive.maxReceiveCount).toBe(10);
    const before = harness.invocations.length;
    await harness.send(String(queue?.physicalName), '{"not":"an MTD event"}');
    await harness.drain();
    const receives = harness.invocations
      .slice(before)
      .filter((i) => i.functionName === 'mtd-dev-projection-projectOrderOnEvent');
    expect(receives).toHaveLength(redrive.maxReceiveCount);
    const dead = await harness.receiveAll(redrive.deadLetterTargetArn.split(':').at(-1) ?? '');
    expect(dead.map((message) => message.Body)).toEqual(['{"not":"an MTD event"}']);
  });

  it('retries a partial PutEvents failure without losing or duplicating an event', async () => {
    const failedBefore = harness.bus.failedEntries();
    harness.bus.failNextPutEvents([1]);
    await harness.postOrder({
      body: orderJson('PO-2001'),
      contentType: 'application/json',
      orderId: 'PO-2001',
    });
    await harness.drain();
    // OrderReceived and OrderAccepted go in one PutEvents: the second entry failed once.
    expect(harness.bus.failedEntries() - failedBefore).toBe(1);
    const stored = await storedEventIds();
    const published = harness.bus.accepted
      .map((event) => (event.detail as { metadata?: { eventId?: string } }).metadata?.eventId)
      .filter((id): id is string => id !== undefined);
    expect(published.length).toBe(new Set(published).size);
    expect(new Set(published)).toEqual(new Set(stored));
    expect((await queryApi('/api/orders/PO-2001')).body.order).toMatchObject({ stage: 'completed' });
  });

  it("spreads the commits over the stage's feed shards, and the merged feed reads every one in order", async () => {
    const counts = new Set(
      harness.deployment
        .ofType('AWS::Lambda::Function')
        .map(
          (fn) =>
            (fn.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables,
        )
        .filter((variables) => variables?.EVENT_STORE_TABLE !== undefined)
        .map((variables) => variables?.[feedShardsVariable]),
    );
    expect(counts.size).toBe(1);
    const shards = Number([...counts][0]);
    expect(shards).toBeGreaterThan(1);
    const items = await storedCommitItems();
    const partitions = new Set(items.map((item) => item.day!.S!));
    for (const partition of partitions)
      expect(partition).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}#[0-${shards - 1}]$`));
    expect(partitions.size).toBeGreaterThan(1);
    // Replay and rebuild read the feed so: every shard of each day, merged in commit-id order.
    const reader = new DynamoEventStore({
      client: harnessDynamo(),
      tableName: eventStoreTableName(),
      fence: new AppendFence(0),
    });
    const read: string[] = [];
    let position: string | undefined;
    for (;;) {
      const page = await reader.readFeed(position, { limit: 7 });
      if (page.commits.length === 0) break;
      read.push(...page.commits.map((commit) => commit.commitId));
      position = page.position;
    }
    expect(read).toEqual(items.map((item) => item.commitId!.S!).sort());
  });

  it('records the call log of orders entering over the API, for docs/capacity.md', async () => {
    const orders = 10;
    const callsBefore = harness.calls.length;
    const invocationsBefore = harness.invocations.length;
    const acceptedBefore = harness.bus.accepted.length;
    for (let n = 0; n < orders; n++) {
      const orderId = `PO-CAP-${n}`;
      await harness.postOrder({ body: orderJson(orderId), contentType: 'application/json', orderId });
    }
    await harness.drain();
    for (let n = 0; n < orders; n++)
      expect((await queryApi(`/api/orders/PO-CAP-${n}`)).body.order).toMatchObject({ stage: 'completed' });
    const run = {
      orders,
      functions: Object.fromEntries(
        [...harness.functions.values()].map((fn) => [fn.name, { memoryMb: fn.memorySize }]),
      ),
      // The test's own calls and its reads through the query API are not the orders' processing.
      calls: harness.calls
        .slice(callsBefore)
        .filter((call) => call.caller !== 'harness' && call.caller !== 'mtd-dev-projection-query-api'),
      invocations: harness.invocations.slice(invocationsBefore).filter((i) => i.trigger !== 'direct'),
      events: harness.bus.accepted.slice(acceptedBefore).map((event) => ({
        type: event['detail-type'],
        bytes: Buffer.byteLength(JSON.stringify(event)),
      })),
    };
    mkdirSync(dirname(cloudRunLogPath), { recursive: true });
    writeFileSync(cloudRunLogPath, `${JSON.stringify(run, null, 1)}\n`);
    expect(run.calls.length).toBeGreaterThan(orders);
  });
});
