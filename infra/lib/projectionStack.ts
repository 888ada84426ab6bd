import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Sources } from '@mtd/contracts';
import { ordersByStageIndex, ordersInProcessIndex, projectionTables } from '@mtd/projection';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { deadLetterAlarm, functionUrlAlarms, lambdaAlarms } from './monitoring';
import { acknowledge } from './nag';
import { lambdaEntry } from './paths';
import { queueWithDlq } from './queues';
import { serviceFunction } from './serviceFunction';
import { ServiceStack, type ServiceStackProps } from './serviceStack';
import { discoveryParameters, outboxPublisherFunctionName, resourceName } from './stage';
import { tableFromDefinition } from './tableFromDefinition';

/**
 * projection: the read-model tables, one consumer per projection subscription, the back-office
 * query API (Lambda function URL with IAM auth) and the Scheduler job of the early-warning check.
 */
export class ProjectionStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, 'projection', props);
    const { stage } = this.settings;
    const names = {
      orders: resourceName(stage, 'projection', 'orders'),
      timeline: resourceName(stage, 'projection', 'timeline'),
    };
    const definitions = projectionTablesAtSwitchStep(names, this.settings.orderIndexSwitchStep);
    const finalDefinitions = projectionTables(names);
    const tables = definitions.map((definition) =>
      tableFromDefinition(this, `Table${definition.TableName!.split('-').at(-1)}`, definition, {
        tableName: definition.TableName!,
        deletionProtection: this.settings.deletionProtection,
        removalPolicy: this.settings.removalPolicy,
      }),
    );
    const [orders, timeline] = tables as [(typeof tables)[0], (typeof tables)[0]];
    const environment = {
      ORDERS_TABLE: names.orders,
      TIMELINE_TABLE: names.timeline,
    };
    const entry = lambdaEntry('services/projection/src/aws/projectionLambda.ts');
    // A page is read with BatchGetItem, its timeline written with BatchWriteItem and its views with
    // TransactWriteItems, which DynamoDB authorises as PutItem per item.
    const readWrite = [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:Query',
    ];

    let projectionQueueName: string | undefined;
    for (const subscription of this.ownSubscriptions()) {
      const consumer = this.addConsumer(subscription, { entry, environment });
      if (subscription.name === 'projectOrderOnEvent') projectionQueueName = consumer.queue.queueName;
      consumer.fn.addToRolePolicy(
        new PolicyStatement({ actions: readWrite, resources: [orders, timeline].map((t) => t.attrArn) }),
      );
    }

    if (!projectionQueueName) throw new Error('the projection stack has no projectOrderOnEvent consumer');

    const query = serviceFunction(this, 'QueryApi', {
      settings: this.settings,
      functionName: resourceName(stage, 'projection', 'query-api'),
      entry,
      handler: 'queryApi',
      description: 'Back-office query API (orders, exceptions, statistics, audit); read-only.',
      environment,
    });
    query.addToRolePolicy(
      new PolicyStatement({
        // Keys-only indexes: a listing reads its views by key (BatchGetItem).
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        // During an order-index switch, the indexes of every step: readers try the keys-only index
        // before it exists (a refusal by IAM would not fall back to the index it replaces).
        resources: tables.flatMap((t, i) => [
          t.attrArn,
          ...new Set(
            [definitions[i], finalDefinitions[i]]
              .flatMap((definition) => definition?.GlobalSecondaryIndexes ?? [])
              .map((index) => `${t.attrArn}/index/${index.IndexName}`),
          ),
        ]),
      }),
    );
    const queryUrl = query.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    // The back office finds the query API here (its only way to read the read models).
    const discovery = discoveryParameters(stage);
    new StringParameter(this, 'QueryUrlParameter', {
      parameterName: discovery.projectionQueryUrl,
      stringValue: queryUrl.url,
      description: "projection's query API (function URL, IAM auth): the back office reads through it",
    });
    new StringParameter(this, 'QueryFunctionArnParameter', {
      parameterName: discovery.projectionQueryFunctionArn,
      stringValue: query.functionArn,
      description: "projection's query API function: the back office may invoke its URL",
    });
    functionUrlAlarms(
      this,
      'QueryApi',
      query,
      resourceName(stage, 'projection', 'query-api'),
      this.alarmTopic,
      this.settings,
    );
    lambdaAlarms(
      this,
      'QueryApi',
      query,
      resourceName(stage, 'projection', 'query-api'),
      this.alarmTopic,
      this.settings,
    );

    // Early-warning check: EventBridge Scheduler → Lambda (asynchronous: failures go to the DLQ).
    const earlyWarningFailures = queueWithDlq(this, 'EarlyWarningFailures', {
      queueName: resourceName(stage, 'projection', 'early-warning-failures'),
      removalPolicy: this.settings.removalPolicy,
    });
    const earlyWarning = serviceFunction(this, 'EarlyWarning', {
      settings: this.settings,
      functionName: resourceName(stage, 'projection', 'early-warning'),
      entry,
      handler: 'checkOrdersAtRisk',
      description: 'Early-warning check: appends OrderAtRisk to sla-<orderId> streams',
      environment: {
        ...environment,
        ...this.eventStoreEnvironment,
        // The projection's watermark (cloudWatchProjectionWatermark): how far behind the order views are.
        PROJECTION_QUEUE_NAME: projectionQueueName,
        OUTBOX_PUBLISHER_FUNCTION_NAME: outboxPublisherFunctionName(stage),
      },
    });
    this.grantEventStore({ fn: earlyWarning }, Sources.projection, ['sla-']);
    // It lists the orders in process (a key condition on the inProcess index) and nothing else.
    earlyWarning.addToRolePolicy(
      new PolicyStatement({
        sid: 'ListOrdersInProcess',
        actions: ['dynamodb:Query'],
        resources: [`${orders.attrArn}/index/${ordersInProcessIndex}`],
      }),
    );
    earlyWarning.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadProjectionBacklogMetrics',
        actions: ['cloudwatch:GetMetricData'],
        resources: ['*'],
      }),
    );
    acknowledge(
      earlyWarning.role!,
      'AwsSolutions-IAM5[Resource::*]',
      'cloudwatch:GetMetricData supports no resource-level permissions; the early-warning check reads only the projection queue age and the outbox publisher iterator age with it.',
    );
    earlyWarning.configureAsyncInvoke({
      onFailure: new SqsDestination(earlyWarningFailures.queue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });
    const schedulerRole = new Role(this, 'EarlyWarningSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invoke the early-warning check only',
    });
    schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [earlyWarning.functionArn] }),
    );
    earlyWarningFailures.queue.grantSendMessages(schedulerRole);
    new CfnSchedule(this, 'EarlyWarningSchedule', {
      name: resourceName(stage, 'projection', 'early-warning'),
      description: 'Look for orders whose stage overran its deadline',
      scheduleExpression: this.settings.earlyWarningSchedule,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: earlyWarning.functionArn,
        roleArn: schedulerRole.roleArn,
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 },
        deadLetterConfig: { arn: earlyWarningFailures.queue.queueArn },
      },
    });
    deadLetterAlarm(
      this,
      'EarlyWarningFailuresAlarm',
      earlyWarningFailures.queue,
      this.alarmTopic,
      'The early-warning check failed (after Lambda retries) or could not be invoked by the scheduler: read its logs.',
    );
    deadLetterAlarm(this, 'EarlyWarningFailuresDlqAlarm', earlyWarningFailures.dlq, this.alarmTopic);
    lambdaAlarms(
      this,
      'EarlyWarning',
      earlyWarning,
      resourceName(stage, 'projection', 'early-warning'),
      this.alarmTopic,
      this.settings,
    );
  }
}

/**
 * The projection tables of a stage at a step of its order-index switch (`orderIndexSwitchStep`,
 * infra/README): 1 adds byDayKeys beside the ALL-projecting byDay and byStage, 2 adds byStageKeys,
 * 3 drops byDay, and the final definition (no step) drops byStage. One index changes per deploy,
 * as CloudFormation requires; readers use a keys-only index once it is ACTIVE and the one it
 * replaces until then.
 */
export function projectionTablesAtSwitchStep(
  names: { orders: string; timeline: string },
  step: number | undefined,
): CreateTableCommandInput[] {
  if (step === undefined) return projectionTables(names);
  const tables = projectionTables(names, { legacyIndexes: step < 3 ? ['byDay', 'byStage'] : ['byStage'] });
  if (step > 1) return tables;
  return tables.map((table) =>
    table.TableName === names.orders
      ? {
          ...table,
          GlobalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? []).filter(
            (index) => index.IndexName !== ordersByStageIndex,
          ),
        }
      : table,
  );
}
