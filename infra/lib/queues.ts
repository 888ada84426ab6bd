import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** DESIGN §4: a message that failed 10 receives moves to the DLQ. */
export const maxReceiveCount = 10;

export interface QueueWithDlq {
  queue: Queue;
  dlq: Queue;
}

/**
 * A queue and its DLQ, both SSE-SQS encrypted and refusing non-TLS requests. SSE-SQS rather than
 * a customer KMS key: EventBridge and S3 can deliver to it without a key policy, and the data is
 * events that the event store already keeps encrypted.
 */
export function queueWithDlq(
  scope: Construct,
  id: string,
  props: {
    queueName: string;
    removalPolicy: RemovalPolicy;
    visibilityTimeout?: Duration;
    fifo?: boolean;
    contentBasedDeduplication?: boolean;
    maxMessageSizeBytes?: number;
  },
): QueueWithDlq {
  const suffix = props.fifo ? '.fifo' : '';
  const dlq = new Queue(scope, `${id}Dlq`, {
    queueName: `${props.queueName}-dlq${suffix}`,
    ...(props.fifo ? { fifo: true } : {}),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: props.removalPolicy,
  });
  const queue = new Queue(scope, id, {
    queueName: `${props.queueName}${suffix}`,
    ...(props.fifo
      ? { fifo: true, contentBasedDeduplication: props.contentBasedDeduplication ?? false }
      : {}),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(3),
    retentionPeriod: Duration.days(4),
    ...(props.maxMessageSizeBytes ? { maxMessageSizeBytes: props.maxMessageSizeBytes } : {}),
    deadLetterQueue: { queue: dlq, maxReceiveCount },
    removalPolicy: props.removalPolicy,
  });
  return { queue, dlq };
}
