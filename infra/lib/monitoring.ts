import { eventLatencyMetricName, mtdMetricsNamespace } from '@mtd/platform/aws';
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  type Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageSettings } from './stage';

/** The namespace the SQS wrapper's latency metric uses (Powertools Metrics). */
export const metricsNamespace = mtdMetricsNamespace;

const fiveMinutes = Duration.minutes(5);

/**
 * A stack's alarm topic (SSE with the AWS-managed SNS key, TLS only), subscribed by the stage's
 * `alarmEmails` (each address confirms once, by the link SNS mails it). More subscribers — a pager,
 * a chat webhook — subscribe to the topic by its name `mtd-<stage>-<stack>-alarms`.
 */
export function alarmTopic(
  scope: Construct,
  id: string,
  props: { topicName: string; displayName: string; settings: StageSettings },
): Topic {
  const topic = new Topic(scope, id, {
    topicName: props.topicName,
    displayName: props.displayName,
    enforceSSL: true,
    masterKey: Alias.fromAliasName(scope, `${id}AwsSnsKey`, 'alias/aws/sns'),
  });
  for (const email of props.settings.alarmEmails) topic.addSubscription(new EmailSubscription(email));
  return topic;
}

/**
 * An HTTP front answering 5XX (at least the stage's threshold in 5 min) or slowly (p99 above the
 * stage's limit for 3 minutes), both to the topic. `why` tells the on-call what each one means.
 */
function errorAndLatencyAlarms(
  scope: Construct,
  id: string,
  front: {
    name: string;
    errors: IMetric;
    latencyP99: IMetric;
    why: { errors: string; latency: string };
  },
  topic: ITopic,
  settings: StageSettings,
): Alarm[] {
  const serverErrors = new Alarm(scope, `${id}5xx`, {
    alarmName: `${front.name}-5xx`,
    alarmDescription: `${front.name} answered 5XX at least ${settings.api5xxThreshold} time(s) in 5 min: ${front.why.errors}`,
    metric: front.errors,
    threshold: settings.api5xxThreshold,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  const latency = new Alarm(scope, `${id}Latency`, {
    alarmName: `${front.name}-latency-p99`,
    alarmDescription: `${front.name}'s p99 latency was above ${settings.apiLatencyP99.toMilliseconds()} ms for 3 minutes: ${front.why.latency}`,
    metric: front.latencyP99,
    threshold: settings.apiLatencyP99.toMilliseconds(),
    evaluationPeriods: 3,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  for (const alarm of [serverErrors, latency]) alarm.addAlarmAction(new SnsAction(topic));
  return [serverErrors, latency];
}

/**
 * A REST API answering 5XX (its integration or API Gateway itself failed: partners get errors) or
 * slowly. 4XX are the partners' own mistakes and are not alarmed on.
 */
export function restApiAlarms(
  scope: Construct,
  id: string,
  api: RestApi,
  topic: ITopic,
  settings: StageSettings,
): Alarm[] {
  return errorAndLatencyAlarms(
    scope,
    id,
    {
      name: api.restApiName,
      errors: api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      latencyP99: api.metricLatency({ period: Duration.minutes(1), statistic: 'p99' }),
      why: {
        errors:
          "the queue integration or API Gateway failed (partners were told to retry). Check the API's execution logs and the intake queue.",
        latency:
          "SQS is slow to accept orders or API Gateway is throttling. Check the API's IntegrationLatency and the queue.",
      },
    },
    topic,
    settings,
  );
}

/** The same for an API served by a Lambda function URL (the projection's query API). */
export function functionUrlAlarms(
  scope: Construct,
  id: string,
  fn: IFunction,
  functionName: string,
  topic: ITopic,
  settings: StageSettings,
): Alarm[] {
  return errorAndLatencyAlarms(
    scope,
    `${id}Url`,
    {
      name: `${functionName}-url`,
      errors: fn.metric('Url5xxCount', { period: fiveMinutes, statistic: 'Sum' }),
      latencyP99: fn.metric('UrlRequestLatency', { period: Duration.minutes(1), statistic: 'p99' }),
      why: {
        errors: "the back office gets errors. Read the function's logs.",
        latency: 'read-model queries are slow or the function is cold-starting under load.',
      },
    },
    topic,
    settings,
  );
}

/** A DLQ holding anything at all: a message failed 10 times (or was invalid). */
export function deadLetterAlarm(
  scope: Construct,
  id: string,
  dlq: IQueue,
  topic: ITopic,
  description?: string,
): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmName: `${dlq.queueName}-has-messages`,
    alarmDescription:
      description ??
      `${dlq.queueName} holds dead letters. Read the Lambda's log lines for their messageId (the reason is there), fix the cause, then redrive (SQS "Start DLQ redrive").`,
    metric: dlq.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  return alarm;
}

/** The consumer is not keeping up (or is stuck on a poison message it keeps failing). */
export function messageAgeAlarm(
  scope: Construct,
  id: string,
  queue: IQueue,
  topic: ITopic,
  settings: StageSettings,
): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmName: `${queue.queueName}-oldest-message-age`,
    alarmDescription: `The oldest message in ${queue.queueName} is older than ${settings.maxMessageAge.toMinutes()} min: the Lambda is failing, throttled or under-provisioned.`,
    metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: settings.maxMessageAge.toSeconds(),
    evaluationPeriods: 3,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  return alarm;
}

export function lambdaAlarms(
  scope: Construct,
  id: string,
  fn: IFunction,
  functionName: string,
  topic: ITopic,
  settings: StageSettings,
): Alarm[] {
  const errors = new Alarm(scope, `${id}Errors`, {
    alarmName: `${functionName}-errors`,
    alarmDescription: `${functionName} failed (threw, timed out or ran out of memory) at least ${settings.lambdaErrorsThreshold} time(s) in 5 min. Record failures are reported, not thrown, so this means the function itself broke: read its logs.`,
    metric: fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
    threshold: settings.lambdaErrorsThreshold,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  const throttles = new Alarm(scope, `${id}Throttles`, {
    alarmName: `${functionName}-throttles`,
    alarmDescription: `${functionName} was throttled: the account or function concurrency limit is reached; raise it or lower the event source's maximum concurrency.`,
    metric: fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  for (const alarm of [errors, throttles]) alarm.addAlarmAction(new SnsAction(topic));
  return [errors, throttles];
}

/** One row of the service dashboard per subscription: depth, age, errors, event-to-handled latency. */
export function addConsumerWidgets(
  dashboard: Dashboard,
  consumer: { name: string; functionName: string; queue: IQueue; dlq: IQueue; fn: IFunction },
): void {
  const latency = (statistic: string) =>
    new Metric({
      namespace: metricsNamespace,
      metricName: eventLatencyMetricName,
      // Powertools Metrics adds the `service` dimension: the function's POWERTOOLS_SERVICE_NAME.
      dimensionsMap: { service: consumer.functionName, Subscription: consumer.name },
      statistic,
      period: Duration.minutes(1),
      label: `latency ${statistic}`,
    });
  dashboard.addWidgets(
    new GraphWidget({
      title: `${consumer.name}: queue depth`,
      left: [
        consumer.queue.metricApproximateNumberOfMessagesVisible({ label: 'visible' }),
        consumer.queue.metricApproximateNumberOfMessagesNotVisible({ label: 'in flight' }),
        consumer.dlq.metricApproximateNumberOfMessagesVisible({ label: 'DLQ' }),
      ],
      width: 6,
    }),
    new GraphWidget({
      title: `${consumer.name}: oldest message age (s)`,
      left: [consumer.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' })],
      width: 6,
    }),
    new GraphWidget({
      title: `${consumer.name}: Lambda errors / throttles`,
      left: [fn(consumer.fn, 'errors'), fn(consumer.fn, 'throttles')],
      width: 6,
    }),
    new GraphWidget({
      title: `${consumer.name}: event time → handled (ms)`,
      left: [latency('p50'), latency('p99')],
      width: 6,
    }),
  );
}

function fn(f: IFunction, which: 'errors' | 'throttles'): Metric {
  return which === 'errors'
    ? f.metricErrors({ statistic: 'Sum', label: 'errors' })
    : f.metricThrottles({ statistic: 'Sum', label: 'throttles' });
}
