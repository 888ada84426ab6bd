import { Sources } from '@mtd/contracts';
import { maxOrderBytes, validUsagePlan } from '@mtd/intake';
import { type CfnElement, Duration } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AwsIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  PassthroughBehavior,
  Period,
  RequestValidator,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import {
  addConsumerWidgets,
  deadLetterAlarm,
  lambdaAlarms,
  messageAgeAlarm,
  restApiAlarms,
} from './monitoring';
import { acknowledge } from './nag';
import { lambdaEntry } from './paths';
import { queueWithDlq } from './queues';
import { serviceFunction } from './serviceFunction';
import { ServiceStack, type ServiceStackProps } from './serviceStack';
import { resourceName } from './stage';

/** Media types the front door forwards; anything else is refused with 415 by API Gateway. */
export const orderMediaTypes = ['application/xml', 'text/xml', 'application/json'] as const;

/**
 * SQS measures body + attributes; 64 KiB of order plus the two small attributes fit, anything
 * larger makes SendMessage fail, which the front door answers with 413.
 */
export const intakeMaxMessageBytes = maxOrderBytes + 1024;

/**
 * The SQS SendMessage form the front door builds from a request: the raw body, the order id header
 * as the FIFO group, the content type and API Gateway's request id as attributes (the intake Lambda
 * replays them as the HTTP request its app serves locally). Dedup is content-based.
 */
export const sendOrderTemplate = [
  'Action=SendMessage',
  "MessageGroupId=$util.urlEncode($input.params('X-Order-Id'))",
  'MessageBody=$util.urlEncode($input.body)',
  'MessageAttribute.1.Name=contentType',
  'MessageAttribute.1.Value.DataType=String',
  "MessageAttribute.1.Value.StringValue=$util.urlEncode($input.params('Content-Type'))",
  'MessageAttribute.2.Name=requestId',
  'MessageAttribute.2.Value.DataType=String',
  'MessageAttribute.2.Value.StringValue=$context.requestId',
].join('&');

/**
 * intake: the raw-order front door. `POST /orders` (API Gateway REST, API keys, a usage plan with
 * per-client throttling) → SQS FIFO (grouped by order id, content-based dedup) → the intake Lambda;
 * and the batch bucket whose object-created events start the batch split.
 */
export class IntakeStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, 'intake', props);
    const { stage } = this.settings;
    const entry = lambdaEntry('services/intake/src/aws/intakeLambda.ts');
    const environment = this.eventStoreEnvironment;

    // --- single orders: API Gateway → SQS FIFO → Lambda
    const orders = queueWithDlq(this, 'Orders', {
      queueName: resourceName(stage, 'intake', 'orders'),
      removalPolicy: this.settings.removalPolicy,
      fifo: true,
      contentBasedDeduplication: true,
      visibilityTimeout: Duration.minutes(3),
      maxMessageSizeBytes: intakeMaxMessageBytes,
    });
    const receiveOrderName = resourceName(stage, 'intake', 'receive-order');
    const receiveOrder = serviceFunction(this, 'ReceiveOrder', {
      settings: this.settings,
      functionName: receiveOrderName,
      entry,
      handler: 'receiveOrderFromQueue',
      description: 'Records one queued raw order (the same intake app as POST /orders locally).',
      environment,
    });
    receiveOrder.addEventSource(
      new SqsEventSource(orders.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    this.grantEventStore({ fn: receiveOrder }, Sources.intake, ['order-']);
    deadLetterAlarm(this, 'OrdersDlqAlarm', orders.dlq, this.alarmTopic);
    messageAgeAlarm(this, 'OrdersAgeAlarm', orders.queue, this.alarmTopic, this.settings);
    lambdaAlarms(this, 'ReceiveOrder', receiveOrder, receiveOrderName, this.alarmTopic, this.settings);
    addConsumerWidgets(this.dashboard, {
      name: 'receiveOrderFromQueue',
      functionName: receiveOrderName,
      ...orders,
      fn: receiveOrder,
    });

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      logGroupName: `/aws/apigateway/${resourceName(stage, 'intake', 'api')}`,
      retention: this.settings.logRetention,
      removalPolicy: this.settings.removalPolicy,
    });
    const api = new RestApi(this, 'Api', {
      restApiName: resourceName(stage, 'intake', 'api'),
      description: 'MTD raw-order front door: POST /orders (XML or JSON, one order, ≤ 64 KiB)',
      // The account-level API Gateway logging role is set once by the platform stack.
      cloudWatchRole: false,
      deployOptions: {
        stageName: stage,
        // The stage carries every partner at its plan's limits at once; each key is held to its own.
        throttlingRateLimit: sum(this.settings.intakeClients.map((c) => c.usagePlan.rateLimit)),
        throttlingBurstLimit: sum(this.settings.intakeClients.map((c) => c.usagePlan.burstLimit)),
        loggingLevel: MethodLoggingLevel.ERROR,
        metricsEnabled: true,
        tracingEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
    });
    restApiAlarms(this, 'Api', api, this.alarmTopic, this.settings);
    const sendRole = new Role(this, 'ApiToQueueRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway: send raw orders to the intake FIFO queue only',
    });
    orders.queue.grantSendMessages(sendRole);
    const integration = new AwsIntegration({
      service: 'sqs',
      path: `${this.account}/${orders.queue.queueName}`,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: sendRole,
        passthroughBehavior: PassthroughBehavior.NEVER,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
        },
        requestTemplates: Object.fromEntries(orderMediaTypes.map((type) => [type, sendOrderTemplate])),
        integrationResponses: [
          {
            statusCode: '202',
            responseTemplates: {
              'application/json':
                '{"status":"queued","requestId":"$context.requestId","orderId":"$util.escapeJavaScript($input.params(\'X-Order-Id\'))"}',
            },
          },
          {
            selectionPattern: '4\\d{2}',
            statusCode: '413',
            responseTemplates: {
              'application/json': `{"error":"the order was refused by the queue: over ${maxOrderBytes} bytes or malformed"}`,
            },
          },
          {
            selectionPattern: '5\\d{2}',
            statusCode: '503',
            responseTemplates: { 'application/json': '{"error":"try again; an identical resend is safe"}' },
          },
        ],
      },
    });
    const validator = new RequestValidator(this, 'OrderHeadersValidator', {
      restApi: api,
      requestValidatorName: 'order-headers',
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    api.root.addResource('orders').addMethod('POST', integration, {
      apiKeyRequired: true,
      requestValidator: validator,
      requestParameters: {
        'method.request.header.X-Order-Id': true,
        'method.request.header.Content-Type': true,
      },
      methodResponses: [{ statusCode: '202' }, { statusCode: '413' }, { statusCode: '503' }],
    });
    // One usage plan per partner (its own rate, burst and daily quota), as `mtd partners add` locally.
    for (const client of this.settings.intakeClients) {
      const { rateLimit, burstLimit, quotaPerDay } = validUsagePlan(client.usagePlan);
      const plan = api.addUsagePlan(`Plan${client.name}`, {
        name: resourceName(stage, 'intake', 'partner', client.name),
        description: `Partner ${client.name}: ${rateLimit} orders/s, burst ${burstLimit}${quotaPerDay ? `, ${quotaPerDay}/day` : ''}`,
        throttle: { rateLimit, burstLimit },
        ...(quotaPerDay ? { quota: { limit: quotaPerDay, period: Period.DAY } } : {}),
        apiStages: [{ api, stage: api.deploymentStage }],
      });
      plan.addApiKey(
        api.addApiKey(`Key${client.name}`, { apiKeyName: resourceName(stage, 'intake', client.name) }),
      );
    }
    acknowledge(
      api,
      'AwsSolutions-APIG3',
      'The intake API is called by a few known partners with API keys and per-key usage-plan throttling; WAF is an account-level decision left to the edge (documented in infra/README).',
    );
    acknowledge(
      api,
      'AwsSolutions-APIG4',
      "POST /orders is authorised by partner API keys (apiKeyRequired) under a usage plan, the issue's chosen scheme; partners are systems, not users with IAM or Cognito identities.",
    );
    acknowledge(
      api,
      'AwsSolutions-COG4',
      'The intake partners are machine clients identified by API keys; there is no user pool to authorise against.',
    );

    // --- batch files: S3 (EventBridge notifications) → rule on the default bus → Lambda
    const accessLogBucket = new Bucket(this, 'BatchAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: this.settings.removalPolicy,
    });
    const batches = new Bucket(this, 'Batches', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'batches/',
      removalPolicy: this.settings.removalPolicy,
    });
    // L1 on purpose: the L2's eventBridgeEnabled adds a notifications custom-resource Lambda.
    (batches.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    new StringParameter(this, 'BatchBucketName', {
      parameterName: `/mtd/${stage}/intake/batch-bucket-name`,
      stringValue: batches.bucketName,
      description: 'Drop batch files (<PurchaseOrders>) here.',
    });
    const batchFailures = queueWithDlq(this, 'BatchFailures', {
      queueName: resourceName(stage, 'intake', 'batch-failures'),
      removalPolicy: this.settings.removalPolicy,
    });
    const receiveBatchName = resourceName(stage, 'intake', 'receive-batch');
    const receiveBatch = serviceFunction(this, 'ReceiveBatch', {
      settings: this.settings,
      functionName: receiveBatchName,
      entry,
      handler: 'receiveBatchFileFromS3',
      description:
        'Splits one batch file from S3 into orders (the same receiveBatchFile as the local inbox).',
      environment,
      timeout: Duration.minutes(5),
      memorySize: 1024,
    });
    receiveBatch.configureAsyncInvoke({
      onFailure: new SqsDestination(batchFailures.queue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    receiveBatch.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [batches.arnForObjects('*')] }),
    );
    acknowledge(
      receiveBatch.role!,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(batches.node.defaultChild as CfnElement)}.Arn>/*]`,
      "The batch Lambda reads whichever file lands in the batch bucket; keys are chosen by partners, so reads are scoped to the bucket's objects only (s3:GetObject, no list).",
    );
    this.grantEventStore({ fn: receiveBatch }, Sources.intake, ['order-']);
    new Rule(this, 'BatchFileCreated', {
      ruleName: resourceName(stage, 'intake', 'batch-file-created'),
      description: 'A batch file landed in the intake bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [batches.bucketName] } },
      },
      targets: [
        new LambdaFunction(receiveBatch, {
          deadLetterQueue: batchFailures.queue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
    deadLetterAlarm(
      this,
      'BatchFailuresAlarm',
      batchFailures.queue,
      this.alarmTopic,
      'A batch file could not be processed (S3 read or store failure after retries): the message names the object; re-upload or re-drive it (identical orders are no-ops).',
    );
    deadLetterAlarm(this, 'BatchFailuresDlqAlarm', batchFailures.dlq, this.alarmTopic);
    lambdaAlarms(this, 'ReceiveBatch', receiveBatch, receiveBatchName, this.alarmTopic, this.settings);
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
