import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Sources, type SubscriptionName } from '@mtd/contracts';
import { DynamoEventStore, systemClock, ulidGenerator } from '@mtd/platform';
import { requiredEnv, type SqsLambdaHandler, sqsEventBridgeHandler } from '@mtd/platform/aws';
import { secretsManagerCafStore } from '#adapters/cafStore';
import { dynamoFolioLedger } from '#adapters/folioLedger';
import { secretsManagerCredentials } from '#adapters/issuerCredentials';
import { embeddedMetricAlerts } from '#adapters/operationsAlerts';
import { httpTaxAuthority } from '#adapters/taxAuthorityClient';
import { createDte } from '#src/index';

/**
 * Composition root of the dte Lambdas (one function per subscription, one queue each). Clients
 * are built once per container; configuration comes from the stack:
 * EVENT_STORE_TABLE, FOLIO_TABLE, TAX_AUTHORITY_URL, TAX_AUTHORITY_SECRET_ARN (JSON
 * `{ privateKeyPem, certificatePem, cafs: [CAF files] }`: the issuer's certificate, which also buys the
 * SII token, and the CAFs), ISSUER_RUT, ISSUER_NAME, ISSUER_GIRO, ISSUER_ACTECO, ISSUER_ADDRESS,
 * ISSUER_COMUNA, SENDER_RUT, RESOLUTION_DATE, RESOLUTION_NUMBER, and optionally
 * BROADCAST_MAX_ATTEMPTS / BROADCAST_BASE_MS / BROADCAST_MAX_MS / FOLIO_LOW_WATER.
 */
const dynamo = new DynamoDBClient({});
const secrets = new SecretsManagerClient({});
const sqs = new SQSClient({});
const clock = systemClock;
const ids = ulidGenerator(clock);
const secretId = requiredEnv('TAX_AUTHORITY_SECRET_ARN');
const credentials = secretsManagerCredentials({ secrets, secretId, clock });

const dte = createDte({
  store: new DynamoEventStore({
    client: dynamo,
    tableName: requiredEnv('EVENT_STORE_TABLE'),
    producer: Sources.dte,
    clock,
    ids,
  }),
  clock,
  ids,
  random: Math.random,
  folios: dynamoFolioLedger({ client: dynamo, tableName: requiredEnv('FOLIO_TABLE') }),
  cafs: secretsManagerCafStore({ secrets, secretId }),
  credentials,
  taxAuthority: httpTaxAuthority({
    baseUrl: requiredEnv('TAX_AUTHORITY_URL'),
    timeoutMs: 5_000,
    credentials,
  }),
  issuer: {
    rut: requiredEnv('ISSUER_RUT'),
    name: requiredEnv('ISSUER_NAME'),
    giro: requiredEnv('ISSUER_GIRO'),
    acteco: Number(requiredEnv('ISSUER_ACTECO')),
    address: requiredEnv('ISSUER_ADDRESS'),
    comuna: requiredEnv('ISSUER_COMUNA'),
    senderRut: requiredEnv('SENDER_RUT'),
    resolution: { date: requiredEnv('RESOLUTION_DATE'), number: Number(requiredEnv('RESOLUTION_NUMBER')) },
  },
  alerts: embeddedMetricAlerts(),
  folioLowWater: Number(process.env.FOLIO_LOW_WATER ?? 100),
  broadcast: {
    maxAttempts: Number(process.env.BROADCAST_MAX_ATTEMPTS ?? 5),
    baseMs: Number(process.env.BROADCAST_BASE_MS ?? 2_000),
    maxMs: Number(process.env.BROADCAST_MAX_MS ?? 300_000),
  },
  statusPollMs: 30_000,
});

const lambdaFor = (subscriptionName: keyof typeof dte & SubscriptionName): SqsLambdaHandler =>
  sqsEventBridgeHandler({ subscriptionName, handler: dte[subscriptionName], sqs });

export const issueDteOnOrderAccepted = lambdaFor('issueDteOnOrderAccepted');
export const broadcastDteOnDteIssued = lambdaFor('broadcastDteOnDteIssued');
export const checkDteStatusOnDteBroadcast = lambdaFor('checkDteStatusOnDteBroadcast');
export const retryBroadcastOnDteBroadcastFailed = lambdaFor('retryBroadcastOnDteBroadcastFailed');
export const retryDteOnExceptionRetryRequested = lambdaFor('retryDteOnExceptionRetryRequested');
