import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One resource of a synthesised template. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface StackTemplate {
  stackName: string;
  template: {
    Parameters?: Record<string, { Type: string; Default?: string }>;
    Resources: Record<string, TemplateResource>;
  };
}

/** The stacks of a cloud assembly (`cdk.out`), as `cdk synth` wrote them. */
export function readCloudAssembly(dir: string): StackTemplate[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  return Object.entries(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([stackName, artifact]) => ({
      stackName,
      template: JSON.parse(readFileSync(join(dir, artifact.properties?.templateFile ?? ''), 'utf8')),
    }));
}

/** Where the emulated services answer; queue URLs depend on it. */
export interface DeploymentTarget {
  account: string;
  region: string;
  queueUrl: (queueName: string) => string;
  /** Where a function URL (an `AWS::Lambda::Url`, by stack and logical id) answers, when it is served. */
  functionUrl?: (stackName: string, logicalId: string) => string | undefined;
}

/** A resource of the emulated deployment: its stack, logical id and physical name. */
export interface DeployedResource extends TemplateResource {
  stackName: string;
  logicalId: string;
  physicalName: string;
}

/**
 * The synthesised stacks as CloudFormation would deploy them: every resource gets its physical
 * name (the one the template gives, else `<stack>-<logicalId>` as CloudFormation generates) and
 * every value the templates compute (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * SSM parameter types) resolves to what the emulated services use. Hand-written because the
 * resolution needs each resource type's naming and ARN rules, which no resolver library knows
 * (cfn-resolver-lib asks the caller for every Ref and GetAtt value); an unknown type or
 * attribute throws, so a new kind of resource cannot resolve silently to nonsense.
 */
export class Deployment {
  readonly resources: DeployedResource[] = [];
  private readonly byStack = new Map<string, Map<string, DeployedResource>>();
  private readonly ssm = new Map<string, { stackName: string; value: unknown }>();

  constructor(
    readonly stacks: StackTemplate[],
    readonly target: DeploymentTarget,
  ) {
    for (const { stackName, template } of stacks) {
      const resources = new Map<string, DeployedResource>();
      for (const [logicalId, resource] of Object.entries(template.Resources)) {
        const deployed = {
          ...resource,
          stackName,
          logicalId,
          physicalName: physicalNameOf(stackName, logicalId, resource),
        };
        resources.set(logicalId, deployed);
        this.resources.push(deployed);
        if (resource.Type === 'AWS::SSM::Parameter') {
          this.ssm.set(String(resource.Properties?.Name), { stackName, value: resource.Properties?.Value });
        }
      }
      this.byStack.set(stackName, resources);
    }
    // Names the template computes (a Join of the stage and a Ref) resolve once every resource exists.
    for (const resource of this.resources) {
      const property = nameProperty[resource.Type];
      const given = property ? resource.Properties?.[property] : undefined;
      if (given !== undefined && typeof given !== 'string')
        resource.physicalName = String(this.resolve(resource.stackName, given));
    }
  }

  /** Every resource of a type, across stacks. */
  ofType(type: string): DeployedResource[] {
    return this.resources.filter((resource) => resource.Type === type);
  }

  resource(stackName: string, logicalId: string): DeployedResource {
    const found = this.byStack.get(stackName)?.get(logicalId);
    if (!found) throw new Error(`${stackName} has no resource ${logicalId}`);
    return found;
  }

  /** Resolves a template value (any depth) of `stackName` to plain JSON. */
  resolve(stackName: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stackName, item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, args] = entries[0] as [string, unknown];
      if (fn === 'Ref') return this.ref(stackName, String(args));
      if (fn === 'Fn::GetAtt') {
        const [logicalId, attribute] = Array.isArray(args) ? args : String(args).split('.');
        return this.getAtt(stackName, String(logicalId), String(attribute));
      }
      if (fn === 'Fn::Join') {
        const [separator, parts] = args as [string, unknown[]];
        return (this.resolve(stackName, parts) as unknown[]).join(separator);
      }
      if (fn === 'Fn::Select') {
        const [index, list] = args as [unknown, unknown];
        return (this.resolve(stackName, list) as unknown[])[Number(this.resolve(stackName, index))];
      }
      if (fn === 'Fn::Split') {
        const [separator, text] = args as [string, unknown];
        return String(this.resolve(stackName, text)).split(separator);
      }
      if (fn === 'Fn::Sub') return this.sub(stackName, args);
      if (fn.startsWith('Fn::')) throw new Error(`${stackName}: ${fn} is not emulated`);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(stackName, item)]));
  }

  /** A resource's ARN (the value of `Fn::GetAtt [id, Arn]`). */
  arnOf(resource: DeployedResource): string {
    const { account, region } = this.target;
    const name = resource.physicalName;
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${account}:${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${name}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${account}:event-bus/${name}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${account}:rule/${name}`;
      case 'AWS::Events::Archive':
        return `arn:aws:events:${region}:${account}:archive/${name}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${name}:*`;
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
      case 'AWS::EventSchemas::Registry':
        return `arn:aws:schemas:${region}:${account}:registry/${name}`;
      case 'AWS::SES::ConfigurationSet':
        return `arn:aws:ses:${region}:${account}:configuration-set/${name}`;
      case 'AWS::Scheduler::Schedule':
        return `arn:aws:scheduler:${region}:${account}:schedule/default/${name}`;
      default:
        throw new Error(`${resource.stackName}/${resource.logicalId}: no ARN rule for ${resource.Type}`);
    }
  }

  private ref(stackName: string, name: string): unknown {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': this.target.account,
      'AWS::Region': this.target.region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
    };
    if (name in pseudo) return pseudo[name];
    const parameter = this.stacks.find((stack) => stack.stackName === stackName)?.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Type !== 'AWS::SSM::Parameter::Value<String>' || parameter.Default === undefined)
        throw new Error(`${stackName}: parameter ${name} of type ${parameter.Type} is not emulated`);
      const published = this.ssm.get(parameter.Default);
      if (!published)
        throw new Error(`${stackName}: no stack publishes the SSM parameter ${parameter.Default}`);
      return this.resolve(published.stackName, published.value);
    }
    const resource = this.resource(stackName, name);
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return this.target.queueUrl(resource.physicalName);
      case 'AWS::SNS::Topic':
      case 'AWS::SecretsManager::Secret':
        return this.arnOf(resource);
      default:
        return resource.physicalName;
    }
  }

  private getAtt(stackName: string, logicalId: string, attribute: string): unknown {
    const resource = this.resource(stackName, logicalId);
    if (attribute === 'Arn') return this.arnOf(resource);
    const key = `${resource.Type}.${attribute}`;
    switch (key) {
      case 'AWS::SQS::Queue.QueueName':
      case 'AWS::Events::EventBus.Name':
      case 'AWS::SNS::Topic.TopicName':
        return resource.physicalName;
      case 'AWS::SQS::Queue.QueueUrl':
        return this.target.queueUrl(resource.physicalName);
      case 'AWS::DynamoDB::Table.StreamArn':
        return `${this.arnOf(resource)}/stream/emulated`;
      case 'AWS::SSM::Parameter.Value':
        return this.resolve(stackName, resource.Properties?.Value);
      case 'AWS::Lambda::Url.FunctionUrl':
        return (
          this.target.functionUrl?.(stackName, logicalId) ??
          `https://${resource.physicalName}.lambda-url.${this.target.region}.on.aws/`
        );
      default:
        throw new Error(
          `${stackName}/${logicalId}: Fn::GetAtt ${attribute} of ${resource.Type} is not emulated`,
        );
    }
  }

  private sub(stackName: string, args: unknown): string {
    const [text, variables] = Array.isArray(args)
      ? (args as [string, Record<string, unknown>])
      : [String(args), {}];
    return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in variables) return String(this.resolve(stackName, variables[name]));
      const dot = name.indexOf('.');
      return String(
        dot > 0 && !name.startsWith('AWS::')
          ? this.getAtt(stackName, name.slice(0, dot), name.slice(dot + 1))
          : this.ref(stackName, name),
      );
    });
  }
}

/** The name property of each named type; CloudFormation generates `<stack>-<logicalId>-<suffix>` otherwise. */
const nameProperty: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Events::Archive': 'ArchiveName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::SES::ConfigurationSet': 'Name',
  'AWS::SES::EmailIdentity': 'EmailIdentity',
  'AWS::EventSchemas::Registry': 'RegistryName',
  'AWS::Scheduler::Schedule': 'Name',
};

function physicalNameOf(stackName: string, logicalId: string, resource: TemplateResource): string {
  const property = nameProperty[resource.Type];
  const given = property ? resource.Properties?.[property] : undefined;
  if (typeof given === 'string') return given;
  const generated = `${stackName}-${logicalId}`.slice(0, 70);
  if (resource.Type === 'AWS::S3::Bucket') return generated.toLowerCase();
  if (resource.Type === 'AWS::SQS::Queue' && resource.Properties?.FifoQueue === true)
    return `${generated}.fifo`;
  return generated;
}
