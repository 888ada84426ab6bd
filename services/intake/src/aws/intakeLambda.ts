import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Sources } from '@mtd/contracts';
import { DynamoEventStore, systemClock, ulidGenerator } from '@mtd/platform';
import {
  feedShardsFromEnv,
  lambdaObservability,
  lambdaSdkClientConfig,
  requiredEnv,
} from '@mtd/platform/aws';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { maxBatchFileBytes } from '#adapters/orderDocumentParser';
import { type BatchReport, unreadable } from '#handlers/receiveOrdersFromBatchFile';
import { createIntake } from '#src/index';

/**
 * Composition root of the intake Lambdas. Configuration from the stack: EVENT_STORE_TABLE.
 *
 * - `receiveOrderFromQueue`: API Gateway `POST /orders` puts the raw order on the intake FIFO
 *   queue (group = X-Order-Id, content-based dedup); this replays each message as the very HTTP
 *   request the local runtime serves, into the same intake app (`createIntake().httpApp`).
 * - `receiveBatchFileFromS3`: an S3 "Object Created" event (EventBridge notification of the batch
 *   bucket) → read the file → `receiveBatchFile`, the same split the local inbox watcher runs.
 */
const { logger, tracer } = lambdaObservability('intake');
const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({ ...lambdaSdkClientConfig }));
const s3 = tracer.captureAWSv3Client(new S3Client({ ...lambdaSdkClientConfig }));
const clock = systemClock;
const ids = ulidGenerator(clock);

const intake = createIntake({
  store: new DynamoEventStore({
    client: dynamo,
    tableName: requiredEnv('EVENT_STORE_TABLE'),
    feedShards: feedShardsFromEnv(),
    producer: Sources.intake,
    clock,
    ids,
  }),
  clock,
  ids,
});

/** The intake app answered 5xx: the order was not recorded and SQS should deliver it again. */
export class OrderNotRecordedError extends Error {
  override readonly name = 'OrderNotRecordedError';
}

/** Message attributes the API Gateway mapping template sets on every queued order. */
export const orderMessageAttributes = { contentType: 'contentType', requestId: 'requestId' } as const;

const processor = new SqsFifoPartialProcessorAsync();

async function receiveOrderRecord(record: SQSRecord): Promise<void> {
  const contentType = record.messageAttributes[orderMessageAttributes.contentType]?.stringValue ?? '';
  const requestId = record.messageAttributes[orderMessageAttributes.requestId]?.stringValue;
  const response = await intake.httpApp.fetch(
    new Request('https://intake.internal/orders', {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'content-length': String(Buffer.byteLength(record.body)),
      },
      body: record.body,
    }),
  );
  const outcome = await response.json().catch(() => ({}));
  const details = { messageId: record.messageId, requestId, status: response.status, outcome };
  if (response.status >= 500) {
    logger.error('order not recorded; SQS redelivers it', details);
    throw new OrderNotRecordedError(`intake answered ${response.status} for message ${record.messageId}`);
  }
  // 202 accepted, 400 rejected/unreadable, 409 conflict, 413 too large, 415 not XML/JSON: the
  // outcome is final (a rejection is recorded as OrderRejected); sending it again cannot change it.
  if (response.status >= 400) logger.warn('order refused', details);
  else logger.info('order received', details);
}

/**
 * FIFO: a failed message fails the rest of its message group in this batch (Powertools
 * `skipGroupOnError`), so one order id's messages are never handled out of order; other groups
 * proceed.
 */
export const receiveOrderFromQueue = (event: SQSEvent): Promise<SQSBatchResponse> =>
  processPartialResponse(event, receiveOrderRecord, processor, {
    skipGroupOnError: true,
    throwOnFullBatchFailure: false,
  });

/** The `detail` of an S3 "Object Created" event delivered through EventBridge. */
export interface S3ObjectCreatedDetail {
  bucket: { name: string };
  object: { key: string; size?: number };
}

/** The batch file could not be read from S3 (throws: Lambda retries, then the on-failure destination). */
export class BatchFileReadError extends Error {
  override readonly name = 'BatchFileReadError';
}

/**
 * One batch file → every order in it recorded on its own stream. A retried invocation (async retry
 * or redrive) is safe: identical resends are no-ops. An `unreadable` file records nothing and is
 * logged as an error with the report (fixing it means uploading a corrected file).
 */
export async function receiveBatchFileFromS3(
  event: EventBridgeEvent<'Object Created', S3ObjectCreatedDetail>,
): Promise<BatchReport> {
  const { bucket, object } = event.detail;
  // S3 event keys are URL-encoded with `+` for spaces.
  const key = decodeURIComponent(object.key.replace(/\+/g, ' '));
  const declaredSize = object.size ?? 0;
  if (declaredSize > maxBatchFileBytes) {
    // Not even read: the intake refuses files over the limit, and buffering one could exhaust memory.
    const report = tooLargeReport(key, declaredSize);
    logger.error('batch file unreadable', { bucket: bucket.name, key, problems: report.problems });
    return report;
  }
  const file = await s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
  if (!file.Body) throw new BatchFileReadError(`s3://${bucket.name}/${key} has no body`);
  const report = await intake.receiveBatchFile({
    name: key,
    content: await file.Body.transformToByteArray(),
  });
  const summary = { bucket: bucket.name, key, ...report, orders: undefined };
  if (report.status === 'unreadable')
    logger.error('batch file unreadable', { ...summary, problems: report.problems });
  else logger.info('batch file processed', summary);
  return report;
}

function tooLargeReport(file: string, bytes: number): BatchReport {
  return unreadable(file, [
    {
      path: '(document)',
      code: 'file_too_large',
      message: `the batch file is ${bytes} bytes, over the ${maxBatchFileBytes}-byte limit; split it`,
    },
  ]);
}
