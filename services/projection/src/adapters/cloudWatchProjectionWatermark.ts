import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { Clock } from '@mtd/platform';

export interface CloudWatchProjectionWatermarkOptions {
  /** Built once at the composition root. */
  client: CloudWatchClient;
  clock: Clock;
  /** The SQS queue of the `projectOrderOnEvent` subscription. */
  queueName: string;
  /** The outbox publisher Lambda (DynamoDB stream of the event store → bus). */
  publisherFunctionName: string;
  /** How far back to look for datapoints; CloudWatch publishes SQS metrics a few minutes late. */
  lookbackMs?: number;
  /** Covers EventBridge → SQS delivery and the publisher batch in flight; default 60 s. */
  deliveryMarginMs?: number;
}

const periodSeconds = 60;

/**
 * The projection's watermark in AWS, from CloudWatch: one GetMetricData call per watcher run.
 *
 * An event reaches the order views along store → DynamoDB stream → outbox publisher → bus → the
 * `projectOrderOnEvent` queue → Lambda, and a message leaves the queue only once applied (or moved
 * to the DLQ). So:
 * - the queue's `ApproximateAgeOfOldestMessage` (Maximum A seconds in the latest one-minute period
 *   starting at T) says every message enqueued before T − A was deleted by then;
 * - the publisher's `IteratorAge` (Maximum over the lookback, I ms) bounds how long after its commit
 *   an event was enqueued;
 * hence every event committed before T − A − I − margin is in the views.
 *
 * Rejected: recording in a table, per projected SQS batch, the oldest event time applied. With
 * several Lambdas taking batches from one standard queue, what one batch applied says nothing of
 * older messages still waiting or in flight elsewhere: it is not a watermark. The queue's own age is.
 *
 * Limits: SQS moves a message received three times to the back of the age ordering, so a poison
 * message stops holding the watermark back after its third receive (its order may then be reported
 * at risk, which it is: its view is not being updated). No queue datapoint in the lookback →
 * `undefined` (unknown; the SQS event source polls constantly, so a healthy queue always reports).
 * No publisher datapoint → the publisher was not invoked: no commits waited for it.
 * Needs `cloudwatch:GetMetricData` (an action without resource-level permissions).
 */
export function cloudWatchProjectionWatermark(
  options: CloudWatchProjectionWatermarkOptions,
): () => Promise<Date | undefined> {
  const lookbackMs = options.lookbackMs ?? 15 * 60_000;
  const marginMs = options.deliveryMarginMs ?? 60_000;
  const queries: MetricDataQuery[] = [
    {
      Id: 'queueAge',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateAgeOfOldestMessage',
          Dimensions: [{ Name: 'QueueName', Value: options.queueName }],
        },
        Period: periodSeconds,
        Stat: 'Maximum',
      },
      ReturnData: true,
    },
    {
      Id: 'publisherLag',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: 'IteratorAge',
          Dimensions: [{ Name: 'FunctionName', Value: options.publisherFunctionName }],
        },
        Period: periodSeconds,
        Stat: 'Maximum',
      },
      ReturnData: true,
    },
  ];
  return async () => {
    const now = options.clock.now();
    const result = await options.client.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(now.getTime() - lookbackMs),
        EndTime: now,
        ScanBy: 'TimestampDescending',
      }),
    );
    const results = result.MetricDataResults ?? [];
    const queue = latestPoint(results.find((r) => r.Id === 'queueAge'));
    if (!queue) return undefined;
    const publisherLagMs = Math.max(0, ...(results.find((r) => r.Id === 'publisherLag')?.Values ?? []));
    return new Date(queue.at.getTime() - queue.value * 1000 - publisherLagMs - marginMs);
  };
}

function latestPoint(result: MetricDataResult | undefined): { at: Date; value: number } | undefined {
  const timestamps = result?.Timestamps ?? [];
  const values = result?.Values ?? [];
  let latest: { at: Date; value: number } | undefined;
  timestamps.forEach((at, i) => {
    const value = values[i];
    if (value === undefined || !Number.isFinite(value)) return;
    if (!latest || at.getTime() > latest.at.getTime()) latest = { at, value };
  });
  return latest;
}
