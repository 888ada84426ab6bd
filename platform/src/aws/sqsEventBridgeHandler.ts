import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventValidationError, type MtdEvent } from '@mtd/contracts';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type Clock, systemClock } from '../clock';
import { type EffectClaims, EffectInProgressError } from '../effectClaims';
import { type EventBridgeEvent, fromEventBridgeEvent } from '../eventBridgeEvent';
import { type EventHandler, type HandlerContext, isPageHandler, type SubscriptionHandler } from '../handler';
import { eventLatencyMetricName } from './latencyMetric';
import { correlationIdKey, mtdMetricsNamespace } from './observability';

/**
 * SQS caps a message's visibility at 12 hours from the receive that handed it out; a minute of margin
 * covers the time the handler already spent, so ChangeMessageVisibility never fails on the cap.
 */
export const maxDeferSeconds = 12 * 60 * 60 - 60;

/**
 * A record whose body is not a valid MTD EventBridge event. It never becomes valid, but it is failed
 * (not dropped): SQS receives it again until `maxReceiveCount` (10) and then moves it, unchanged, to
 * the queue's DLQ, the single dead-letter place operators watch and redrive from. The reason is in
 * the log line keyed by `messageId`.
 */
export class InvalidDeliveryError extends Error {
  override readonly name = 'InvalidDeliveryError';
  constructor(
    readonly messageId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`SQS message ${messageId} is not a valid MTD event: ${reason}`, options);
  }
}

/**
 * Not a failure: the handler asked to be called again at `retryAt`. The message's visibility was
 * set to the remaining delay and the record is reported failed, so SQS delivers it again then.
 */
export class DeliveryDeferredError extends Error {
  override readonly name = 'DeliveryDeferredError';
  constructor(
    readonly messageId: string,
    readonly retryAt: Date,
    readonly delaySeconds: number,
  ) {
    super(`SQS message ${messageId} deferred ${delaySeconds}s, until ${retryAt.toISOString()}`);
  }
}

export interface SqsEventBridgeHandlerOptions {
  /** The contracts subscription this queue feeds (one queue per subscription). */
  subscriptionName: string;
  /** One event at a time, or (a PageHandler) the whole SQS batch as one page. */
  handler: SubscriptionHandler;
  /** For ChangeMessageVisibility on `{ retryAt }`; build it once at the composition root. */
  sqs?: SQSClient;
  logger?: Logger;
  /** Powertools Metrics (namespace `MTD`): the event-time-to-handled latency per subscription. */
  metrics?: Metrics;
  clock?: Clock;
  /**
   * The effect claims the handler uses, told each invocation's Lambda context: a claim taken in an
   * invocation lapses when that invocation would time out (Powertools' in-progress expiry).
   */
  claims?: Pick<EffectClaims, 'useLambdaContext'>;
}

export type SqsLambdaHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** `arn:aws:sqs:<region>:<account>:<name>` → the queue URL SQS accepts. */
export function queueUrlOf(queueArn: string): string {
  const [, partition, , region, account, name] = queueArn.split(':');
  if (!partition || !region || !account || !name) throw new RangeError(`not an SQS queue ARN: ${queueArn}`);
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

function parseRecord(record: SQSRecord): { raw: EventBridgeEvent; event: MtdEvent } {
  let raw: EventBridgeEvent;
  try {
    raw = JSON.parse(record.body) as EventBridgeEvent;
  } catch (error) {
    throw new InvalidDeliveryError(record.messageId, 'body is not JSON', { cause: error });
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.detail !== 'object' || raw.detail === null) {
    throw new InvalidDeliveryError(record.messageId, 'body is not an EventBridge event (no detail)');
  }
  try {
    return { raw, event: fromEventBridgeEvent(raw) };
  } catch (error) {
    if (error instanceof EventValidationError) {
      throw new InvalidDeliveryError(record.messageId, error.message, { cause: error });
    }
    throw error;
  }
}

/**
 * The SQS → Lambda wiring of one subscription handler (DESIGN §4): the AWS twin of the local
 * SubscriptionRunner. Each record's body is the EventBridge event a rule delivered; it is validated
 * on receipt (`fromEventBridgeEvent`) and handed to the same handler the local runtime calls.
 *
 * - A thrown error fails only that record (Powertools batch, `ReportBatchItemFailures`): SQS
 *   redelivers it after the visibility timeout and moves it to the DLQ after 10 receives.
 * - An invalid event is logged with the validation report and failed, so it reaches the DLQ
 *   unchanged (see {@link InvalidDeliveryError}); nothing else in the batch is lost.
 * - `{ retryAt }` sets the message's visibility to the remaining delay (at most ~12 h) and reports
 *   the record failed: SQS hands it out again at that time. Note that in SQS this does count as a
 *   receive; handlers defer at most once per event in this design (the next broadcast attempt).
 * - `attempt` is SQS's ApproximateReceiveCount; `replayName` is EventBridge's `replay-name`.
 * - Every handled record adds its event-time → handled latency to Powertools Metrics (namespace
 *   `MTD`, dimension `Subscription`), flushed as one EMF line per invocation.
 * - Every log line carries the order id as `correlation_id` (the event's `metadata.correlationId`).
 *
 * A batch whose every record failed is answered (not thrown), so deferrals do not count as Lambda
 * errors and the Errors alarm means real failures.
 */
export function sqsEventBridgeHandler(options: SqsEventBridgeHandlerOptions): SqsLambdaHandler {
  const { subscriptionName } = options;
  const pageHandler = isPageHandler(options.handler) ? options.handler : undefined;
  const handler: EventHandler = pageHandler
    ? async (event, context) =>
        pageHandler.handlePage([event], {
          subscription: context.subscription,
          ...(context.replayName ? { replayName: context.replayName } : {}),
        })
    : (options.handler as EventHandler);
  const sqs = options.sqs ?? new SQSClient({ useQueueUrlAsEndpoint: false });
  const logger = options.logger ?? new Logger({ serviceName: subscriptionName });
  const metrics =
    options.metrics ?? new Metrics({ namespace: mtdMetricsNamespace, serviceName: subscriptionName });
  const clock = options.clock ?? systemClock;
  const processor = new BatchProcessor(EventType.SQS);
  const recordLatency = (event: MtdEvent, now: Date) => {
    metrics.addMetric(
      eventLatencyMetricName,
      MetricUnit.Milliseconds,
      Math.max(0, now.getTime() - Date.parse(event.metadata.occurredAt)),
    );
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    let parsed: ReturnType<typeof parseRecord>;
    try {
      parsed = parseRecord(record);
    } catch (error) {
      logger.error('invalid event: failed so that it reaches the DLQ after maxReceiveCount', {
        subscription: subscriptionName,
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: error as Error,
      });
      throw error;
    }
    const { raw, event } = parsed;
    const context: HandlerContext = {
      subscription: subscriptionName,
      attempt: Number(record.attributes.ApproximateReceiveCount),
      ...(raw['replay-name'] ? { replayName: raw['replay-name'] } : {}),
    };
    let result: Awaited<ReturnType<EventHandler>>;
    try {
      result = await handler(event, context);
    } catch (error) {
      // Another delivery of this message holds the effect's claim (a duplicate): not an error.
      const duplicate = error instanceof EffectInProgressError;
      (duplicate ? logger.info : logger.error).call(
        logger,
        duplicate
          ? 'a duplicate delivery is doing the effect now; SQS redelivers the message'
          : 'handler failed; SQS redelivers the message',
        {
          [correlationIdKey]: event.metadata.correlationId,
          subscription: subscriptionName,
          messageId: record.messageId,
          eventId: event.metadata.eventId,
          eventType: event.metadata.eventType,
          attempt: context.attempt,
          error: error as Error,
        },
      );
      throw error;
    }
    const now = clock.now();
    if (result && 'retryAt' in result) {
      const delaySeconds = Math.min(
        maxDeferSeconds,
        Math.max(0, Math.ceil((result.retryAt.getTime() - now.getTime()) / 1000)),
      );
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrlOf(record.eventSourceARN),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: delaySeconds,
        }),
      );
      logger.info('delivery deferred', {
        [correlationIdKey]: event.metadata.correlationId,
        subscription: subscriptionName,
        messageId: record.messageId,
        eventId: event.metadata.eventId,
        retryAt: result.retryAt.toISOString(),
        delaySeconds,
      });
      throw new DeliveryDeferredError(record.messageId, result.retryAt, delaySeconds);
    }
    recordLatency(event, now);
  };

  const oneByOneUnflushed: SqsLambdaHandler = (event, context) => {
    if (context) options.claims?.useLambdaContext(context);
    return processPartialResponse(event, handleRecord, processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
  };
  /** Every invocation ends by flushing its metrics: one EMF line, whatever happened. */
  const flushed =
    (handle: SqsLambdaHandler): SqsLambdaHandler =>
    async (event, context) => {
      metrics.addDimension('Subscription', subscriptionName);
      try {
        return await handle(event, context);
      } finally {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      }
    };
  const oneByOne = flushed(oneByOneUnflushed);
  if (!pageHandler) return oneByOne;

  /**
   * A page handler takes the batch's valid events as one page (the same page the local runner
   * hands it), so a projection folds the batch and writes it in a few calls. Invalid records fail
   * alone, as above. If the page throws, the batch is handled again one record at a time, so only
   * the records that fail on their own are reported.
   */
  return flushed(async (event, context) => {
    if (context) options.claims?.useLambdaContext(context);
    const parsed: { record: SQSRecord; raw: EventBridgeEvent; event: MtdEvent }[] = [];
    const invalid: SQSRecord[] = [];
    for (const record of event.Records) {
      try {
        parsed.push({ record, ...parseRecord(record) });
      } catch (error) {
        if (!(error instanceof InvalidDeliveryError)) return oneByOneUnflushed(event, context);
        logger.error('invalid event: failed so that it reaches the DLQ after maxReceiveCount', {
          subscription: subscriptionName,
          messageId: record.messageId,
          error,
        });
        invalid.push(record);
      }
    }
    const replayNames = new Set(parsed.map((p) => p.raw['replay-name']));
    if (replayNames.size > 1) return oneByOneUnflushed(event, context);
    const [replayName] = replayNames;
    try {
      await pageHandler.handlePage(
        parsed.map((p) => p.event),
        { subscription: subscriptionName, ...(replayName ? { replayName } : {}) },
      );
    } catch (error) {
      logger.warn('page failed; handling its records one by one', {
        subscription: subscriptionName,
        [correlationIdKey]: [...new Set(parsed.map((p) => p.event.metadata.correlationId))].join(','),
        error: error as Error,
      });
      return oneByOneUnflushed(event, context);
    }
    const now = clock.now();
    for (const p of parsed) recordLatency(p.event, now);
    return { batchItemFailures: invalid.map((record) => ({ itemIdentifier: record.messageId })) };
  });
}
