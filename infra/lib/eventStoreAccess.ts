import { type Source, streamPrefixesBySource } from '@mtd/contracts';
import { Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * The pseudo-stream of day markers the store writes beside commits (`$days`, see dynamoEventStore):
 * every appending producer must be able to put it, so it is in each writer's LeadingKeys.
 */
export const daysMarkerKey = '$days';

/** `arn:…:table/<name>` for a table the stack only knows by (SSM-resolved) name. */
export function tableArnOf(scope: Construct, tableName: string): string {
  return Stack.of(scope).formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName });
}

/** The LeadingKeys patterns of a producer's own streams: `order-*` for mtd.intake, and so on. */
export function leadingKeysOf(source: Source): string[] {
  return [...streamPrefixesBySource[source].map((prefix) => `${prefix}*`), daysMarkerKey];
}

/**
 * Lets `grantee` append (one conditional PutItem per commit) only to `source`'s streams, and read
 * (Query, GetItem) only the streams it names — the AWS form of the store's own ownership check.
 */
export function grantEventStoreAccess(
  grantee: IGrantable,
  options: { tableArn: string; source: Source; readPrefixes: readonly string[] },
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'AppendOwnStreamsOnly',
      actions: ['dynamodb:PutItem'],
      resources: [options.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeysOf(options.source) } },
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'ReadNamedStreamsOnly',
      actions: ['dynamodb:Query', 'dynamodb:GetItem'],
      resources: [options.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': options.readPrefixes.map((p) => `${p}*`) },
      },
    }),
  );
  // The store looks up the day's marker before it puts it (found by the emulated cloud's IAM check:
  // every appending function was denied this GetItem).
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'ReadDayMarkers',
      actions: ['dynamodb:GetItem'],
      resources: [options.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [daysMarkerKey] } },
    }),
  );
}
