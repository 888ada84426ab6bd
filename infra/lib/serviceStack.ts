import { type ServiceName, type Source, type Subscription, subscriptions } from '@mtd/contracts';
import { effectClaimsTable, effectClaimsTtlAttribute } from '@mtd/platform';
import { feedShardsVariable } from '@mtd/platform/aws';
import { Stack, type StackProps } from 'aws-cdk-lib';
import { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { type IPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { grantEventStoreAccess, tableArnOf } from './eventStoreAccess';
import { alarmTopic } from './monitoring';
import { discoveryParameters, resourceName, type StageSettings } from './stage';
import { SubscriptionConsumer } from './subscriptionConsumer';
import { tableFromDefinition } from './tableFromDefinition';

export interface ServiceStackProps extends StackProps {
  settings: StageSettings;
}

/**
 * What every service stack shares: the stage, the platform's bus and event store found through
 * SSM (never `Fn::ImportValue`, so each service stack deploys and updates on its own), an alarm
 * topic and a dashboard.
 */
export abstract class ServiceStack extends Stack {
  readonly settings: StageSettings;
  private readonly parameterCache = new Map<string, string>();
  readonly alarmTopic: Topic;
  readonly dashboard: Dashboard;
  readonly consumers: SubscriptionConsumer[] = [];

  constructor(
    scope: Construct,
    id: string,
    readonly service: ServiceName,
    props: ServiceStackProps,
  ) {
    super(scope, id, { ...props, stackName: resourceName(props.settings.stage, service) });
    this.settings = props.settings;
    this.alarmTopic = alarmTopic(this, 'Alarms', {
      topicName: resourceName(this.settings.stage, service, 'alarms'),
      displayName: `MTD ${this.settings.stage} ${service} alarms`,
      settings: this.settings,
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: resourceName(this.settings.stage, service),
    });
  }

  /** A platform discovery value, read from SSM at deploy time (only if this stack uses it). */
  protected discovered(name: keyof ReturnType<typeof discoveryParameters>): string {
    const path = discoveryParameters(this.settings.stage)[name];
    let value = this.parameterCache.get(path);
    if (value === undefined) {
      value = StringParameter.valueForStringParameter(this, path);
      this.parameterCache.set(path, value);
    }
    return value;
  }

  get busName(): string {
    return this.discovered('busName');
  }

  get eventStoreTableName(): string {
    return this.discovered('eventStoreTableName');
  }

  /**
   * What a function that appends to the event store needs: the table and the stage's feed shard
   * count, with which its store marks the days it opens (`feedShardsFromEnv`).
   */
  get eventStoreEnvironment(): { EVENT_STORE_TABLE: string; [feedShardsVariable]: string } {
    return {
      EVENT_STORE_TABLE: this.eventStoreTableName,
      [feedShardsVariable]: String(this.settings.feedShards),
    };
  }

  get eventStoreTableArn(): string {
    return tableArnOf(this, this.eventStoreTableName);
  }

  /** This service's entries in `contracts/subscriptions.ts`. */
  protected ownSubscriptions(): Subscription[] {
    return subscriptions.filter((s) => s.service === this.service);
  }

  protected addConsumer(
    subscription: Subscription,
    options: { entry: string; environment: Record<string, string>; maxConcurrency?: number },
  ): SubscriptionConsumer {
    const consumer = new SubscriptionConsumer(this, subscription.name, {
      settings: this.settings,
      subscription,
      busName: this.busName,
      entry: options.entry,
      environment: options.environment,
      alarmTopic: this.alarmTopic,
      dashboard: this.dashboard,
      ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
    });
    this.consumers.push(consumer);
    return consumer;
  }

  /**
   * The service's effect claims (platform `EffectClaims`, Powertools Idempotency): a claim per
   * outside effect, so concurrent deliveries of one event do it once. Items expire through TTL.
   * Give its name to the Lambdas as EFFECT_CLAIMS_TABLE and {@link grantEffectClaims} to each.
   */
  protected addEffectClaimsTable(): CfnTable {
    return tableFromDefinition(this, 'EffectClaims', effectClaimsTable('effect-claims'), {
      tableName: resourceName(this.settings.stage, this.service, 'effect-claims'),
      // Claims are worth nothing after a day: nothing to protect, nothing to restore.
      deletionProtection: false,
      removalPolicy: this.settings.removalPolicy,
      timeToLiveAttribute: effectClaimsTtlAttribute,
    });
  }

  /** What Powertools Idempotency's DynamoDB layer calls: claim, read, complete, release. */
  protected grantEffectClaims(
    consumer: { fn: { addToRolePolicy(statement: PolicyStatement): void } },
    table: CfnTable,
  ): void {
    consumer.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [table.attrArn],
      }),
    );
  }

  protected grantEventStore(
    consumer: { fn: { grantPrincipal: IPrincipal } },
    source: Source,
    readPrefixes: readonly string[],
  ): void {
    grantEventStoreAccess(consumer.fn, { tableArn: this.eventStoreTableArn, source, readPrefixes });
  }
}
