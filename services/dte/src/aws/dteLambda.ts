import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Sources, type SubscriptionName } from '@mtd/contracts';
import { DynamoEventStore, dynamoEffectClaims, systemClock, ulidGenerator } from '@mtd/platform';
import {
  feedShardsFromEnv,
  lambdaObservability,
  lambdaSdkClientConfig,
  type SqsLambdaHandler,
  sqsEventBridgeHandler,
} from '@mtd/platform/aws';
import { secretsManagerCafStore } from '#adapters/cafStore';
import { dynamoFolioLedger } from '#adapters/folioLedger';
import { secretsManagerCredentials } from '#adapters/issuerCredentials';
import { embeddedMetricAlerts } from '#adapters/operationsAlerts';
import { httpTaxAuthority } from '#adapters/taxAuthorityClient';
import { createDte } from '#src/index';
import { dteConfigFromEnv } from './dteConfig';

/**
 * Composition root of the dte Lambdas (one function per subscription, one queue each). Clients
 * are built once per container; the configuration comes from the stack (`dteEnvironment`, read and
 * validated by `dteConfigFromEnv`: a missing or wrong setting fails the cold start naming it):
 * the event store and folio tables, the SII's URL, the certificate secret (`{ privateKeyPem,
 * certificatePem }`: it signs every document and buys the SII token), the CAF secret (`{ cafs: [CAF
 * files] }`), the effect-claims table (a claim per upload, Powertools Idempotency) and the stage's
 * settings (issuer, folio and certificate warnings, broadcast retries).
 */
const config = dteConfigFromEnv(process.env);
const { settings } = config;
const { logger, metrics, tracer } = lambdaObservability('dte');
const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({ ...lambdaSdkClientConfig }));
const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({ ...lambdaSdkClientConfig }));
// The client's own endpoint, not the host of the queue URL built from the record's ARN: the same
// regional endpoint on AWS, and the configured one (AWS_ENDPOINT_URL_SQS) against an emulator.
const sqs = tracer.captureAWSv3Client(
  new SQSClient({ ...lambdaSdkClientConfig, useQueueUrlAsEndpoint: false }),
);
const clock = systemClock;
const ids = ulidGenerator(clock);
const credentials = secretsManagerCredentials({ secrets, secretId: config.certificateSecretArn, clock });
// A claim before every upload: concurrent deliveries of one trigger upload the document once.
const claims = dynamoEffectClaims({ client: dynamo, tableName: config.effectClaimsTable });

const dte = createDte({
  store: new DynamoEventStore({
    client: dynamo,
    tableName: config.eventStoreTable,
    feedShards: feedShardsFromEnv(),
    producer: Sources.dte,
    clock,
    ids,
  }),
  clock,
  ids,
  random: Math.random,
  folios: dynamoFolioLedger({ client: dynamo, tableName: config.folioTable }),
  cafs: secretsManagerCafStore({ secrets, secretId: config.cafSecretArn }),
  credentials,
  taxAuthority: httpTaxAuthority({ baseUrl: config.taxAuthorityUrl, timeoutMs: 5_000, credentials }),
  claims,
  issuer: settings.issuer,
  alerts: embeddedMetricAlerts(),
  folioLowWater: settings.folioLowWater,
  certificateWarningDays: settings.certificateWarningDays,
  broadcast: settings.broadcast,
  statusPollMs: settings.statusPollMs,
});

const lambdaFor = (subscriptionName: keyof typeof dte & SubscriptionName): SqsLambdaHandler =>
  sqsEventBridgeHandler({ subscriptionName, handler: dte[subscriptionName], sqs, claims, logger, metrics });

export const issueDteOnOrderAccepted = lambdaFor('issueDteOnOrderAccepted');
export const broadcastDteOnDteIssued = lambdaFor('broadcastDteOnDteIssued');
export const checkDteStatusOnDteBroadcast = lambdaFor('checkDteStatusOnDteBroadcast');
export const retryBroadcastOnDteBroadcastFailed = lambdaFor('retryBroadcastOnDteBroadcastFailed');
export const retryDteOnExceptionRetryRequested = lambdaFor('retryDteOnExceptionRetryRequested');
