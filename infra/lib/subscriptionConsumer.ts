import type { Subscription } from '@mtd/contracts';
import { Duration } from 'aws-cdk-lib';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnRule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { addConsumerWidgets, deadLetterAlarm, lambdaAlarms, messageAgeAlarm } from './monitoring';
import { queueWithDlq } from './queues';
import { serviceFunction } from './serviceFunction';
import { resourceName, type StageSettings } from './stage';

export interface SubscriptionConsumerProps {
  settings: StageSettings;
  subscription: Subscription;
  /** The MTD bus, by name (resolved from SSM at deploy time). */
  busName: string;
  entry: string;
  environment: Record<string, string>;
  alarmTopic: ITopic;
  dashboard: Dashboard;
  /** Concurrent Lambdas reading the queue (2 is the SQS event source's minimum). */
  maxConcurrency?: number;
}

const functionTimeout = Duration.seconds(30);

/**
 * One subscription from `contracts/` in AWS: EventBridge rule (the contract's pattern, verbatim)
 * → its own SQS queue (+ DLQ after 10 receives) → a Lambda running the service's handler through
 * the SQS wrapper, with batch item failure reporting, alarms and dashboard widgets.
 *
 * One queue per subscription rather than per service: an SQS message does not say which rule
 * delivered it, and two subscriptions of one service can match the same event (projection), so a
 * shared queue could not tell which handler to run. It also isolates a failing handler's retries.
 */
export class SubscriptionConsumer extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;
  readonly fn: NodejsFunction;
  readonly rule: CfnRule;

  constructor(scope: Construct, id: string, props: SubscriptionConsumerProps) {
    super(scope, id);
    const { settings, subscription } = props;
    const name = resourceName(settings.stage, subscription.service, subscription.name);
    ({ queue: this.queue, dlq: this.dlq } = queueWithDlq(this, 'Queue', {
      queueName: name,
      removalPolicy: settings.removalPolicy,
      // AWS guidance for SQS event sources: at least 6 × the function timeout.
      visibilityTimeout: Duration.seconds(functionTimeout.toSeconds() * 6),
    }));

    // L1 so the pattern in the template is the contract's JSON exactly, not a re-rendering of it.
    this.rule = new CfnRule(this, 'Rule', {
      name,
      description: subscription.description,
      eventBusName: props.busName,
      eventPattern: subscription.pattern,
      state: 'ENABLED',
      targets: [
        {
          id: 'queue',
          arn: this.queue.queueArn,
          retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
          deadLetterConfig: { arn: this.dlq.queueArn },
        },
      ],
    });
    for (const target of [this.queue, this.dlq]) {
      target.addToResourcePolicy(
        new PolicyStatement({
          sid: `From${subscription.name}Rule`,
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [target.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': this.rule.attrArn } },
        }),
      );
    }

    this.fn = serviceFunction(this, 'Handler', {
      settings,
      functionName: name,
      entry: props.entry,
      handler: subscription.name,
      description: `${subscription.name}: ${subscription.description}`,
      environment: props.environment,
      timeout: functionTimeout,
    });
    this.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 10,
      }),
    );

    deadLetterAlarm(this, 'DlqAlarm', this.dlq, props.alarmTopic);
    messageAgeAlarm(this, 'AgeAlarm', this.queue, props.alarmTopic, settings);
    lambdaAlarms(this, 'Lambda', this.fn, name, props.alarmTopic, settings);
    addConsumerWidgets(props.dashboard, {
      name: subscription.name,
      functionName: name,
      queue: this.queue,
      dlq: this.dlq,
      fn: this.fn,
    });
  }
}
