import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

/**
 * A DynamoDB table built from the very `CreateTableCommandInput` the code creates locally
 * (`eventStoreTable()`, `folioLedgerTable()`, `projectionTables()`), so keys and indexes cannot
 * drift between the two runtimes; only the name and the operational settings are the stack's.
 */
export function tableFromDefinition(
  scope: Construct,
  id: string,
  definition: CreateTableCommandInput,
  options: {
    tableName: string;
    deletionProtection: boolean;
    removalPolicy: RemovalPolicy;
    stream?: 'NEW_IMAGE';
    /** The attribute (epoch seconds) after which DynamoDB deletes an item. */
    timeToLiveAttribute?: string;
  },
): CfnTable {
  const table = new CfnTable(scope, id, {
    tableName: options.tableName,
    billingMode: definition.BillingMode ?? 'PAY_PER_REQUEST',
    attributeDefinitions: (definition.AttributeDefinitions ?? []).map((a) => ({
      attributeName: a.AttributeName!,
      attributeType: a.AttributeType!,
    })),
    keySchema: (definition.KeySchema ?? []).map((k) => ({
      attributeName: k.AttributeName!,
      keyType: k.KeyType!,
    })),
    ...(definition.GlobalSecondaryIndexes
      ? {
          globalSecondaryIndexes: definition.GlobalSecondaryIndexes.map((index) => ({
            indexName: index.IndexName!,
            keySchema: (index.KeySchema ?? []).map((k) => ({
              attributeName: k.AttributeName!,
              keyType: k.KeyType!,
            })),
            projection: {
              projectionType: index.Projection?.ProjectionType ?? 'ALL',
              ...(index.Projection?.NonKeyAttributes
                ? { nonKeyAttributes: index.Projection.NonKeyAttributes }
                : {}),
            },
          })),
        }
      : {}),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    sseSpecification: { sseEnabled: true },
    deletionProtectionEnabled: options.deletionProtection,
    ...(options.stream ? { streamSpecification: { streamViewType: options.stream } } : {}),
    ...(options.timeToLiveAttribute
      ? { timeToLiveSpecification: { attributeName: options.timeToLiveAttribute, enabled: true } }
      : {}),
  });
  table.applyRemovalPolicy(options.removalPolicy);
  return table;
}
