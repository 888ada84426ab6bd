import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventPattern } from '@mtd/contracts';
import { matchesPattern } from '@mtd/platform';
import { type AwsCall, accessKeyOf, startRecordingProxy } from './callLog';
import { emulatedAccount, emulatedRegion, emulatedTarget } from './cloudTier';
import { type DeployedResource, Deployment, readCloudAssembly } from './deployment';
import {
  describeDynamoDb,
  describeLocalAws,
  describeS3,
  describeSesV2,
  describeSqs,
  type KeySchemas,
} from './describers';
import { type RunningEmulator, startDynamoDbLocal, startFauxqs, startSesV2Local } from './emulators';
import {
  type LambdaFunction,
  lambdaFunctions,
  lambdaRuntimeEnvironment,
  unpackBundle,
} from './lambdaFunctions';
import { startFunctionUrl, startHttpApi } from './lambdaHttp';
import { type BusEvent, type BusRule, startLocalAws } from './localAws';
import { type GenerateSecretString, generatedSecretString } from './secretGeneration';

/** The caller name of EventBridge's own deliveries to queues (a service principal, checked by queue policies). */
export const eventBridgePrincipal = 'events.amazonaws.com';

/** One invocation of a function, for the capacity figures. */
export interface Invocation {
  functionName: string;
  trigger: 'sqs' | 'dynamodb-stream' | 'eventbridge' | 'direct';
  records: number;
  durationMs: number;
  memoryMb: number;
  failed: boolean;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * Node's own loader, not vitest's (which would transform the bundle): `require` of an ES module
 * (Node ≥ 22.12) gives the same module namespace Lambda's `import()` does, for a bundle without
 * top-level await; one with it fails here with ERR_REQUIRE_ASYNC_MODULE rather than load differently.
 */
const nativeRequire = createRequire(import.meta.url);

interface SqsMapping {
  fn: LambdaFunction;
  queueName: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
}

interface StreamMapping {
  fn: LambdaFunction;
  tableName: string;
  batchSize: number;
  maximumRetryAttempts: number;
  filters: EventPattern[];
  onFailureQueue?: string;
}

/**
 * Plays AWS around the synthesised bundles: DynamoDB Local, fauxqs (SQS, S3), aws-ses-v2-local and
 * the harness's own EventBridge / Secrets Manager / CloudWatch, each behind a recording proxy (the
 * call log). Tables, queues and buckets are created as the templates declare them; the bundles are
 * copied out of cdk.out and imported in this process (Node 24) with each function's environment,
 * and invoked one at a time, as Lambda's event-source mappings would: SQS with the mapping's batch
 * size and ReportBatchItemFailures, the event store's stream with its batch size, filter, retries and
 * on-failure queue, EventBridge rules to their queue or function targets.
 *
 * Time is compressed: when a receive fails, the harness lets the queue's visibility timeout elapse at
 * once (ChangeMessageVisibility 0), so a message's ten receives take ten rounds instead of 30 minutes.
 */
export class CloudHarness {
  readonly calls: AwsCall[] = [];
  readonly invocations: Invocation[] = [];
  readonly functions = new Map<string, LambdaFunction>();
  deployment!: Deployment;
  bus!: Awaited<ReturnType<typeof startLocalAws>>;
  sesEndpoint!: string;
  private readonly stops: (() => Promise<void>)[] = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly sqsMappings: SqsMapping[] = [];
  private readonly streamMappings: StreamMapping[] = [];
  private readonly asyncInvocations: { fn: LambdaFunction; event: unknown }[] = [];
  private readonly streamPositions = new Map<
    string,
    { iterator?: string; lastSequenceNumber?: string; pending: StreamRecord[]; attempts: number }
  >();
  private readonly secrets = new Map<string, string>();
  private readonly httpApis = new Map<string, string>();
  private readonly baseEnv = { ...process.env };
  private root = '';
  private sqs!: SQSClient;
  private asEventBridge!: SQSClient;
  private streams!: DynamoDBStreamsClient;
  s3!: S3Client;
  private endpoints: Record<string, string> = {};

  constructor(
    private readonly options: {
      assemblyDir: string;
      dynamodbLocalDir: string;
      /** Variables the harness replaces in every function (the tax authority lives outside AWS). */
      environmentOverrides?: Record<string, string>;
      /** Secrets by ARN, as operators put them after the first deploy. */
      secrets?: (deployment: Deployment) => Record<string, string>;
      clock?: () => Date;
      /** Values GetMetricData answers (the early warning's watermark). */
      metricValue?: (query: Record<string, unknown>) => number | undefined;
    },
  ) {}

  async start(): Promise<void> {
    const dynamo = await this.track(startDynamoDbLocal(this.options.dynamodbLocalDir));
    const fauxqs = await this.track(startFauxqs());
    const ses = await this.track(startSesV2Local());
    this.sesEndpoint = ses.endpoint;
    const sqsPort = new URL(fauxqs.endpoint).port;
    // Filled below, once their servers listen; read whenever a template value names a function URL.
    const functionUrls = new Map<string, string>();
    this.deployment = new Deployment(
      readCloudAssembly(this.options.assemblyDir),
      emulatedTarget(`http://sqs.${emulatedRegion}.localhost:${sqsPort}`, functionUrls),
    );
    // CloudFormation generates the value of a secret declared with GenerateSecretString; operators
    // put the others' values (and may replace generated ones) after the first deploy.
    for (const secret of this.deployment.ofType('AWS::SecretsManager::Secret')) {
      const generate = secret.Properties?.GenerateSecretString as GenerateSecretString | undefined;
      if (generate) this.secrets.set(this.deployment.arnOf(secret), generatedSecretString(generate));
    }
    for (const [arn, value] of Object.entries(this.options.secrets?.(this.deployment) ?? {}))
      this.secrets.set(arn, value);
    for (const url of this.deployment.ofType('AWS::Lambda::Url')) {
      const p = this.deployment.resolve(url.stackName, url.Properties) as {
        AuthType: 'AWS_IAM' | 'NONE';
        TargetFunctionArn: string;
      };
      const served = await startFunctionUrl({
        functionArn: p.TargetFunctionArn,
        authType: p.AuthType,
        region: emulatedRegion,
        account: emulatedAccount,
        roleArnOf: (caller) => this.functions.get(caller)?.role.arn,
        invoke: (event) => this.invoke(this.fn(p.TargetFunctionArn.split(':').at(-1) ?? ''), event, 'direct'),
        log: this.calls,
      });
      this.stops.push(() => served.close());
      functionUrls.set(`${url.stackName}/${url.logicalId}`, served.endpoint);
    }
    const rules = this.busRules();
    this.bus = await startLocalAws({
      account: emulatedAccount,
      region: emulatedRegion,
      rules,
      deliver: (event, rule) => this.deliver(event, rule),
      secrets: this.secrets,
      metricValue: this.options.metricValue ?? (() => undefined),
      clock: this.options.clock ?? (() => new Date()),
    });
    this.stops.push(() => this.bus.close());
    const account = emulatedAccount;
    const region = emulatedRegion;
    const proxy = async (
      service: string,
      upstream: string,
      describe: Parameters<typeof startRecordingProxy>[0]['describe'],
    ) => {
      const started = await startRecordingProxy({ service, upstream, describe, log: this.calls });
      this.stops.push(() => started.close());
      return started.endpoint;
    };
    this.endpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: await proxy(
        'dynamodb',
        dynamo.endpoint,
        describeDynamoDb({ account, region, keys: this.keySchemas() }),
      ),
      AWS_ENDPOINT_URL_SQS: await proxy('sqs', fauxqs.endpoint, describeSqs({ account, region })),
      AWS_ENDPOINT_URL_S3: await proxy('s3', fauxqs.endpoint, describeS3()),
      AWS_ENDPOINT_URL_SESV2: await proxy('ses', ses.endpoint, describeSesV2({ account, region })),
    };
    const local = await proxy(
      'local',
      this.bus.endpoint,
      describeLocalAws({ account, region, secretArn: (id) => this.secretArn(id) }),
    );
    this.endpoints.AWS_ENDPOINT_URL_EVENTBRIDGE = local;
    this.endpoints.AWS_ENDPOINT_URL_SECRETS_MANAGER = local;
    this.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH = local;

    const harnessClient = {
      region,
      credentials: { accessKeyId: accessKeyOf('harness'), secretAccessKey: 'emulated' },
    };
    this.sqs = new SQSClient({ ...harnessClient, endpoint: this.endpoints.AWS_ENDPOINT_URL_SQS });
    this.asEventBridge = new SQSClient({
      region,
      endpoint: this.endpoints.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: accessKeyOf(eventBridgePrincipal), secretAccessKey: 'emulated' },
    });
    this.s3 = new S3Client({
      ...harnessClient,
      endpoint: this.endpoints.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
    });
    this.streams = new DynamoDBStreamsClient({ ...harnessClient, endpoint: dynamo.endpoint });
    await this.createTables(new DynamoDBClient({ ...harnessClient, endpoint: dynamo.endpoint }));
    await this.createQueues();
    for (const bucket of this.deployment.ofType('AWS::S3::Bucket'))
      await this.s3.send(new CreateBucketCommand({ Bucket: bucket.physicalName }));
    await this.loadFunctions();
    this.mapEventSources();
    await this.serveHttpApis();
  }

  /** Where an HTTP API (`AWS::ApiGatewayV2::Api`, by its name) answers on loopback. */
  httpApiUrl(name: string): string {
    const endpoint = this.httpApis.get(name);
    if (!endpoint) throw new Error(`no HTTP API ${name}: ${[...this.httpApis.keys()].join(', ')}`);
    return endpoint;
  }

  /** An operator puts a new value in a secret (the console's or CLI's PutSecretValue). */
  putSecretValue(secretArn: string, value: string): void {
    if (!this.secrets.has(secretArn)) throw new Error(`no secret ${secretArn} in the deployment`);
    this.secrets.set(secretArn, value);
  }

  async stop(): Promise<void> {
    process.env = { ...this.baseEnv };
    for (const stop of this.stops.reverse()) await stop().catch(() => undefined);
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }

  /** The function a template names `name` (its physical name, `mtd-dev-…`). */
  fn(name: string): LambdaFunction {
    const found = this.functions.get(name);
    if (!found) throw new Error(`no function ${name}: ${[...this.functions.keys()].join(', ')}`);
    return found;
  }

  queueUrl(name: string): string {
    return this.deployment.target.queueUrl(name);
  }

  /** A queue's name by the resource that declares it. */
  queueOf(predicate: (queue: DeployedResource) => boolean): string {
    const queue = this.deployment.ofType('AWS::SQS::Queue').find(predicate);
    if (!queue) throw new Error('no such queue');
    return queue.physicalName;
  }

  /** Invokes a function as Lambda does: its own environment, one invocation at a time. */
  async invoke(
    fn: LambdaFunction,
    event: unknown,
    trigger: Invocation['trigger'],
    records = 1,
  ): Promise<unknown> {
    const handler = this.handlers.get(fn.name);
    if (!handler) throw new Error(`${fn.name} is not loaded`);
    // A function may call another one's URL while it runs: the caller's environment comes back after.
    const callerEnvironment = process.env;
    process.env = this.environmentOf(fn);
    const context = {
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memorySize),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: 'emulated',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => fn.timeoutSeconds * 1000,
    };
    const started = performance.now();
    let failed = false;
    try {
      return await handler(event, context);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      this.invocations.push({
        functionName: fn.name,
        trigger,
        records,
        durationMs: performance.now() - started,
        memoryMb: fn.memorySize,
        failed,
      });
      process.env = callerEnvironment;
    }
  }

  /**
   * The API Gateway method of the intake API, as the template integrates it: the request template
   * for the content type renders SendMessage on the FIFO queue, sent with the integration's role.
   */
  async postOrder(request: { body: string; contentType: string; orderId: string }): Promise<number> {
    const method = this.deployment.ofType('AWS::ApiGateway::Method')[0];
    if (!method) throw new Error('no API method in the templates');
    const integration = this.deployment.resolve(method.stackName, method.Properties?.Integration) as {
      Credentials: string;
      RequestTemplates: Record<string, string>;
      Uri: string;
    };
    const template = integration.RequestTemplates[request.contentType];
    if (!template) return 415;
    const requestId = randomUUID();
    const rendered = template.replace(
      /\$util\.urlEncode\(\$input\.params\('([^']+)'\)\)|\$util\.urlEncode\(\$input\.body\)|\$context\.requestId/g,
      (match, header: string | undefined) => {
        if (match === '$context.requestId') return requestId;
        if (header === undefined) return encodeURIComponent(request.body);
        const headers: Record<string, string> = {
          'X-Order-Id': request.orderId,
          'Content-Type': request.contentType,
        };
        return encodeURIComponent(headers[header] ?? '');
      },
    );
    if (rendered.includes('$'))
      throw new Error(`the request template uses VTL the harness does not render: ${rendered}`);
    const form = new URLSearchParams(rendered);
    if (form.get('Action') !== 'SendMessage') throw new Error(`the integration does ${form.get('Action')}`);
    const queueName = integration.Uri.split('/').at(-1) ?? '';
    const roleName = integration.Credentials.split('/').at(-1) ?? '';
    const attributes: Record<string, { DataType: string; StringValue: string }> = {};
    for (let n = 1; form.has(`MessageAttribute.${n}.Name`); n++)
      attributes[String(form.get(`MessageAttribute.${n}.Name`))] = {
        DataType: String(form.get(`MessageAttribute.${n}.Value.DataType`)),
        StringValue: String(form.get(`MessageAttribute.${n}.Value.StringValue`)),
      };
    const asRole = new SQSClient({
      region: emulatedRegion,
      endpoint: this.endpoints.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: accessKeyOf(roleName), secretAccessKey: 'emulated' },
    });
    await asRole.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl(queueName),
        MessageGroupId: form.get('MessageGroupId') ?? undefined,
        MessageBody: form.get('MessageBody') ?? '',
        MessageAttributes: attributes,
      }),
    );
    return 202;
  }

  /** A batch file lands in the bucket; S3 tells EventBridge (the default bus) "Object Created". */
  async putBatchFile(bucket: string, key: string, body: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/xml' }),
    );
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: emulatedAccount,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: emulatedRegion,
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        version: '0',
        bucket: { name: bucket },
        object: { key, size: Buffer.byteLength(body), etag: 'emulated', sequencer: '0' },
        'request-id': randomUUID(),
        requester: emulatedAccount,
        reason: 'PutObject',
      },
    };
    for (const rule of this.busRules())
      if (rule.busName === 'default' && matchesPattern(rule.pattern, event)) await this.deliver(event, rule);
  }

  /**
   * Runs the event-source mappings until nothing moves: every queue empty (or only holding
   * messages a handler deferred), the stream drained, no asynchronous invocation pending.
   */
  async drain(options: { maxRounds?: number } = {}): Promise<void> {
    for (let round = 0; round < (options.maxRounds ?? 200); round++) {
      let moved = 0;
      while (this.asyncInvocations.length > 0) {
        const next = this.asyncInvocations.shift();
        if (next) {
          moved++;
          await this.invoke(next.fn, next.event, 'eventbridge').catch(() => undefined);
        }
      }
      for (const mapping of this.streamMappings) moved += await this.pollStream(mapping);
      for (const mapping of this.sqsMappings) moved += await this.pollQueue(mapping);
      if (moved === 0) return;
    }
    throw new Error(`still moving after ${options.maxRounds ?? 200} rounds`);
  }

  /** Messages in a queue now (visible and in flight), and the DLQ's receive counts. */
  async receiveAll(queueName: string): Promise<Message[]> {
    const messages: Message[] = [];
    for (;;) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl(queueName),
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return messages;
      messages.push(...Messages);
    }
  }

  async send(queueName: string, body: string): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl(queueName), MessageBody: body }));
  }

  private async track<T extends RunningEmulator>(starting: Promise<T>): Promise<T> {
    const started = await starting;
    this.stops.push(() => started.stop());
    return started;
  }

  private environmentOf(fn: LambdaFunction): NodeJS.ProcessEnv {
    const taskRoot = join(this.root, fn.name);
    return {
      PATH: this.baseEnv.PATH,
      ...this.endpoints,
      ...lambdaRuntimeEnvironment(fn, taskRoot, emulatedRegion),
      ...fn.environment,
      ...this.options.environmentOverrides,
      // Each function signs with its own key, so the call log knows who called.
      AWS_ACCESS_KEY_ID: accessKeyOf(fn.name),
      AWS_SECRET_ACCESS_KEY: 'emulated',
      AWS_SESSION_TOKEN: 'emulated',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      AWS_LAMBDA_LOG_LEVEL: 'ERROR',
    };
  }

  private secretArn(id: string): string {
    if (id.startsWith('arn:')) return id;
    const secret = this.deployment.ofType('AWS::SecretsManager::Secret').find((s) => s.physicalName === id);
    return secret ? this.deployment.arnOf(secret) : id;
  }

  private keySchemas(): KeySchemas {
    const schemas: KeySchemas = {};
    for (const table of this.deployment.ofType('AWS::DynamoDB::Table')) {
      const properties = this.deployment.resolve(
        table.stackName,
        table.Properties,
      ) as CreateTableCommandInput;
      const hashOf = (keys: { AttributeName?: string; KeyType?: string }[] = []) =>
        keys.find((key) => key.KeyType === 'HASH')?.AttributeName ?? '';
      schemas[table.physicalName] = {
        partitionKey: hashOf(properties.KeySchema),
        indexes: Object.fromEntries(
          [...(properties.GlobalSecondaryIndexes ?? []), ...(properties.LocalSecondaryIndexes ?? [])].map(
            (index) => [index.IndexName, hashOf(index.KeySchema)],
          ),
        ),
      };
    }
    return schemas;
  }

  private async createTables(client: DynamoDBClient): Promise<void> {
    for (const table of this.deployment.ofType('AWS::DynamoDB::Table')) {
      const p = this.deployment.resolve(table.stackName, table.Properties) as Record<string, unknown> &
        CreateTableCommandInput;
      await client.send(
        new CreateTableCommand({
          TableName: table.physicalName,
          AttributeDefinitions: p.AttributeDefinitions,
          KeySchema: p.KeySchema,
          GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({
            IndexName,
            KeySchema,
            Projection,
          })),
          LocalSecondaryIndexes: p.LocalSecondaryIndexes,
          BillingMode: 'PAY_PER_REQUEST',
          // CloudFormation declares only the view type; the API also wants StreamEnabled.
          StreamSpecification: p.StreamSpecification
            ? { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType }
            : undefined,
        }),
      );
    }
  }

  private async createQueues(): Promise<void> {
    const queues = this.deployment.ofType('AWS::SQS::Queue');
    // Dead-letter queues first: a redrive policy names an existing queue.
    const ordered = [...queues].sort(
      (a, b) => Number(Boolean(a.Properties?.RedrivePolicy)) - Number(Boolean(b.Properties?.RedrivePolicy)),
    );
    for (const queue of ordered) {
      const p = this.deployment.resolve(queue.stackName, queue.Properties ?? {}) as Record<string, unknown>;
      const attributes: Record<string, string> = {};
      for (const name of [
        'VisibilityTimeout',
        'MessageRetentionPeriod',
        'MaximumMessageSize',
        'DelaySeconds',
        'FifoQueue',
        'ContentBasedDeduplication',
      ])
        if (p[name] !== undefined) attributes[name] = String(p[name]);
      if (p.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(p.RedrivePolicy);
      const { QueueUrl } = await this.sqs.send(
        new CreateQueueCommand({ QueueName: queue.physicalName, Attributes: attributes }),
      );
      if (QueueUrl !== this.queueUrl(queue.physicalName))
        throw new Error(
          `fauxqs named ${queue.physicalName} ${QueueUrl}, not ${this.queueUrl(queue.physicalName)}`,
        );
    }
  }

  private async loadFunctions(): Promise<void> {
    this.root = mkdtempSync(join(tmpdir(), 'mtd-cloud-'));
    for (const fn of lambdaFunctions(this.deployment, this.options.assemblyDir)) {
      this.functions.set(fn.name, fn);
      const taskRoot = unpackBundle(fn, this.root);
      const [file, exportName] = fn.handler.split('.') as [string, string];
      process.env = this.environmentOf(fn);
      try {
        const module = nativeRequire(join(taskRoot, `${file}.mjs`)) as Record<string, unknown>;
        const handler = module[exportName];
        if (typeof handler !== 'function') throw new Error(`${fn.name}: ${fn.handler} is not a function`);
        this.handlers.set(fn.name, handler as Handler);
      } finally {
        process.env = { ...this.baseEnv, ...this.endpoints };
      }
    }
  }

  /**
   * Each HTTP API with its `$default` route to a Lambda proxy integration, on loopback: the route's
   * target names the integration, whose URI names the function.
   */
  private async serveHttpApis(): Promise<void> {
    for (const api of this.deployment.ofType('AWS::ApiGatewayV2::Api')) {
      if (api.Properties?.ProtocolType !== 'HTTP')
        throw new Error(`${api.logicalId}: only HTTP APIs are emulated`);
      const ofApi = (type: string) =>
        this.deployment
          .ofType(type)
          .filter(
            (r) =>
              r.stackName === api.stackName &&
              (r.Properties?.ApiId as { Ref?: string } | undefined)?.Ref === api.logicalId,
          );
      const routes = ofApi('AWS::ApiGatewayV2::Route');
      if (routes.length !== 1 || routes[0]?.Properties?.RouteKey !== '$default')
        throw new Error(`${api.logicalId}: only one $default route is emulated`);
      const target = String(this.deployment.resolve(api.stackName, routes[0].Properties.Target));
      const integration = ofApi('AWS::ApiGatewayV2::Integration').find(
        (i) => target === `integrations/${i.physicalName}`,
      );
      const p = this.deployment.resolve(api.stackName, integration?.Properties ?? {}) as {
        IntegrationType?: string;
        IntegrationUri?: string;
        PayloadFormatVersion?: string;
      };
      if (p.IntegrationType !== 'AWS_PROXY' || p.PayloadFormatVersion !== '2.0')
        throw new Error(`${api.logicalId}: only a Lambda proxy integration, payload 2.0, is emulated`);
      const fn = this.fn(String(p.IntegrationUri).split(':').at(-1) ?? '');
      const served = await startHttpApi({
        apiId: api.physicalName,
        region: emulatedRegion,
        account: emulatedAccount,
        invoke: (event) => this.invoke(fn, event, 'direct'),
      });
      this.stops.push(() => served.close());
      this.httpApis.set(api.physicalName, served.endpoint);
    }
  }

  private mapEventSources(): void {
    for (const mapping of this.deployment.ofType('AWS::Lambda::EventSourceMapping')) {
      const p = this.deployment.resolve(mapping.stackName, mapping.Properties) as Record<string, unknown>;
      const fn = this.fn(String(p.FunctionName));
      const source = String(p.EventSourceArn);
      const reportBatchItemFailures = ((p.FunctionResponseTypes ?? []) as string[]).includes(
        'ReportBatchItemFailures',
      );
      if (source.startsWith('arn:aws:sqs:')) {
        const queueName = source.split(':').at(-1) ?? '';
        this.sqsMappings.push({
          fn,
          queueName,
          queueArn: source,
          queueUrl: this.queueUrl(queueName),
          batchSize: Number(p.BatchSize ?? 10),
          reportBatchItemFailures,
        });
      } else if (source.startsWith('arn:aws:dynamodb:')) {
        const filters = (
          (p.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? []
        ).map((filter) => JSON.parse(filter.Pattern) as EventPattern);
        const onFailure = (p.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)
          ?.OnFailure?.Destination;
        this.streamMappings.push({
          fn,
          tableName: source.split('/')[1] ?? '',
          batchSize: Number(p.BatchSize ?? 100),
          maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
          filters,
          onFailureQueue: onFailure?.split(':').at(-1),
        });
      } else throw new Error(`event source ${source} is not emulated`);
    }
  }

  private busRules(): BusRule[] {
    return this.deployment.ofType('AWS::Events::Rule').map((rule) => {
      const p = this.deployment.resolve(rule.stackName, rule.Properties) as {
        EventBusName?: string;
        EventPattern: EventPattern;
        Targets: { Arn: string; Input?: unknown; InputPath?: unknown; InputTransformer?: unknown }[];
      };
      for (const target of p.Targets)
        if (target.Input || target.InputPath || target.InputTransformer)
          throw new Error(`${rule.logicalId}: target input shaping is not emulated`);
      return {
        name: rule.physicalName,
        busName:
          String(p.EventBusName ?? 'default')
            .split('/')
            .at(-1) ?? 'default',
        pattern: p.EventPattern,
        targets: p.Targets.map((target) => target.Arn),
      };
    });
  }

  /** A rule's targets: a queue gets the event as its body; a function is invoked asynchronously. */
  private async deliver(event: BusEvent, rule: BusRule): Promise<void> {
    for (const target of rule.targets) {
      if (target.startsWith('arn:aws:sqs:')) {
        // EventBridge delivers with its service principal (allowed by the queue policy, not a role),
        // signed as such so the call log counts these SQS requests apart from the test's own.
        await this.asEventBridge.send(
          new SendMessageCommand({
            QueueUrl: this.queueUrl(target.split(':').at(-1) ?? ''),
            MessageBody: JSON.stringify(event),
          }),
        );
      } else if (target.startsWith('arn:aws:lambda:')) {
        this.asyncInvocations.push({ fn: this.fn(target.split(':').at(-1) ?? ''), event });
      } else throw new Error(`rule ${rule.name}: target ${target} is not emulated`);
    }
  }

  private async pollQueue(mapping: SqsMapping): Promise<number> {
    const sqs = new SQSClient({
      region: emulatedRegion,
      endpoint: this.endpoints.AWS_ENDPOINT_URL_SQS,
      // The event-source mapping polls with the function's execution role.
      credentials: { accessKeyId: accessKeyOf(mapping.fn.name), secretAccessKey: 'emulated' },
    });
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: mapping.queueUrl,
        MaxNumberOfMessages: Math.min(mapping.batchSize, 10),
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return 0;
    const event = { Records: Messages.map((message) => this.sqsRecord(message, mapping)) };
    let failedIds: string[];
    try {
      const result = (await this.invoke(mapping.fn, event, 'sqs', Messages.length)) as
        | { batchItemFailures?: { itemIdentifier: string }[] }
        | undefined;
      failedIds = mapping.reportBatchItemFailures
        ? (result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier)
        : [];
    } catch {
      failedIds = Messages.map((message) => String(message.MessageId));
    }
    const failed = new Set(failedIds);
    const done = Messages.filter((message) => !failed.has(String(message.MessageId)));
    if (done.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: mapping.queueUrl,
          Entries: done.map((message, n) => ({ Id: String(n), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    const retry = Messages.filter((message) => failed.has(String(message.MessageId)));
    if (retry.length > 0)
      // The visibility timeout elapses at once (compressed time), by the harness, not the function.
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: mapping.queueUrl,
          Entries: retry.map((message, n) => ({
            Id: String(n),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    return Messages.length;
  }

  private sqsRecord(message: Message, mapping: SqsMapping) {
    return {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes ?? {},
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            stringValue: value.StringValue,
            stringListValues: [],
            binaryListValues: [],
            dataType: value.DataType,
          },
        ]),
      ),
      md5OfBody: message.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: mapping.queueArn,
      awsRegion: emulatedRegion,
    };
  }

  private async pollStream(mapping: StreamMapping): Promise<number> {
    const { Streams = [] } = await this.streams.send(
      new ListStreamsCommand({ TableName: mapping.tableName }),
    );
    const streamArn = Streams[0]?.StreamArn;
    if (!streamArn) throw new Error(`${mapping.tableName} has no stream`);
    const { StreamDescription } = await this.streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    let moved = 0;
    for (const shard of StreamDescription?.Shards ?? []) {
      const key = `${streamArn}/${shard.ShardId}`;
      const position = this.streamPositions.get(key) ?? { pending: [], attempts: 0 };
      this.streamPositions.set(key, position);
      position.iterator ??= (
        await this.streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (position.iterator) {
        let page: { Records?: StreamRecord[]; NextShardIterator?: string };
        try {
          page = await this.streams.send(new GetRecordsCommand({ ShardIterator: position.iterator }));
        } catch (error) {
          if (!(error instanceof TrimmedDataAccessException)) throw error;
          // DynamoDB Local numbers stream records across all tables: a TRIM_HORIZON iterator taken while
          // the shard was empty points at a number another table's write has taken since, and is
          // refused as trimmed (nothing was trimmed). Take the position again from the last record read.
          position.iterator = (
            await this.streams.send(
              new GetShardIteratorCommand({
                StreamArn: streamArn,
                ShardId: shard.ShardId,
                ...(position.lastSequenceNumber
                  ? {
                      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
                      SequenceNumber: position.lastSequenceNumber,
                    }
                  : { ShardIteratorType: 'TRIM_HORIZON' }),
              }),
            )
          ).ShardIterator;
          page = await this.streams.send(new GetRecordsCommand({ ShardIterator: position.iterator }));
        }
        const { Records = [], NextShardIterator } = page;
        position.pending.push(...Records);
        if (Records.length === 0) break;
        position.lastSequenceNumber = Records.at(-1)?.dynamodb?.SequenceNumber;
        position.iterator = NextShardIterator;
      }
      while (position.pending.length > 0) {
        const batch = position.pending.slice(0, mapping.batchSize);
        const records = batch.map((record) => this.streamRecord(record, streamArn));
        const matching = records.filter(
          (record) =>
            mapping.filters.length === 0 || mapping.filters.some((filter) => matchesPattern(filter, record)),
        );
        if (matching.length === 0) {
          position.pending.splice(0, batch.length);
          continue;
        }
        moved += matching.length;
        let firstFailed: string | undefined;
        try {
          const result = (await this.invoke(
            mapping.fn,
            { Records: matching },
            'dynamodb-stream',
            matching.length,
          )) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
          firstFailed = result?.batchItemFailures?.[0]?.itemIdentifier;
        } catch {
          firstFailed = matching[0]?.dynamodb.SequenceNumber;
        }
        if (firstFailed === undefined) {
          position.pending.splice(0, batch.length);
          position.attempts = 0;
          continue;
        }
        // Lambda retries the batch from the failed record on; after the retries, the failure goes to
        // the on-failure destination and the shard moves on.
        const from = position.pending.findIndex((record) => record.dynamodb?.SequenceNumber === firstFailed);
        position.pending.splice(0, Math.max(from, 0));
        position.attempts++;
        if (mapping.maximumRetryAttempts >= 0 && position.attempts > mapping.maximumRetryAttempts) {
          if (mapping.onFailureQueue)
            await this.send(
              mapping.onFailureQueue,
              JSON.stringify({
                requestContext: { condition: 'RetryAttemptsExhausted' },
                DDBStreamBatchInfo: { shardId: shard.ShardId, startSequenceNumber: firstFailed, streamArn },
              }),
            );
          position.pending.splice(0, batch.length - Math.max(from, 0));
          position.attempts = 0;
        }
        break;
      }
    }
    return moved;
  }

  private streamRecord(record: StreamRecord, streamArn: string) {
    const d = record.dynamodb ?? {};
    return {
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: emulatedRegion,
      dynamodb: {
        ApproximateCreationDateTime: d.ApproximateCreationDateTime
          ? Math.floor(d.ApproximateCreationDateTime.getTime() / 1000)
          : undefined,
        Keys: d.Keys,
        NewImage: d.NewImage,
        OldImage: d.OldImage,
        SequenceNumber: d.SequenceNumber,
        SizeBytes: d.SizeBytes,
        StreamViewType: d.StreamViewType,
      },
      eventSourceARN: streamArn,
    };
  }
}
