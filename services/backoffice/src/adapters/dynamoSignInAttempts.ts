import {
  type CreateTableCommandInput,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { SignInFailures } from '#domain/signInThrottle';

/** Where the sign-in throttle keeps its failures per key, so every API instance sees the same count. */
export interface SignInAttempts {
  get(key: string): Promise<SignInFailures | undefined>;
  /** Keeps `record` until `forgetAt` (ms since the epoch); DynamoDB's TTL deletes it after. */
  put(key: string, record: SignInFailures, forgetAt: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * The sign-in attempts table: `key` (`user:<name>` or `ip:<address>`) as the partition key and
 * `expiresAt` (seconds) as its TTL attribute. A lost increment between two concurrent failures of one
 * key only lets one more guess through; a conditional update would cost a read per attempt for that.
 */
export function signInAttemptsTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
  };
}

/** The TTL attribute of {@link signInAttemptsTable}. */
export const signInAttemptsTtlAttribute = 'expiresAt';

export class DynamoSignInAttempts implements SignInAttempts {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async get(key: string): Promise<SignInFailures | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { key: { S: key } }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      count: Number(Item.count?.N ?? 0),
      lastAt: Number(Item.lastAt?.N ?? 0),
      blockedUntil: Number(Item.blockedUntil?.N ?? 0),
    };
  }

  async put(key: string, record: SignInFailures, forgetAt: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          key: { S: key },
          count: { N: String(record.count) },
          lastAt: { N: String(record.lastAt) },
          blockedUntil: { N: String(record.blockedUntil) },
          [signInAttemptsTtlAttribute]: { N: String(Math.ceil(forgetAt / 1000)) },
        },
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { key: { S: key } } }));
  }
}

/** The same store in memory: unit tests, and a process that has no table. */
export class InMemorySignInAttempts implements SignInAttempts {
  private readonly records = new Map<string, SignInFailures>();
  async get(key: string) {
    return this.records.get(key);
  }
  async put(key: string, record: SignInFailures) {
    this.records.set(key, record);
  }
  async delete(key: string) {
    this.records.delete(key);
  }
}
