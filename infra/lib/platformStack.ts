import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDefinition, Sources } from '@mtd/contracts';
import { eventStoreTable, feedIndex, schemaNameOf } from '@mtd/platform';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Match } from 'aws-cdk-lib/aws-events';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { alarmTopic, deadLetterAlarm, lambdaAlarms } from './monitoring';
import { acknowledge } from './nag';
import { lambdaEntry, repoRoot } from './paths';
import { queueWithDlq } from './queues';
import { serviceFunction } from './serviceFunction';
import { discoveryParameters, outboxPublisherFunctionName, resourceName, type StageSettings } from './stage';
import { tableFromDefinition } from './tableFromDefinition';

/** Where the committed schema snapshots live: `contracts/schemas/<DetailType>/v<N>.json`. */
export const schemaSnapshotDir = join(repoRoot, 'contracts', 'schemas');

export interface SchemaSnapshot {
  schemaName: string;
  detailType: string;
  version: number;
  content: string;
}

/** Every committed snapshot, named as the registry names it; a snapshot with no definition is an error. */
export function committedSchemaSnapshots(dir = schemaSnapshotDir): SchemaSnapshot[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(dir, d.name))
        .filter((f) => /^v\d+\.json$/.test(f))
        .map((file) => {
          const version = Number(file.slice(1, -'.json'.length));
          const definition = findDefinition(d.name, version);
          if (!definition)
            throw new Error(`schema snapshot ${d.name}/${file} has no event definition in contracts`);
          return {
            schemaName: schemaNameOf(definition),
            detailType: d.name,
            version,
            content: readFileSync(join(dir, d.name, file), 'utf8'),
          };
        }),
    )
    .sort((a, b) => a.schemaName.localeCompare(b.schemaName));
}

export interface PlatformStackProps extends StackProps {
  settings: StageSettings;
}

/**
 * The platform: the MTD bus and its archive, the schema registry with one schema per published
 * event version, the event store, the transactional outbox (stream → publisher Lambda → bus) and
 * the SSM parameters service stacks discover these by.
 */
export class PlatformStack extends Stack {
  readonly bus: EventBus;
  readonly publisherRole: Role;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    const { settings } = props;
    const { stage } = settings;
    super(scope, id, { ...props, stackName: resourceName(stage, 'platform') });
    const parameters = discoveryParameters(stage);

    this.bus = new EventBus(this, 'Bus', {
      eventBusName: resourceName(stage, 'bus'),
      description: `MTD ${stage}: every MTD event, published by the outbox`,
    });
    this.bus.archive('Archive', {
      archiveName: resourceName(stage, 'archive'),
      description: 'Every MTD event, for replay (consumers see replay-name and skip external effects)',
      eventPattern: { source: Match.prefix('mtd.') },
      retention: settings.archiveRetention,
    });

    const registry = new CfnRegistry(this, 'SchemaRegistry', {
      registryName: resourceName(stage, 'events'),
      description: 'One schema per published MTD event version (contracts/schemas)',
    });
    for (const snapshot of committedSchemaSnapshots()) {
      new CfnSchema(this, `Schema${snapshot.detailType}V${snapshot.version}`, {
        registryName: registry.attrRegistryName,
        schemaName: snapshot.schemaName,
        type: 'JSONSchemaDraft4',
        content: snapshot.content,
        description: `${snapshot.detailType} v${snapshot.version}`,
      });
    }

    const eventStoreName = resourceName(stage, 'events');
    const eventStore = tableFromDefinition(this, 'EventStore', eventStoreTable(eventStoreName), {
      tableName: eventStoreName,
      deletionProtection: settings.deletionProtection,
      removalPolicy: settings.removalPolicy,
      stream: 'NEW_IMAGE',
    });

    // --- transactional outbox: DynamoDB stream → publisher Lambda → bus
    const alarms = alarmTopic(this, 'Alarms', {
      topicName: resourceName(stage, 'platform', 'alarms'),
      displayName: `MTD ${stage} platform alarms`,
      settings,
    });
    const outboxFailures = queueWithDlq(this, 'OutboxFailures', {
      queueName: resourceName(stage, 'outbox', 'failures'),
      removalPolicy: settings.removalPolicy,
    });
    const publisherName = outboxPublisherFunctionName(stage);
    const publisher = serviceFunction(this, 'OutboxPublisher', {
      settings,
      functionName: publisherName,
      entry: lambdaEntry('platform/src/aws/outboxPublisherLambda.ts'),
      handler: 'handler',
      description:
        'Transactional outbox: publishes every event of every new event-store commit to the MTD bus',
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
      timeout: Duration.minutes(1),
    });
    this.publisherRole = publisher.role as Role;
    publisher.addEventSource(
      new DynamoEventSource(
        Table.fromTableAttributes(this, 'EventStoreRef', {
          tableArn: eventStore.attrArn,
          tableStreamArn: eventStore.attrStreamArn,
        }),
        {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(1),
          bisectBatchOnError: true,
          retryAttempts: settings.outboxRetryAttempts,
          reportBatchItemFailures: true,
          parallelizationFactor: 1,
          onFailure: new SqsDlq(outboxFailures.queue),
          // Only commits: `$days` markers never reach the function (it skips them as well).
          filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })],
        },
      ),
    );
    // The only PutEvents in MTD: services append to the store; the outbox publishes for all of
    // them, so its condition is the set of MTD sources (no other source can reach the bus from it).
    publisher.addToRolePolicy(
      new PolicyStatement({
        sid: 'PublishMtdSourcesOnly',
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        // events:source is multivalued (ArrayOfString: one value per entry of the PutEvents call), so
        // it needs a set operator; a plain StringEquals never matches an array in IAM's evaluation
        // (found by the emulated cloud's IAM check). Null false: ForAllValues alone would also allow
        // a request without the key.
        conditions: {
          'ForAllValues:StringEquals': { 'events:source': Object.values(Sources) },
          Null: { 'events:source': 'false' },
        },
      }),
    );
    acknowledge(
      this.publisherRole,
      'AwsSolutions-IAM5[Resource::*]',
      'DynamoEventSource grants dynamodb:ListStreams, which supports no resource scoping; the stream read actions themselves are scoped to the event store stream ARN.',
    );
    new Alarm(this, 'OutboxIteratorAge', {
      alarmName: `${publisherName}-iterator-age`,
      alarmDescription:
        'Committed events are waiting more than 5 min to be published: the publisher is failing or throttled. Read its logs; events are safe in the table.',
      metric: publisher.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: 5 * 60 * 1000,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(alarms));
    deadLetterAlarm(
      this,
      'OutboxFailuresAlarm',
      outboxFailures.queue,
      alarms,
      'A stream batch was given up after its retries: the message names the shard and sequence-number range. The commits are still in the event store; republish them (see infra/README "Outbox failures").',
    );
    deadLetterAlarm(this, 'OutboxFailuresDlqAlarm', outboxFailures.dlq, alarms);
    lambdaAlarms(this, 'OutboxPublisher', publisher, publisherName, alarms, settings);

    // API Gateway's account-wide CloudWatch role, so service APIs can log (set once per region).
    const apiGatewayLogging = new Role(this, 'ApiGatewayLoggingRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    acknowledge(
      apiGatewayLogging,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS defines for the API Gateway account logging role; API Gateway chooses the log groups it writes.',
    );
    new CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: apiGatewayLogging.roleArn });

    new StringParameter(this, 'BusNameParameter', {
      parameterName: parameters.busName,
      stringValue: this.bus.eventBusName,
      description: 'The MTD event bus: service stacks put their rules on it',
    });
    new StringParameter(this, 'BusArnParameter', {
      parameterName: parameters.busArn,
      stringValue: this.bus.eventBusArn,
    });
    new StringParameter(this, 'EventStoreTableParameter', {
      parameterName: parameters.eventStoreTableName,
      stringValue: eventStore.ref,
      description: `The event store table (feed index "${feedIndex}")`,
    });
    new StringParameter(this, 'SchemaRegistryParameter', {
      parameterName: parameters.schemaRegistryName,
      stringValue: registry.attrRegistryName,
    });
  }
}
