import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { isRole, type Role } from '#domain/accessPolicy';

export interface BackofficeUser {
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
  createdBy: string;
}

/** A user with that name exists already. */
export class UserExistsError extends Error {
  override readonly name = 'UserExistsError';
  constructor(readonly username: string) {
    super(`a user named "${username}" exists already; pick another name`);
  }
}

/** The back-office users table: `username` as the key. Not rebuilt from events: it is not a read model. */
export function backofficeUsersTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'username', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'username', KeyType: 'HASH' }],
  };
}

export const usernamePattern = /^[a-z][a-z0-9._-]{1,39}$/;

function fromItem(item: Record<string, AttributeValue>): BackofficeUser {
  const role = item.role?.S ?? '';
  if (!isRole(role)) throw new Error(`user ${item.username?.S} has an unknown role "${role}"`);
  return {
    username: item.username?.S ?? '',
    role,
    passwordHash: item.passwordHash?.S ?? '',
    createdAt: item.createdAt?.S ?? '',
    createdBy: item.createdBy?.S ?? '',
  };
}

export class DynamoUsers {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async get(username: string): Promise<BackofficeUser | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { username: { S: username } },
        ConsistentRead: true,
      }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  /** Creates the user; UserExistsError if the name is taken (a conditional put, so no race). */
  async create(user: BackofficeUser): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            username: { S: user.username },
            role: { S: user.role },
            passwordHash: { S: user.passwordHash },
            createdAt: { S: user.createdAt },
            createdBy: { S: user.createdBy },
          },
          ConditionExpression: 'attribute_not_exists(username)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new UserExistsError(user.username);
      throw error;
    }
  }

  /** Every user sorted by name (a scan: the table holds a handful of people). */
  async list(): Promise<BackofficeUser[]> {
    const users: BackofficeUser[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      for (const item of result.Items ?? []) users.push(fromItem(item));
      start = result.LastEvaluatedKey;
    } while (start);
    return users.sort((a, b) => (a.username < b.username ? -1 : 1));
  }
}
