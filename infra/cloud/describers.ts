import type { Authorization, Describe, WireRequest } from './callLog';

/** Partition key attribute of each table and of each of its indexes. */
export interface KeySchemas {
  [table: string]: { partitionKey: string; indexes: Record<string, string> };
}

type Json = Record<string, unknown>;
type AttributeValue = { S?: string; N?: string; B?: string };

/** The operation of a JSON-protocol call (`X-Amz-Target: DynamoDB_20120810.PutItem`). */
function targetOperation(request: WireRequest): string {
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.slice(target.indexOf('.') + 1);
  if (!operation) throw new Error(`no X-Amz-Target on ${request.method} ${request.path}`);
  return operation;
}

function scalar(value: AttributeValue | undefined): string | undefined {
  return value?.S ?? value?.N ?? value?.B;
}

/**
 * DynamoDB: each call becomes the authorisations IAM makes for it, with `dynamodb:LeadingKeys` (the
 * partition key values the call touches) and index ARNs for index queries. TransactWriteItems is
 * authorised per action (PutItem, UpdateItem, DeleteItem, ConditionCheckItem), as AWS documents.
 */
export function describeDynamoDb(options: { account: string; region: string; keys: KeySchemas }): Describe {
  const tableArn = (table: string) => `arn:aws:dynamodb:${options.region}:${options.account}:table/${table}`;
  const schemaOf = (table: string) => {
    const schema = options.keys[table];
    if (!schema) throw new Error(`no table ${table} in the templates`);
    return schema;
  };
  const leading = (table: string, item: Json | undefined, index?: string) => {
    const schema = schemaOf(table);
    const key = index ? schema.indexes[index] : schema.partitionKey;
    const value = key ? scalar(item?.[key] as AttributeValue) : undefined;
    return value === undefined ? [] : [value];
  };
  const one = (action: string, table: string, leadingKeys: string[], index?: string): Authorization => ({
    action: `dynamodb:${action}`,
    resource: index ? `${tableArn(table)}/index/${index}` : tableArn(table),
    context: { 'dynamodb:LeadingKeys': leadingKeys },
  });
  return (request) => {
    const operation = targetOperation(request);
    const body = request.json ?? {};
    const table = String(body.TableName ?? '');
    switch (operation) {
      case 'PutItem':
        return { operation, authorizations: [one(operation, table, leading(table, body.Item as Json))] };
      case 'GetItem':
      case 'DeleteItem':
      case 'UpdateItem':
        return { operation, authorizations: [one(operation, table, leading(table, body.Key as Json))] };
      case 'Query': {
        const index = body.IndexName as string | undefined;
        return {
          operation,
          authorizations: [one(operation, table, queryPartition(table, body, index), index)],
        };
      }
      case 'Scan':
        return {
          operation,
          authorizations: [one(operation, table, [], body.IndexName as string | undefined)],
        };
      case 'BatchGetItem': {
        const requests = body.RequestItems as Record<string, { Keys: Json[] }>;
        return {
          operation,
          authorizations: Object.entries(requests).map(([name, { Keys }]) =>
            one(operation, name, [...new Set(Keys.flatMap((key) => leading(name, key)))]),
          ),
        };
      }
      case 'BatchWriteItem': {
        const requests = body.RequestItems as Record<
          string,
          { PutRequest?: { Item: Json }; DeleteRequest?: { Key: Json } }[]
        >;
        return {
          operation,
          authorizations: Object.entries(requests).map(([name, writes]) =>
            one(operation, name, [
              ...new Set(
                writes.flatMap((write) => leading(name, write.PutRequest?.Item ?? write.DeleteRequest?.Key)),
              ),
            ]),
          ),
        };
      }
      case 'TransactWriteItems': {
        const items = body.TransactItems as Record<string, { TableName: string; Item?: Json; Key?: Json }>[];
        const actions: Record<string, string> = {
          Put: 'PutItem',
          Update: 'UpdateItem',
          Delete: 'DeleteItem',
          ConditionCheck: 'ConditionCheckItem',
        };
        return {
          operation,
          authorizations: items.map((item) => {
            const [kind, detail] = Object.entries(item)[0] as [
              string,
              { TableName: string; Item?: Json; Key?: Json },
            ];
            const action = actions[kind];
            if (!action) throw new Error(`TransactWriteItems: unknown action ${kind}`);
            return one(action, detail.TableName, leading(detail.TableName, detail.Item ?? detail.Key));
          }),
        };
      }
      case 'DescribeTable':
        return { operation, authorizations: [one(operation, table, [])] };
      default:
        throw new Error(`DynamoDB ${operation} is not described for the IAM check`);
    }
  };

  /** The partition key value of a Query's key condition (`#pk = :v` or `pk = :v`). */
  function queryPartition(table: string, body: Json, index: string | undefined): string[] {
    const schema = schemaOf(table);
    const key = index ? schema.indexes[index] : schema.partitionKey;
    const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (body.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
    const condition = String(body.KeyConditionExpression ?? '');
    for (const match of condition.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      const [, name, placeholder] = match as unknown as [string, string, string];
      if ((names[name] ?? name) === key) {
        const value = scalar(values[placeholder]);
        return value === undefined ? [] : [value];
      }
    }
    throw new Error(
      `Query on ${table}${index ? `/${index}` : ''} without an equality on ${key}: ${condition}`,
    );
  }
}

/** SQS (JSON protocol): the queue named by QueueUrl; a batch is authorised as its single action. */
export function describeSqs(options: { account: string; region: string }): Describe {
  const batchOf: Record<string, string> = {
    SendMessageBatch: 'SendMessage',
    DeleteMessageBatch: 'DeleteMessage',
    ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
  };
  return (request) => {
    const operation = targetOperation(request);
    const body = request.json ?? {};
    const queueName = String(body.QueueUrl ?? body.QueueName ?? '')
      .split('/')
      .at(-1);
    const entries = Array.isArray(body.Entries) ? body.Entries.length : undefined;
    return {
      operation,
      entries,
      authorizations: [
        {
          action: `sqs:${batchOf[operation] ?? operation}`,
          resource: `arn:aws:sqs:${options.region}:${options.account}:${queueName}`,
        },
      ],
    };
  };
}

/** S3, path style (`/bucket/key`): object reads and writes. */
export function describeS3(): Describe {
  return (request) => {
    const url = new URL(request.path, 'http://s3');
    const [bucket, ...key] = url.pathname.slice(1).split('/');
    const objectArn = `arn:aws:s3:::${bucket}/${decodeURIComponent(key.join('/'))}`;
    if (key.length === 0 || key.join('/') === '') {
      const operation = request.method === 'PUT' ? 'CreateBucket' : 'ListObjectsV2';
      const action = request.method === 'PUT' ? 's3:CreateBucket' : 's3:ListBucket';
      return { operation, authorizations: [{ action, resource: `arn:aws:s3:::${bucket}` }] };
    }
    if (request.method === 'GET' || request.method === 'HEAD')
      return {
        operation: request.method === 'GET' ? 'GetObject' : 'HeadObject',
        authorizations: [{ action: 's3:GetObject', resource: objectArn }],
      };
    if (request.method === 'PUT')
      return { operation: 'PutObject', authorizations: [{ action: 's3:PutObject', resource: objectArn }] };
    if (request.method === 'DELETE')
      return {
        operation: 'DeleteObject',
        authorizations: [{ action: 's3:DeleteObject', resource: objectArn }],
      };
    throw new Error(`S3 ${request.method} ${request.path} is not described for the IAM check`);
  };
}

/**
 * SES v2 SendEmail: authorised on the sending identity (the From address's domain) and on the
 * configuration set, as SES does.
 */
export function describeSesV2(options: { account: string; region: string }): Describe {
  return (request) => {
    if (request.method !== 'POST' || !request.path.startsWith('/v2/email/outbound-emails'))
      throw new Error(`SES ${request.method} ${request.path} is not described for the IAM check`);
    const body = request.json ?? {};
    const from = String(body.FromEmailAddress ?? '');
    const domain = from.replace(/.*@/, '').replace(/>.*/, '');
    const authorizations: Authorization[] = [
      {
        action: 'ses:SendEmail',
        resource: `arn:aws:ses:${options.region}:${options.account}:identity/${domain}`,
      },
    ];
    if (body.ConfigurationSetName)
      authorizations.push({
        action: 'ses:SendEmail',
        resource: `arn:aws:ses:${options.region}:${options.account}:configuration-set/${body.ConfigurationSetName}`,
      });
    return { operation: 'SendEmail', authorizations };
  };
}

/** The JSON services the harness emulates itself: EventBridge, Secrets Manager, CloudWatch. */
export function describeLocalAws(options: {
  account: string;
  region: string;
  secretArn: (secretId: string) => string;
}): Describe {
  const busArn = (name: unknown) =>
    String(name ?? 'default').startsWith('arn:')
      ? String(name)
      : `arn:aws:events:${options.region}:${options.account}:event-bus/${name ?? 'default'}`;
  return (request) => {
    const operation = targetOperation(request);
    const body = request.json ?? {};
    const target = String(request.headers['x-amz-target']);
    if (target.startsWith('AWSEvents.')) {
      if (operation === 'PutEvents') {
        const entries = body.Entries as Json[];
        return {
          operation,
          entries: entries.length,
          authorizations: entries.map((entry) => ({
            action: 'events:PutEvents',
            resource: busArn(entry.EventBusName),
            // Both keys are multivalued (ArrayOfString) in the service authorization reference.
            context: {
              'events:source': [String(entry.Source)],
              'events:detail-type': [String(entry.DetailType)],
            },
          })),
        };
      }
      if (operation === 'PutRule')
        return {
          operation,
          authorizations: [
            {
              action: 'events:PutRule',
              resource: `arn:aws:events:${options.region}:${options.account}:rule/${body.EventBusName ? `${body.EventBusName}/` : ''}${body.Name}`,
            },
          ],
        };
      return { operation, authorizations: [{ action: `events:${operation}`, resource: '*' }] };
    }
    if (target.startsWith('secretsmanager.'))
      return {
        operation,
        authorizations: [
          { action: `secretsmanager:${operation}`, resource: options.secretArn(String(body.SecretId)) },
        ],
      };
    if (target.startsWith('GraniteServiceVersion20100801.'))
      return { operation, authorizations: [{ action: `cloudwatch:${operation}`, resource: '*' }] };
    throw new Error(`${target} is not emulated`);
  };
}
