import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DteBroadcastFailedV1, DteIssuedV1, type MtdEvent } from '@mtd/contracts';
import { commitItem } from '@mtd/platform';
import { anEventOf, anSqsRecord, sqsEventOf, testQueueUrl } from '@mtd/platform/aws/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { issueCaf } from '#signing/cafIssuer';
import { anAcceptedOrder, orderAcceptedEvent } from '#src/testing/anAcceptedOrder';
import { type SiiCall, startScriptedSiiServer } from '#src/testing/scriptedSiiServer';
import { testAuthority, testCredentials, testIssuer } from '#src/testing/testIssuer';
import { DteConfigurationError, dteConfigFromEnv, dteEnvironment } from './dteConfig';

const dynamo = mockClient(DynamoDBClient);
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);

const certificateSecretArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:mtd-dev-dte-certificate';
const cafSecretArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:mtd-dev-dte-cafs';
/** The environment exactly as the stack writes it (`dteEnvironment`, the function infra calls). */
const env = dteEnvironment({
  eventStoreTable: 'mtd-dev-events',
  folioTable: 'mtd-dev-dte-folios',
  effectClaimsTable: 'mtd-dev-dte-effect-claims',
  taxAuthorityUrl: 'https://sii.example.cl/recepcion',
  certificateSecretArn,
  cafSecretArn,
  settings: {
    issuer: testIssuer,
    folioLowWater: 100,
    certificateWarningDays: 30,
    broadcast: { maxAttempts: 5, baseMs: 2_000, maxMs: 300_000 },
    statusPollMs: 30_000,
  },
});

/** The two secrets: the issuer's certificate and key; a CAF per type. */
const certificateSecret = () => ({ SecretString: JSON.stringify(testCredentials()) });
const cafSecret = () => ({
  SecretString: JSON.stringify({
    cafs: ([33, 39] as const).map((dteType) =>
      issueCaf({
        authorityKey: testAuthority.privateKey,
        issuerRut: testIssuer.rut,
        issuerName: testIssuer.name,
        dteType,
        from: 1,
        to: 1000,
        authorizedOn: '2026-11-01',
      }),
    ),
  }),
});

function stubSecrets(): void {
  secrets.on(GetSecretValueCommand, { SecretId: certificateSecretArn }).resolves(certificateSecret());
  secrets.on(GetSecretValueCommand, { SecretId: cafSecretArn }).resolves(cafSecret());
}

/** The SII's answers over HTTP: a seed, a token, and a track id for every upload. */
function siiAnswer({ path }: SiiCall): { status?: number; body: string } {
  const answer = (body: string) =>
    `<SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"><SII:RESP_BODY>${body}</SII:RESP_BODY><SII:RESP_HDR><ESTADO>00</ESTADO></SII:RESP_HDR></SII:RESPUESTA>`;
  if (path.endsWith('/sii/semilla')) return { body: answer('<SEMILLA>000000000042</SEMILLA>') };
  if (path.endsWith('/sii/token')) return { body: answer('<TOKEN>TOKEN42</TOKEN>') };
  if (path.endsWith('/sii/upload'))
    return { body: '<RECEPCIONDTE><STATUS>0</STATUS><TRACKID>T-1</TRACKID></RECEPCIONDTE>' };
  return { status: 404, body: 'not found' };
}

/** The scripted SII, served on 127.0.0.1 at the URL the Lambda is configured with. */
let sii: Awaited<ReturnType<typeof startScriptedSiiServer>>;
let lambda: typeof import('./dteLambda');

const putsOn = (table: string): PutItemCommandInput[] =>
  dynamo
    .commandCalls(PutItemCommand)
    .map((c) => c.args[0].input)
    .filter((input) => input.TableName === table);

/** The commit item the event store holds for `event` (its stream's first commit). */
const storedCommit = (event: MtdEvent) => ({
  Items: [
    commitItem({
      streamId: event.metadata.streamId,
      version: 1,
      commitId: '01KAT0000000000000000000AA',
      producer: event.metadata.producer,
      envelopes: [event],
    }),
  ],
});

describe('dte Lambda entry points', () => {
  beforeAll(async () => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.stubEnv('FEED_SHARDS', '4');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    sii = await startScriptedSiiServer(siiAnswer);
    vi.stubEnv('TAX_AUTHORITY_URL', `${sii.url}/recepcion`);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    lambda = await import('./dteLambda');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    await sii.close();
  });
  beforeEach(() => {
    dynamo.reset();
    secrets.reset();
    sqs.reset();
    sii.calls.length = 0;
  });

  it('issueDteOnOrderAccepted reserves a folio and appends DteIssued with one conditional PutItem', async () => {
    stubSecrets();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(GetItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});
    const accepted = orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-1001' }));

    const response = await lambda.issueDteOnOrderAccepted(sqsEventOf(accepted));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(putsOn('mtd-dev-dte-folios')).toEqual([
      {
        TableName: env.FOLIO_TABLE,
        Item: { dteType: { N: '39' }, folio: { N: '1' }, orderId: { S: 'PO-1001' } },
        ConditionExpression: 'attribute_not_exists(folio)',
      },
    ]);
    const commits = putsOn('mtd-dev-events').filter((p) => p.Item?.streamId?.S !== '$days');
    expect(commits).toHaveLength(1);
    const [commit] = commits;
    expect(commit).toMatchObject({
      TableName: env.EVENT_STORE_TABLE,
      ConditionExpression: 'attribute_not_exists(streamId)',
      Item: { streamId: { S: 'dte-PO-1001' }, version: { N: '1' }, producer: { S: 'mtd.dte' } },
    });
    const [issued] = JSON.parse(commit!.Item!.events!.S!);
    expect(issued.metadata).toMatchObject({ eventType: 'DteIssued', causationId: accepted.metadata.eventId });
    expect(issued.data).toMatchObject({ orderId: 'PO-1001', folio: 1, dteType: 39, total: 19980 });
    expect(issued.metadata.eventVersion).toBe(2);
    expect(issued.data.xml).toContain('<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">');
    // The CAFs and the certificate come from their secrets, read once per container each.
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([
      cafSecretArn,
      certificateSecretArn,
    ]);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('reports the invalid record as a batch item failure while the good one is issued', async () => {
    stubSecrets();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(GetItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});
    const bad = anSqsRecord('{"detail":{"metadata":{"eventType":"OrderAccepted","eventVersion":1}}}', {
      messageId: 'bad-one',
    });
    const good = orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-GOOD' }));

    const response = await lambda.issueDteOnOrderAccepted(sqsEventOf(bad, good));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-one' }] });
    const commits = putsOn('mtd-dev-events').filter((p) => p.Item?.streamId?.S !== '$days');
    expect(commits.map((c) => c.Item?.streamId?.S)).toEqual(['dte-PO-GOOD']);
  });

  it('broadcastDteOnDteIssued uploads the signed envelope with an SII token bought once, and appends DteBroadcast', async () => {
    stubSecrets();
    const first = anEventOf(DteIssuedV1, { streamId: 'dte-PO-1001' });
    const second = anEventOf(DteIssuedV1, {
      streamId: 'dte-PO-1002',
      data: { ...DteIssuedV1.example, orderId: 'PO-1002', folio: 4712 },
    });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':s': { S: 'dte-PO-1001' } } })
      .resolves(storedCommit(first));
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':s': { S: 'dte-PO-1002' } } })
      .resolves(storedCommit(second));
    dynamo.on(PutItemCommand).resolves({});

    const response = await lambda.broadcastDteOnDteIssued(sqsEventOf(first, second));

    expect(response).toEqual({ batchItemFailures: [] });
    const paths = sii.calls.map((call) => call.path);
    expect(paths).toEqual([
      '/recepcion/sii/semilla',
      '/recepcion/sii/token',
      '/recepcion/sii/upload',
      '/recepcion/sii/upload',
    ]);
    const upload = sii.calls[2];
    expect(upload?.cookie).toBe('TOKEN=TOKEN42');
    expect(upload?.body).toMatch(/^<\?xml version="1.0" encoding="ISO-8859-1"\?>\n<EnvioDTE /);
    const commits = putsOn('mtd-dev-events').filter((p) => p.Item?.streamId?.S !== '$days');
    expect(commits.map((c) => [c.Item?.streamId?.S, c.Item?.version?.N, c.ConditionExpression])).toEqual(
      expect.arrayContaining([
        ['dte-PO-1001', '2', 'attribute_not_exists(streamId)'],
        ['dte-PO-1002', '2', 'attribute_not_exists(streamId)'],
      ]),
    );
    expect(commits.map((c) => JSON.parse(c.Item!.events!.S!)[0].metadata.eventType)).toEqual([
      'DteBroadcast',
      'DteBroadcast',
    ]);
  });

  it('retryBroadcastOnDteBroadcastFailed defers a not-yet-due attempt with ChangeMessageVisibility', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const dueIn = new Date(Date.now() + 120_000).toISOString();
    const failed = anEventOf(DteBroadcastFailedV1, {
      streamId: 'dte-PO-1001',
      streamVersion: 2,
      data: { ...DteBroadcastFailedV1.example, nextAttemptAt: dueIn },
    });
    const record = anSqsRecord(JSON.parse(sqsEventOf(failed).Records[0]!.body), { messageId: 'later' });

    const response = await lambda.retryBroadcastOnDteBroadcastFailed(sqsEventOf(record));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'later' }] });
    const [call] = sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
    expect(call).toMatchObject({ QueueUrl: testQueueUrl, ReceiptHandle: 'receipt-later' });
    expect(call?.VisibilityTimeout).toBeGreaterThanOrEqual(118);
    expect(call?.VisibilityTimeout).toBeLessThanOrEqual(120);
    expect(dynamo.calls()).toHaveLength(0);
    expect(sii.calls).toEqual([]);
  });
});

describe('dte Lambda configuration', () => {
  it('reads back what the stack wrote', () => {
    expect(dteConfigFromEnv(env)).toMatchObject({
      folioTable: 'mtd-dev-dte-folios',
      cafSecretArn,
      certificateSecretArn,
      settings: { issuer: testIssuer, folioLowWater: 100 },
    });
  });

  it('fails the cold start naming every missing or wrong setting', () => {
    const { FOLIO_TABLE: _, ...withoutTable } = env;
    const settings = JSON.parse(env.DTE_SETTINGS!);
    const wrong = {
      ...withoutTable,
      DTE_SETTINGS: JSON.stringify({
        ...settings,
        issuer: { ...settings.issuer, rut: '76543210-4', comuna: 'Pedro Aguirre Cerda Oriente' },
      }),
    };
    expect(() => dteConfigFromEnv(wrong)).toThrow(DteConfigurationError);
    expect(() => dteConfigFromEnv(wrong)).toThrow(
      /FOLIO_TABLE is not set.*issuer\.rut has a wrong check digit.*issuer\.comuna must be at most 20 characters \(the SII's CmnaOrigen\)/,
    );
  });
});
