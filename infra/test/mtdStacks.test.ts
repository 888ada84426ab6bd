import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Sources, streamPrefixesBySource, subscriptions } from '@mtd/contracts';
import { folioLedgerTable } from '@mtd/dte';
import { defaultPartnerUsagePlan } from '@mtd/intake';
import { effectClaimsTable, effectClaimsTtlAttribute, eventStoreTable, schemaNameOf } from '@mtd/platform';
import { projectionTables } from '@mtd/projection';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaSnapshotDir } from '../lib/platformStack';
import { stageSettings } from '../lib/stage';
import { resourcesOf, type Synthesized, synthMtd } from './synthMtd';

// The services with subscriptions (queues, consumers); the back office has none (backofficeStack.test.ts).
const serviceStackNames = ['mtd-dev-intake', 'mtd-dev-dte', 'mtd-dev-notification', 'mtd-dev-projection'];

let dev: Synthesized;
beforeAll(() => {
  dev = synthMtd({ stage: 'dev' });
});

const tpl = (name: string) => {
  const template = dev.templates[name];
  if (!template) throw new Error(`no stack ${name}`);
  return template;
};

type Statement = {
  Action: string | string[];
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
  Resource: unknown;
};

function statementsOf(stackName: string): Statement[] {
  return resourcesOf(tpl(stackName), 'AWS::IAM::Policy').flatMap(
    ([, policy]) => (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('the dev stage', () => {
  it('has the platform stack and one stack per service, all named mtd-dev-…', () => {
    expect(Object.keys(dev.templates).sort()).toEqual(
      ['mtd-dev-platform', ...serviceStackNames, 'mtd-dev-backoffice'].sort(),
    );
  });

  it('routes every subscription with a rule whose pattern is exactly the contract pattern', () => {
    for (const subscription of subscriptions) {
      const stack = tpl(`mtd-dev-${subscription.service}`);
      const rules = resourcesOf(stack, 'AWS::Events::Rule').filter(
        ([, r]) => r.Properties?.Name === `mtd-dev-${subscription.service}-${subscription.name}`,
      );
      expect(rules, subscription.name).toHaveLength(1);
      expect(rules[0]![1].Properties?.EventPattern).toEqual(subscription.pattern);
      expect(JSON.stringify(rules[0]![1].Properties?.EventBusName)).toContain('SsmParameterValue');
    }
  });

  it('gives every queue with a consumer a DLQ after 10 receives, TLS-only and encrypted', () => {
    for (const name of ['mtd-dev-platform', ...serviceStackNames]) {
      const queues = resourcesOf(tpl(name), 'AWS::SQS::Queue');
      const sources = queues.filter(([, q]) => !String(q.Properties?.QueueName).includes('-dlq'));
      expect(sources.length).toBeGreaterThan(0);
      for (const [id, queue] of sources) {
        expect(queue.Properties?.RedrivePolicy, `${name}/${id}`).toMatchObject({ maxReceiveCount: 10 });
        expect(queue.Properties?.SqsManagedSseEnabled, `${name}/${id}`).toBe(true);
      }
      const policies = resourcesOf(tpl(name), 'AWS::SQS::QueuePolicy');
      const secured = JSON.stringify(policies);
      for (const [id] of queues) {
        expect(secured, `${id} enforces TLS`).toContain(id);
      }
      expect(secured).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('alarms on every queue', () => {
    for (const name of ['mtd-dev-platform', ...serviceStackNames]) {
      const alarmed = JSON.stringify(resourcesOf(tpl(name), 'AWS::CloudWatch::Alarm'));
      for (const [id] of resourcesOf(tpl(name), 'AWS::SQS::Queue')) {
        expect(alarmed, `${name}/${id} has an alarm`).toContain(`"${id}","QueueName"`);
      }
    }
  });

  it('alarms on errors and throttles of every function, and on DLQ depth and message age per subscription', () => {
    for (const name of ['mtd-dev-platform', ...serviceStackNames]) {
      const alarms = resourcesOf(tpl(name), 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
      for (const [id] of resourcesOf(tpl(name), 'AWS::Lambda::Function')) {
        const on = alarms.filter((a) => JSON.stringify(a.Dimensions ?? []).includes(`"${id}"`));
        expect(on.map((a) => a.MetricName).sort(), `${name}/${id}`).toEqual(
          expect.arrayContaining(['Errors', 'Throttles']),
        );
      }
    }
    for (const subscription of subscriptions) {
      const alarms = resourcesOf(tpl(`mtd-dev-${subscription.service}`), 'AWS::CloudWatch::Alarm').map(
        ([, a]) => a.Properties ?? {},
      );
      const on = (pattern: RegExp) => alarms.filter((a) => pattern.test(JSON.stringify(a.Dimensions ?? [])));
      expect(on(new RegExp(`"${subscription.name}QueueDlq[0-9A-F]{8}"`)), subscription.name).toEqual([
        expect.objectContaining({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      ]);
      expect(on(new RegExp(`"${subscription.name}Queue[0-9A-F]{8}"`)), subscription.name).toMatchObject([
        {
          MetricName: 'ApproximateAgeOfOldestMessage',
          Threshold: 30 * 60,
        },
      ]);
    }
  });

  it('gives every function batch failure reporting or an on-failure destination (or a synchronous caller)', () => {
    for (const name of ['mtd-dev-platform', ...serviceStackNames]) {
      const template = tpl(name);
      const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').map(
        ([, m]) => m.Properties ?? {},
      );
      const invokeConfigs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig').map(
        ([, c]) => c.Properties ?? {},
      );
      for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
        const ref = { Ref: id };
        const reports = mappings.some(
          (m) =>
            JSON.stringify(m.FunctionName) === JSON.stringify(ref) &&
            (m.FunctionResponseTypes as string[] | undefined)?.includes('ReportBatchItemFailures'),
        );
        const onFailure = invokeConfigs.some(
          (c) => JSON.stringify(c.FunctionName) === JSON.stringify(ref) && c.DestinationConfig !== undefined,
        );
        // The query API answers API callers directly: a failure is the caller's HTTP 5xx.
        const synchronous = fn.Properties?.FunctionName === 'mtd-dev-projection-query-api';
        expect(reports || onFailure || synchronous, `${name}/${id}`).toBe(true);
      }
    }
  });

  it('runs every function on the newest Node.js runtime, ARM64, with its own log group', () => {
    for (const name of ['mtd-dev-platform', ...serviceStackNames]) {
      for (const [id, fn] of resourcesOf(tpl(name), 'AWS::Lambda::Function')) {
        expect(fn.Properties?.Runtime, id).toBe('nodejs24.x');
        expect(fn.Properties?.Architectures, id).toEqual(['arm64']);
        expect(fn.Properties?.LoggingConfig, id).toBeDefined();
      }
    }
  });

  it('lets each service append only to its own streams (LeadingKeys) and read only the streams it needs', () => {
    const expected = {
      'mtd-dev-intake': { source: Sources.intake, reads: ['order-*'] },
      'mtd-dev-dte': { source: Sources.dte, reads: ['dte-*', 'order-*'] },
      'mtd-dev-notification': { source: Sources.notification, reads: ['notification-*'] },
      // The SLA watcher (early-warning function) appends OrderAtRisk to sla-<orderId> only.
      'mtd-dev-projection': { source: Sources.projection, reads: ['sla-*'] },
    } as const;
    for (const [stackName, { source, reads }] of Object.entries(expected)) {
      const statements = statementsOf(stackName);
      const puts = statements.filter(
        (s) =>
          actionsOf(s).includes('dynamodb:PutItem') && JSON.stringify(s.Resource).includes('eventstoretable'),
      );
      expect(puts.length, stackName).toBeGreaterThan(0);
      for (const put of puts) {
        expect(put.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']).toEqual([
          ...streamPrefixesBySource[source].map((p) => `${p}*`),
          '$days',
        ]);
      }
      const queries = statements.filter(
        (s) =>
          actionsOf(s).includes('dynamodb:Query') && JSON.stringify(s.Resource).includes('eventstoretable'),
      );
      for (const query of queries) {
        expect(query.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']).toEqual(reads);
      }
    }
  });

  it('lets only the outbox publisher PutEvents, on the MTD bus, for MTD sources only', () => {
    for (const name of serviceStackNames) {
      expect(statementsOf(name).flatMap(actionsOf)).not.toContain('events:PutEvents');
    }
    const putEvents = statementsOf('mtd-dev-platform').filter((s) =>
      actionsOf(s).includes('events:PutEvents'),
    );
    expect(putEvents).toHaveLength(1);
    expect(putEvents[0]!.Condition).toEqual({
      'ForAllValues:StringEquals': { 'events:source': Object.values(Sources) },
      Null: { 'events:source': 'false' },
    });
    expect(JSON.stringify(putEvents[0]!.Resource)).toContain('Bus');
  });

  it('grants no wildcard actions', () => {
    for (const name of ['mtd-dev-platform', ...serviceStackNames]) {
      for (const action of statementsOf(name).flatMap(actionsOf)) {
        expect(action, name).not.toMatch(/\*/);
      }
    }
  });

  it('lets each subscription Lambda read only its own queue', () => {
    for (const subscription of subscriptions) {
      const name = `mtd-dev-${subscription.service}`;
      const template = tpl(name);
      const [roleId] =
        resourcesOf(template, 'AWS::IAM::Role').find(([id]) =>
          id.startsWith(`${subscription.name}HandlerRole`),
        ) ?? [];
      const policy = resourcesOf(template, 'AWS::IAM::Policy').find(([, p]) =>
        JSON.stringify(p.Properties?.Roles).includes(`"${roleId}"`),
      );
      const receives = (policy![1].Properties!.PolicyDocument as { Statement: Statement[] }).Statement.filter(
        (s) => actionsOf(s).includes('sqs:ReceiveMessage'),
      );
      expect(receives, subscription.name).toHaveLength(1);
      const resource = JSON.stringify(receives[0]!.Resource);
      expect(resource).toMatch(new RegExp(`"${subscription.name}Queue[0-9A-F]{8}"`));
    }
  });

  it('registers one JSONSchemaDraft4 schema per committed snapshot, with the snapshot as content', () => {
    const files = readdirSync(schemaSnapshotDir).flatMap((type) =>
      readdirSync(join(schemaSnapshotDir, type)).map((f) => ({ type, version: Number(f.slice(1, -5)) })),
    );
    const schemas = resourcesOf(tpl('mtd-dev-platform'), 'AWS::EventSchemas::Schema').map(
      ([, s]) => s.Properties ?? {},
    );
    expect(schemas).toHaveLength(files.length);
    for (const { type, version } of files) {
      const schema = schemas.find((s) => String(s.SchemaName).endsWith(`@${type}.v${version}`));
      expect(schema, `${type} v${version}`).toBeDefined();
      expect(schema?.Type).toBe('JSONSchemaDraft4');
      expect(JSON.parse(String(schema?.Content))).toMatchObject({ title: `${type} v${version}` });
    }
    expect(schemas.map((s) => s.SchemaName)).toContain(
      schemaNameOf({ source: 'mtd.intake', detailType: 'OrderReceived', version: 2 }),
    );
  });

  it('builds the event store exactly as the store code expects, with a NEW_IMAGE stream and PITR', () => {
    const expected = eventStoreTable('mtd-dev-events');
    const tables = resourcesOf(tpl('mtd-dev-platform'), 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    expect(tables[0]?.[1].Properties).toMatchObject({
      TableName: 'mtd-dev-events',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: expected.KeySchema,
      AttributeDefinitions: expected.AttributeDefinitions,
      GlobalSecondaryIndexes: expected.GlobalSecondaryIndexes,
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('builds the service tables from the same definitions the local runtime uses', () => {
    const check = (stack: string, definition: ReturnType<typeof folioLedgerTable>) => {
      const table = resourcesOf(tpl(stack), 'AWS::DynamoDB::Table').find(
        ([, t]) => t.Properties?.TableName === definition.TableName,
      );
      expect(table?.[1].Properties, definition.TableName).toMatchObject({
        KeySchema: definition.KeySchema,
        AttributeDefinitions: definition.AttributeDefinitions,
        ...(definition.GlobalSecondaryIndexes
          ? { GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes }
          : {}),
      });
    };
    check('mtd-dev-dte', folioLedgerTable('mtd-dev-dte-folios'));
    for (const definition of projectionTables({
      orders: 'mtd-dev-projection-orders',
      timeline: 'mtd-dev-projection-timeline',
    })) {
      check('mtd-dev-projection', definition);
    }
  });

  it("gives every function that appends to the event store the stage's feed shard count", () => {
    const { feedShards } = stageSettings('dev');
    expect(feedShards).toBeGreaterThan(1);
    const appenders = [...serviceStackNames, 'mtd-dev-backoffice'].flatMap((stack) =>
      resourcesOf(tpl(stack), 'AWS::Lambda::Function')
        .map(([, fn]) => (fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables)
        .filter((variables) => variables?.EVENT_STORE_TABLE !== undefined),
    );
    // intake 2, dte and notification per subscription, projection's early warning, the back office.
    expect(appenders.length).toBeGreaterThanOrEqual(6);
    for (const variables of appenders) expect(variables?.FEED_SHARDS).toBe(String(feedShards));
  });

  it('gives dte and notification an effect-claims table (TTL) that every one of their Lambdas uses', () => {
    for (const service of ['dte', 'notification']) {
      const stack = `mtd-dev-${service}`;
      const definition = effectClaimsTable(`mtd-dev-${service}-effect-claims`);
      const tables = resourcesOf(tpl(stack), 'AWS::DynamoDB::Table').filter(
        ([, t]) => t.Properties?.TableName === definition.TableName,
      );
      expect(tables).toHaveLength(1);
      const [logicalId, table] = tables[0]!;
      expect(table.Properties).toMatchObject({
        KeySchema: definition.KeySchema,
        AttributeDefinitions: definition.AttributeDefinitions,
        TimeToLiveSpecification: { AttributeName: effectClaimsTtlAttribute, Enabled: true },
      });
      const functions = resourcesOf(tpl(stack), 'AWS::Lambda::Function').filter(
        ([, fn]) =>
          (fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables
            ?.EVENT_STORE_TABLE,
      );
      expect(functions.length).toBeGreaterThan(0);
      for (const [, fn] of functions) {
        expect(
          (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables
            .EFFECT_CLAIMS_TABLE,
        ).toEqual({
          Ref: logicalId,
        });
      }
      const claimStatements = statementsOf(stack).filter(
        (st) => JSON.stringify(st.Resource) === JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] }),
      );
      expect(claimStatements.length).toBe(functions.length);
      for (const st of claimStatements) {
        expect([...actionsOf(st)].sort()).toEqual([
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ]);
      }
    }
  });

  it('keeps service stacks apart: no exports, no imports, platform values through SSM', () => {
    for (const name of [...serviceStackNames, 'mtd-dev-backoffice']) {
      const text = JSON.stringify(dev.json[name]);
      expect(text, name).not.toContain('Fn::ImportValue');
      expect(text, name).not.toContain('"Export"');
    }
    expect(JSON.stringify(dev.json['mtd-dev-platform'])).not.toContain('"Export"');
    const parameters = resourcesOf(tpl('mtd-dev-platform'), 'AWS::SSM::Parameter').map(
      ([, p]) => p.Properties?.Name,
    );
    expect(parameters).toEqual(
      expect.arrayContaining([
        '/mtd/dev/bus-name',
        '/mtd/dev/event-store-table-name',
        '/mtd/dev/schema-registry-name',
      ]),
    );
  });

  it('fronts intake with an API-key, usage-planned API into a FIFO queue grouped by order id', () => {
    const intake = tpl('mtd-dev-intake');
    intake.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'mtd-dev-intake-orders.fifo',
      FifoQueue: true,
      ContentBasedDeduplication: true,
      MaximumMessageSize: 64 * 1024 + 1024,
    });
    intake.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ApiKeyRequired: true,
      RequestParameters: {
        'method.request.header.X-Order-Id': true,
        'method.request.header.Content-Type': true,
      },
    });
    const method = resourcesOf(intake, 'AWS::ApiGateway::Method')[0]![1];
    const templates = (method.Properties!.Integration as { RequestTemplates: Record<string, string> })
      .RequestTemplates;
    expect(Object.keys(templates).sort()).toEqual(['application/json', 'application/xml', 'text/xml']);
    expect(templates['application/xml']).toContain(
      "MessageGroupId=$util.urlEncode($input.params('X-Order-Id'))",
    );
    // One plan per partner, with the stage's numbers (dev: the default plan, which the local runtime
    // gives `mtd partners add` too), and the stage throttle carrying both partners at once.
    expect(resourcesOf(intake, 'AWS::ApiGateway::UsagePlan')).toHaveLength(2);
    for (const partner of ['web', 'marketplace'])
      intake.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
        UsagePlanName: `mtd-dev-intake-partner-${partner}`,
        Throttle: {
          RateLimit: defaultPartnerUsagePlan.rateLimit,
          BurstLimit: defaultPartnerUsagePlan.burstLimit,
        },
        Quota: { Limit: defaultPartnerUsagePlan.quotaPerDay, Period: 'DAY' },
      });
    intake.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
      ]),
    });
    expect(resourcesOf(intake, 'AWS::ApiGateway::ApiKey')).toHaveLength(2);
    expect(resourcesOf(intake, 'AWS::ApiGateway::UsagePlanKey')).toHaveLength(2);
    const prod = stageSettings('prod').intakeClients;
    expect(prod.map((c) => c.usagePlan)).toEqual([
      { rateLimit: 10, burstLimit: 100, quotaPerDay: 300_000 },
      { rateLimit: 10, burstLimit: 100, quotaPerDay: 300_000 },
    ]);
    intake.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
  });

  it('routes SES bounces and complaints of the configuration set back through EventBridge', () => {
    const notification = tpl('mtd-dev-notification');
    notification.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        MatchingEventTypes: ['bounce', 'complaint', 'reject', 'renderingFailure', 'deliveryDelay'],
        Enabled: true,
      },
    });
    notification.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: {
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': ['mtd-dev-notification'] } } },
      },
    });
  });

  it('lets the early-warning check list orders in process and read the projection backlog metrics', () => {
    const projection = tpl('mtd-dev-projection');
    const functions = resourcesOf(projection, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Properties?.FunctionName === 'mtd-dev-projection-early-warning',
    );
    expect(functions).toHaveLength(1);
    const [fnId, fn] = functions[0]!;
    const env = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.OUTBOX_PUBLISHER_FUNCTION_NAME).toBe('mtd-dev-outbox-publisher');
    expect(JSON.stringify(env.PROJECTION_QUEUE_NAME)).toMatch(/projectOrderOnEventQueue[0-9A-F]{8}/);
    const roleId = JSON.stringify(fn.Properties?.Role).match(/"(EarlyWarningRole[0-9A-F]{8})"/)?.[1];
    expect(roleId, fnId).toBeDefined();
    const statements = resourcesOf(projection, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties?.Roles).includes(roleId!))
      .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
    const metrics = statements.filter((s) => actionsOf(s).includes('cloudwatch:GetMetricData'));
    expect(metrics.map((s) => [actionsOf(s), s.Resource])).toEqual([[['cloudwatch:GetMetricData'], '*']]);
    const listing = statements.filter(
      (s) =>
        actionsOf(s).includes('dynamodb:Query') && JSON.stringify(s.Resource).includes('/index/inProcess'),
    );
    expect(listing).toHaveLength(1);
    expect(actionsOf(listing[0]!)).toEqual(['dynamodb:Query']);
  });

  it('schedules the early-warning check and keeps the tax-authority credentials in Secrets Manager', () => {
    tpl('mtd-dev-projection').hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    tpl('mtd-dev-dte').hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'mtd-dev-dte-tax-authority',
    });
  });
});

describe('stack independence', () => {
  it('synthesises the other stacks unchanged when the dte stack is left out', () => {
    const withoutDte = synthMtd({ stage: 'dev', services: ['intake', 'notification', 'projection'] });
    expect(Object.keys(withoutDte.json).sort()).toEqual(
      ['mtd-dev-platform', 'mtd-dev-intake', 'mtd-dev-notification', 'mtd-dev-projection'].sort(),
    );
    for (const name of Object.keys(withoutDte.json)) {
      expect(withoutDte.json[name], name).toEqual(dev.json[name]);
    }
  });
});

describe('stages', () => {
  it('turns deletion protection on outside dev and names everything per stage', () => {
    const prod = synthMtd({ stage: 'prod', services: ['dte'] });
    const table = (s: Synthesized, stack: string) =>
      resourcesOf(s.templates[stack]!, 'AWS::DynamoDB::Table').map(([, t]) => t.Properties ?? {});
    expect(table(prod, 'mtd-prod-platform')[0]).toMatchObject({
      TableName: 'mtd-prod-events',
      DeletionProtectionEnabled: true,
    });
    expect(table(dev, 'mtd-dev-platform')[0]).toMatchObject({
      TableName: 'mtd-dev-events',
      DeletionProtectionEnabled: false,
    });
    expect(table(prod, 'mtd-prod-dte')[0]).toMatchObject({ DeletionProtectionEnabled: true });
    const archive = (s: Synthesized, stack: string) =>
      resourcesOf(s.templates[stack]!, 'AWS::Events::Archive')[0]![1].Properties?.RetentionDays;
    expect(archive(prod, 'mtd-prod-platform')).toBe(365);
    expect(archive(dev, 'mtd-dev-platform')).toBe(7);
    const age = resourcesOf(prod.templates['mtd-prod-dte']!, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties ?? {})
      .find((a) => a.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(age?.Threshold).toBe(5 * 60);
  });

  it('refuses an unknown stage', () => {
    expect(() => synthMtd({ stage: 'staging' })).toThrow(/unknown stage "staging"/);
  });
});
