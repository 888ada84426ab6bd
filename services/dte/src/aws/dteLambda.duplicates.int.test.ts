import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DteIssuedV2, type MtdEvent, Streams } from '@mtd/contracts';
import { DynamoEventStore, effectClaimsTable, eventStoreTable, systemClock } from '@mtd/platform';
import { type DynamoTestEndpoint, sqsEventOf, startDynamoTestEndpoint } from '@mtd/platform/aws/testing';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { folioLedgerTable } from '#adapters/folioLedger';
import { issueCaf } from '#signing/cafIssuer';
import { anAcceptedOrder, orderAcceptedEvent } from '#src/testing/anAcceptedOrder';
import { type SiiCall, startScriptedSiiServer } from '#src/testing/scriptedSiiServer';
import { testAuthority, testCredentials, testIssuer } from '#src/testing/testIssuer';
import { dteEnvironment } from './dteConfig';

/**
 * Concurrent duplicate delivery through the dte Lambda entries, against a real (dynalite) DynamoDB:
 * the same SQS message several times in one batch (Powertools processes a batch's records
 * concurrently) or to parallel invocations. The tax authority is a scripted SII on 127.0.0.1 that counts
 * uploads, at the URL the Lambda is configured with.
 */
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const uploads: string[] = [];

const certificateSecretArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:mtd-dev-dte-certificate';
const cafSecretArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:mtd-dev-dte-cafs';
const tables = {
  eventStoreTable: 'mtd-dev-events',
  folioTable: 'mtd-dev-dte-folios',
  effectClaimsTable: 'mtd-dev-dte-effect-claims',
};
/** The environment exactly as the stack writes it (`dteEnvironment`, the function infra calls). */
const env = dteEnvironment({
  ...tables,
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

/** The SII over HTTP: a seed, a token, and a new track id for every upload (counted). */
async function siiAnswer({ path, body }: SiiCall): Promise<{ status?: number; body: string }> {
  const answer = (body: string) =>
    `<SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"><SII:RESP_BODY>${body}</SII:RESP_BODY><SII:RESP_HDR><ESTADO>00</ESTADO></SII:RESP_HDR></SII:RESPUESTA>`;
  if (path.endsWith('/sii/semilla')) return { body: answer('<SEMILLA>000000000042</SEMILLA>') };
  if (path.endsWith('/sii/token')) return { body: answer('<TOKEN>TOKEN42</TOKEN>') };
  if (path.endsWith('/sii/upload')) {
    uploads.push(body);
    // A slow reception, so the copies of a delivery really overlap.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { body: `<RECEPCIONDTE><STATUS>0</STATUS><TRACKID>T-${uploads.length}</TRACKID></RECEPCIONDTE>` };
  }
  return { status: 404, body: 'not found' };
}

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

const lambdaContext = {
  getRemainingTimeInMillis: () => 30_000,
  functionName: 'mtd-dev-dte',
  awsRequestId: 'req-1',
} as unknown as Context;

let dynamo: DynamoTestEndpoint;
let sii: Awaited<ReturnType<typeof startScriptedSiiServer>>;
let lambda: typeof import('./dteLambda');

const copiesOf = (record: SQSRecord, n: number) => Array.from({ length: n }, () => ({ ...record }));
const failedIds = (responses: SQSBatchResponse[]) =>
  responses.flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier));

async function dteStream(orderId: string): Promise<MtdEvent[]> {
  const store = new DynamoEventStore({
    client: dynamo.client,
    tableName: tables.eventStoreTable,
    clock: systemClock,
  });
  return (await store.readStream(Streams.dte(orderId))).events;
}

/** Issues the order's DTE through the issuing Lambda; answers the DteIssued as SQS would carry it. */
async function issued(orderId: string): Promise<SQSRecord> {
  const accepted = orderAcceptedEvent(anAcceptedOrder({ orderId }));
  expect(failedIds([await lambda.issueDteOnOrderAccepted(sqsEventOf(accepted), lambdaContext)])).toEqual([]);
  const [dteIssued] = await dteStream(orderId);
  expect(dteIssued?.type).toBe(DteIssuedV2.detailType);
  return sqsEventOf(dteIssued!).Records[0]!;
}

describe('dte Lambdas under concurrent duplicate delivery', () => {
  beforeAll(async () => {
    dynamo = await startDynamoTestEndpoint([
      eventStoreTable(tables.eventStoreTable),
      folioLedgerTable(tables.folioTable),
      effectClaimsTable(tables.effectClaimsTable),
    ]);
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.stubEnv('FEED_SHARDS', '4');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    sii = await startScriptedSiiServer(siiAnswer);
    vi.stubEnv('TAX_AUTHORITY_URL', `${sii.url}/recepcion`);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    secrets.on(GetSecretValueCommand, { SecretId: certificateSecretArn }).resolves(certificateSecret());
    secrets.on(GetSecretValueCommand, { SecretId: cafSecretArn }).resolves(cafSecret());
    lambda = await import('./dteLambda');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    await dynamo.close();
    await sii.close();
  });
  beforeEach(() => {
    uploads.length = 0;
    sqs.reset();
  });

  it('one DteIssued 3 times in one batch: one upload to the tax authority, one DteBroadcast', async () => {
    const record = await issued('DUP-DTE-1');
    const response = await lambda.broadcastDteOnDteIssued({ Records: copiesOf(record, 3) }, lambdaContext);
    // SQS hands the copies told "in progress" out again: they find the upload recorded.
    if (failedIds([response]).length > 0)
      expect(failedIds([await lambda.broadcastDteOnDteIssued({ Records: [record] }, lambdaContext)])).toEqual(
        [],
      );
    expect(uploads).toHaveLength(1);
    const broadcasts = (await dteStream('DUP-DTE-1')).filter((e) => e.type === 'DteBroadcast');
    expect(broadcasts).toHaveLength(1);
    expect(broadcasts[0]!.data).toMatchObject({ status: 'received', trackId: 'T-1' });
  });

  it('one DteIssued to 3 parallel invocations: one upload, one DteBroadcast', async () => {
    const record = await issued('DUP-DTE-2');
    const responses = await Promise.all(
      [1, 2, 3].map(() => lambda.broadcastDteOnDteIssued({ Records: [{ ...record }] }, lambdaContext)),
    );
    for (const id of failedIds(responses)) expect(id).toBe(record.messageId);
    expect(failedIds([await lambda.broadcastDteOnDteIssued({ Records: [record] }, lambdaContext)])).toEqual(
      [],
    );
    expect(uploads).toHaveLength(1);
    expect((await dteStream('DUP-DTE-2')).map((e) => e.type)).toEqual(['DteIssued', 'DteBroadcast']);
  });

  it('one OrderAccepted 3 times in one batch: one folio, one DteIssued', async () => {
    const accepted = orderAcceptedEvent(anAcceptedOrder({ orderId: 'DUP-DTE-3' }));
    const [record] = sqsEventOf(accepted).Records;
    const response = await lambda.issueDteOnOrderAccepted({ Records: copiesOf(record!, 3) }, lambdaContext);
    if (failedIds([response]).length > 0)
      await lambda.issueDteOnOrderAccepted({ Records: [record!] }, lambdaContext);
    expect((await dteStream('DUP-DTE-3')).map((e) => e.type)).toEqual(['DteIssued']);
  });
});
