import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import type { DeployedResource, Deployment } from './deployment';

/** An IAM policy document as the template declares it, resolved. */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/** A synthesised Lambda function, resolved against the emulated deployment. */
export interface LambdaFunction {
  stackName: string;
  logicalId: string;
  name: string;
  arn: string;
  /** `index.receiveOrderFromQueue`: file `index`, export `receiveOrderFromQueue`. */
  handler: string;
  runtime: string;
  memorySize: number;
  timeoutSeconds: number;
  /** The variables the template sets, resolved. */
  environment: Record<string, string>;
  /** The bundle's folder in the cloud assembly. */
  assetDir: string;
  role: { name: string; arn: string; policies: { name: string; document: PolicyDocument }[] };
}

/** Every function of the deployment, with its bundle, environment and role policies. */
export function lambdaFunctions(deployment: Deployment, assemblyDir: string): LambdaFunction[] {
  return deployment.ofType('AWS::Lambda::Function').map((fn) => {
    const resolve = (value: unknown) => deployment.resolve(fn.stackName, value);
    const properties = fn.Properties ?? {};
    const assetPath = fn.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string')
      throw new Error(`${fn.logicalId}: no asset path (synthesised without bundling?)`);
    const variables =
      (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const roleRef = properties.Role as { 'Fn::GetAtt': [string, string] };
    const role = deployment.resource(fn.stackName, roleRef['Fn::GetAtt'][0]);
    return {
      stackName: fn.stackName,
      logicalId: fn.logicalId,
      name: fn.physicalName,
      arn: deployment.arnOf(fn),
      handler: String(properties.Handler),
      runtime: String(properties.Runtime),
      memorySize: Number(properties.MemorySize ?? 128),
      timeoutSeconds: Number(properties.Timeout ?? 3),
      environment: Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [key, String(resolve(value))]),
      ),
      assetDir: join(assemblyDir, assetPath),
      role: {
        name: role.physicalName,
        arn: deployment.arnOf(role),
        policies: rolePolicies(deployment, role),
      },
    };
  });
}

/** The role's inline policies and every AWS::IAM::Policy attached to it, resolved. */
function rolePolicies(deployment: Deployment, role: DeployedResource): LambdaFunction['role']['policies'] {
  const inline = (
    (role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []
  ).map((policy) => ({
    name: policy.PolicyName,
    document: deployment.resolve(role.stackName, policy.PolicyDocument) as PolicyDocument,
  }));
  if (role.Properties?.ManagedPolicyArns)
    throw new Error(`${role.logicalId}: managed policies are not evaluated by the emulated IAM check`);
  const attached = deployment
    .ofType('AWS::IAM::Policy')
    .filter(
      (policy) =>
        policy.stackName === role.stackName &&
        ((policy.Properties?.Roles as { Ref?: string }[] | undefined) ?? []).some(
          (ref) => ref.Ref === role.logicalId,
        ),
    )
    .map((policy) => ({
      name: String(policy.Properties?.PolicyName),
      document: deployment.resolve(policy.stackName, policy.Properties?.PolicyDocument) as PolicyDocument,
    }));
  return [...inline, ...attached];
}

/**
 * Copies a function's bundle into `<root>/<function name>` as Lambda unpacks it into /var/task:
 * the files of the asset and nothing else. Throws if any folder above it holds a node_modules,
 * since Node would fall back on it and hide a bundle that resolves a package it does not carry.
 */
export function unpackBundle(fn: LambdaFunction, root: string): string {
  const taskRoot = join(root, fn.name);
  for (let dir = taskRoot; dir !== parse(dir).root; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules')))
      throw new Error(
        `${join(dir, 'node_modules')} exists above ${taskRoot}: a bundle could resolve packages from it`,
      );
  }
  mkdirSync(taskRoot, { recursive: true });
  cpSync(fn.assetDir, taskRoot, { recursive: true });
  return taskRoot;
}

/**
 * The variables Lambda's Node.js runtime sets for every function, besides the template's own
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
export function lambdaRuntimeEnvironment(
  fn: LambdaFunction,
  taskRoot: string,
  region: string,
): Record<string, string> {
  return {
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]emulated',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    _HANDLER: fn.handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
  };
}
