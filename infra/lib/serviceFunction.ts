import { ArnFormat, type CfnElement, Duration, Stack, Token } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge } from './nag';
import type { StageSettings } from './stage';

export interface ServiceFunctionProps {
  settings: StageSettings;
  functionName: string;
  /** Absolute path of the TypeScript composition root. */
  entry: string;
  /** The exported handler of that module. */
  handler: string;
  description: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
}

/**
 * A Lambda bundled from the service's TypeScript by the local esbuild (no Docker): ESM, minified,
 * with source maps, on the newest Node.js runtime and ARM64. The AWS SDK is bundled too, so the
 * function runs the exact client versions the tests ran. It gets its own log group (stage
 * retention) and its own role whose only built-in permission is writing that log group; every
 * other permission is granted explicitly by the stack.
 */
export function serviceFunction(scope: Construct, id: string, props: ServiceFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    logGroupName: `/aws/lambda/${props.functionName}`,
    retention: props.settings.logRetention,
    removalPolicy: props.settings.removalPolicy,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `${props.functionName}: logs plus the grants its stack adds`,
  });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [
        Stack.of(scope).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: `${logGroup.logGroupName}:log-stream:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  );
  const stack = Stack.of(scope);
  const logGroupId = stack.getLogicalId(logGroup.node.defaultChild as CfnElement);
  // cdk-nag renders unresolved pseudo parameters as <AWS::…> and concrete ones (cdk CLI env) as is.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  acknowledge(
    role,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:<${logGroupId}>:log-stream:*]`,
    `${props.functionName} writes only its own log group; Lambda names the log streams inside it, so the stream part cannot be known in advance.`,
  );
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    `${props.functionName} is traced: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.`,
  );
  return new NodejsFunction(scope, id, {
    functionName: props.functionName,
    description: props.description,
    entry: props.entry,
    handler: props.handler,
    runtime: Runtime.NODEJS_LATEST,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize ?? 512,
    timeout: props.timeout ?? Duration.seconds(30),
    role,
    logGroup,
    // X-Ray: the function's segment, and the handler's subsegments for every AWS SDK call it makes
    // (Powertools Tracer captures the clients the composition root builds).
    tracing: Tracing.ACTIVE,
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: props.functionName,
      ...props.environment,
    },
    bundling: {
      format: OutputFormat.ESM,
      minify: true,
      sourceMap: true,
      mainFields: ['module', 'main'],
      // ESM bundles of CommonJS dependencies still call require() for Node built-ins.
      banner:
        "import { createRequire as __mtdCreateRequire } from 'node:module'; const require = __mtdCreateRequire(import.meta.url);",
    },
  });
}
