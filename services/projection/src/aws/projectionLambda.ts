import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Sources } from '@mtd/contracts';
import { DynamoEventStore, systemClock, ulidGenerator } from '@mtd/platform';
import { requiredEnv, sqsEventBridgeHandler } from '@mtd/platform/aws';
import { handle } from 'hono/aws-lambda';
import { defaultSlaDeadlines, type OrderAtRiskFinding } from '#domain/sla';
import { createRaiseOrdersAtRiskOnSchedule } from '#handlers/raiseOrdersAtRiskOnSchedule';
import { createProjection } from '#src/index';

/**
 * Composition root of the projection Lambdas: the two subscription handlers, the back-office query
 * API (API Gateway REST proxy → Hono) and the scheduled early-warning entry. Configuration from the
 * stack: ORDERS_TABLE, TIMELINE_TABLE, AUDIT_TABLE and optionally TIME_ZONE.
 */
const dynamo = new DynamoDBClient({});
const sqs = new SQSClient({});
const logger = new Logger({ serviceName: 'projection' });

const projection = createProjection({
  client: dynamo,
  tables: {
    orders: requiredEnv('ORDERS_TABLE'),
    timeline: requiredEnv('TIMELINE_TABLE'),
    audit: requiredEnv('AUDIT_TABLE'),
  },
  timeZone: process.env.TIME_ZONE ?? 'America/Santiago',
});

export const projectOrderOnEvent = sqsEventBridgeHandler({
  subscriptionName: 'projectOrderOnEvent',
  handler: projection.projectOrderOnEvent,
  sqs,
});

export const appendAuditEntryOnEvent = sqsEventBridgeHandler({
  subscriptionName: 'appendAuditEntryOnEvent',
  handler: projection.appendAuditEntryOnEvent,
  sqs,
});

/** `GET /api/orders`, `/api/orders/{id}`, `/api/exceptions`, `/api/stats`, `/api/audit[/verify]`. */
export const queryApi = handle(projection.queryApi);

/**
 * Invoked every few minutes by EventBridge Scheduler: the SLA watcher. Appends one OrderAtRisk
 * per order and stage past its deadline to `sla-<orderId>` (the only streams this role may append
 * to), exactly as the local runtime's timer does. EVENT_STORE_TABLE is set on this function only.
 */
let raiseOrdersAtRisk: (() => Promise<OrderAtRiskFinding[]>) | undefined;
export const checkOrdersAtRisk = async (): Promise<{ raised: number }> => {
  raiseOrdersAtRisk ??= createRaiseOrdersAtRiskOnSchedule({
    queries: projection.queries,
    store: new DynamoEventStore({
      client: dynamo,
      tableName: requiredEnv('EVENT_STORE_TABLE'),
      producer: Sources.projection,
    }),
    clock: systemClock,
    ids: ulidGenerator(),
    deadlines: defaultSlaDeadlines,
  });
  const raised = await raiseOrdersAtRisk();
  logger.info('early-warning check', { raised: raised.length, findings: raised });
  return { raised: raised.length };
};
