import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Sources } from '@mtd/contracts';
import { DynamoEventStore, systemClock, ulidGenerator } from '@mtd/platform';
import {
  feedShardsFromEnv,
  lambdaObservability,
  lambdaSdkClientConfig,
  requiredEnv,
  sqsEventBridgeHandler,
} from '@mtd/platform/aws';
import { handle } from 'hono/aws-lambda';
import { cloudWatchProjectionWatermark } from '#adapters/cloudWatchProjectionWatermark';
import { slaPolicyFromEnvironment } from '#domain/slaConfig';
import {
  createRaiseOrdersAtRiskOnSchedule,
  type OrdersAtRiskCheck,
} from '#handlers/raiseOrdersAtRiskOnSchedule';
import { createProjection } from '#src/index';

/**
 * Composition root of the projection Lambdas: the two subscription handlers, the back-office query
 * API (API Gateway REST proxy → Hono) and the scheduled early-warning entry. Configuration from the
 * stack: ORDERS_TABLE, TIMELINE_TABLE and optionally TIME_ZONE. The audit ledger is platform's; this query
 * API is not given it on AWS yet, so its audit routes answer 503 there.
 */
const { logger, metrics, tracer } = lambdaObservability('projection');
const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({ ...lambdaSdkClientConfig }));
// The client's own endpoint, not the host of the queue URL built from the record's ARN: the same
// regional endpoint on AWS, and the configured one (AWS_ENDPOINT_URL_SQS) against an emulator.
const sqs = tracer.captureAWSv3Client(
  new SQSClient({ ...lambdaSdkClientConfig, useQueueUrlAsEndpoint: false }),
);
const cloudWatch = tracer.captureAWSv3Client(new CloudWatchClient({}));

const projection = createProjection({
  client: dynamo,
  tables: {
    orders: requiredEnv('ORDERS_TABLE'),
    timeline: requiredEnv('TIMELINE_TABLE'),
  },
  timeZone: process.env.TIME_ZONE ?? 'America/Santiago',
});

export const projectOrderOnEvent = sqsEventBridgeHandler({
  subscriptionName: 'projectOrderOnEvent',
  handler: projection.projectOrderOnEvent,
  sqs,
  logger,
  metrics,
});

/** `GET /api/orders`, `/api/orders/{id}`, `/api/exceptions`, `/api/stats`, `/api/audit[/verify|/checkpoints|/proof/{id}]`. */
export const queryApi = handle(projection.queryApi);

/**
 * Invoked every few minutes by EventBridge Scheduler: the SLA watcher. Appends one OrderAtRisk
 * per order and stage past its deadline to `sla-<orderId>` (the only streams this role may append
 * to), exactly as the local runtime's timer does. Deadlines are judged against the projection's
 * watermark from CloudWatch (`cloudWatchProjectionWatermark`: the projection queue's oldest message
 * and the outbox publisher's iterator age), so a backlog raises nothing.
 *
 * Set on this function only: EVENT_STORE_TABLE, PROJECTION_QUEUE_NAME, OUTBOX_PUBLISHER_FUNCTION_NAME
 * and optionally SLA_DEADLINES_JSON / SLA_BROADCAST_RETRY_JSON (`slaPolicyFromEnvironment`). They
 * are read on the first run rather than at module load, because this module also serves the
 * subscription and query functions, which have none of them; a malformed SLA variable fails that
 * run with an InvalidSlaConfigError naming the field (→ the failure queue and its alarm).
 */
let raiseOrdersAtRisk: (() => Promise<OrdersAtRiskCheck>) | undefined;
export const checkOrdersAtRisk = async (): Promise<{
  status: OrdersAtRiskCheck['status'];
  raised: number;
  ordersRead: number;
}> => {
  raiseOrdersAtRisk ??= createRaiseOrdersAtRiskOnSchedule({
    queries: projection.queries,
    store: new DynamoEventStore({
      client: dynamo,
      tableName: requiredEnv('EVENT_STORE_TABLE'),
      feedShards: feedShardsFromEnv(),
      producer: Sources.projection,
    }),
    clock: systemClock,
    ids: ulidGenerator(),
    policy: slaPolicyFromEnvironment(process.env),
    watermark: cloudWatchProjectionWatermark({
      client: cloudWatch,
      clock: systemClock,
      queueName: requiredEnv('PROJECTION_QUEUE_NAME'),
      publisherFunctionName: requiredEnv('OUTBOX_PUBLISHER_FUNCTION_NAME'),
    }),
  });
  const check = await raiseOrdersAtRisk();
  if (check.status === 'watermark-unknown') {
    logger.warn('early-warning check skipped: the projection watermark is unknown (no queue-age datapoint)');
  } else {
    logger.info('early-warning check', {
      raised: check.raised.length,
      ordersRead: check.ordersRead,
      appliedUpTo: check.appliedUpTo,
      judgedUpTo: check.judgedUpTo,
      findings: check.raised,
    });
  }
  return { status: check.status, raised: check.raised.length, ordersRead: check.ordersRead };
};
