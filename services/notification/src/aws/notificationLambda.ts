import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Sources } from '@mtd/contracts';
import { DynamoEventStore, dynamoEffectClaims, systemClock, ulidGenerator } from '@mtd/platform';
import {
  feedShardsFromEnv,
  lambdaObservability,
  lambdaSdkClientConfig,
  requiredEnv,
  sqsEventBridgeHandler,
} from '@mtd/platform/aws';
import { sesEmailSender } from '#adapters/sesEmailSender';
import {
  createNotification,
  inlinePdfRenderer,
  notifyOperationsOnOrderAtRisk as notifyOperations,
} from '#src/index';

/**
 * Composition root of the notification Lambdas. Configuration from the stack: EVENT_STORE_TABLE,
 * EMAIL_FROM (a verified SES identity), SES_CONFIGURATION_SET (bounce/complaint routing),
 * OPERATIONS_EMAIL (early warnings), EFFECT_CLAIMS_TABLE (a claim per email, Powertools
 * Idempotency) and optionally ALERTS_FROM.
 */
const { logger, metrics, tracer } = lambdaObservability('notification');
const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({ ...lambdaSdkClientConfig }));
const ses = tracer.captureAWSv3Client(new SESv2Client({ ...lambdaSdkClientConfig }));
// The client's own endpoint, not the host of the queue URL built from the record's ARN: the same
// regional endpoint on AWS, and the configured one (AWS_ENDPOINT_URL_SQS) against an emulator.
const sqs = tracer.captureAWSv3Client(
  new SQSClient({ ...lambdaSdkClientConfig, useQueueUrlAsEndpoint: false }),
);
const clock = systemClock;
const ids = ulidGenerator(clock);

// A claim before every email: concurrent deliveries of one message (SQS delivers at least once,
// several times in one batch or to parallel invocations) send one email.
const claims = dynamoEffectClaims({ client: dynamo, tableName: requiredEnv('EFFECT_CLAIMS_TABLE') });

const email = sesEmailSender({ client: ses, configurationSetName: requiredEnv('SES_CONFIGURATION_SET') });

const notification = createNotification({
  store: new DynamoEventStore({
    client: dynamo,
    tableName: requiredEnv('EVENT_STORE_TABLE'),
    feedShards: feedShardsFromEnv(),
    producer: Sources.notification,
    clock,
    ids,
  }),
  clock,
  ids,
  email,
  from: requiredEnv('EMAIL_FROM'),
  // One message at a time per container: render in this thread (the bundle carries no worker file).
  pdf: inlinePdfRenderer(),
  claims,
});

export const notifyCustomerOnDteIssued = sqsEventBridgeHandler({
  subscriptionName: 'notifyCustomerOnDteIssued',
  handler: notification.notifyCustomerOnDteIssued,
  sqs,
  claims,
  logger,
  metrics,
});

/** One digest email per page of OrderAtRisk warnings (a page handler). */
export const notifyOperationsOnOrderAtRisk = sqsEventBridgeHandler({
  subscriptionName: 'notifyOperationsOnOrderAtRisk',
  handler: notifyOperations({
    email,
    from: process.env.ALERTS_FROM ?? requiredEnv('EMAIL_FROM'),
    operations: requiredEnv('OPERATIONS_EMAIL'),
    claims,
  }),
  sqs,
  claims,
  logger,
  metrics,
});
