import {
  type CreateTableCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';

export function checkpointTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'subscription', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'subscription', KeyType: 'HASH' }],
  };
}

/** Durable feed position per subscription: after a crash a subscription resumes where it was. */
export class DynamoCheckpoints {
  constructor(private readonly deps: { client: DynamoDBClient; tableName: string }) {}

  async load(subscription: string): Promise<string | undefined> {
    const result = await this.deps.client.send(
      new GetItemCommand({
        TableName: this.deps.tableName,
        Key: { subscription: { S: subscription } },
        ConsistentRead: true,
      }),
    );
    return result.Item?.position?.S;
  }

  async save(subscription: string, position: string): Promise<void> {
    await this.deps.client.send(
      new PutItemCommand({
        TableName: this.deps.tableName,
        Item: {
          subscription: { S: subscription },
          position: { S: position },
          savedAt: { S: new Date().toISOString() },
        },
      }),
    );
  }
}
