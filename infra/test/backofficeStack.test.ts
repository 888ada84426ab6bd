import { Sources } from '@mtd/contracts';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourcesOf, synthMtd } from './synthMtd';

let backoffice: Template;
let projection: Template;
beforeAll(() => {
  const dev = synthMtd({ stage: 'dev', services: ['projection', 'backoffice'] });
  backoffice = dev.templates['mtd-dev-backoffice']!;
  projection = dev.templates['mtd-dev-projection']!;
});

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOfRole = (template: Template, rolePrefix: string): Statement[] =>
  resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties?.Roles).includes(rolePrefix))
    .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('the backoffice stack', () => {
  it('keeps users and sign-in attempts in DynamoDB, the attempts expiring through TTL', () => {
    backoffice.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'mtd-dev-backoffice-users',
      KeySchema: [{ AttributeName: 'username', KeyType: 'HASH' }],
    });
    backoffice.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'mtd-dev-backoffice-sign-in-attempts',
      KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('signs tokens with a generated key in Secrets Manager that only the API function reads', () => {
    backoffice.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'mtd-dev-backoffice-token-key',
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
    const reads = statementsOfRole(backoffice, 'ApiRole').filter((s) =>
      actions(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads[0]!.Resource)).toContain('TokenKey');
  });

  it('serves the API over an HTTP API with access logs and throttling, proxying every route to one Lambda', () => {
    backoffice.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    backoffice.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    backoffice.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    backoffice.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    backoffice.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'mtd-dev-backoffice-api',
      Handler: 'index.api',
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          USERS_TABLE: Match.anyValue(),
          SIGN_IN_ATTEMPTS_TABLE: Match.anyValue(),
          TOKEN_SECRET_ARN: Match.anyValue(),
          EVENT_STORE_TABLE: Match.anyValue(),
          PROJECTION_QUERY_URL: Match.anyValue(),
        }),
      },
    });
  });

  it("lets the API append only to backoffice- streams and read projection only through its query API's URL", () => {
    const statements = statementsOfRole(backoffice, 'ApiRole');
    const puts = statements.filter(
      (s) =>
        actions(s).includes('dynamodb:PutItem') && JSON.stringify(s.Condition ?? {}).includes('LeadingKeys'),
    );
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0]!.Condition)).toContain('backoffice-');
    expect(JSON.stringify(puts[0]!.Condition)).not.toContain('order-');
    const invoke = statements.find((s) => actions(s).includes('lambda:InvokeFunctionUrl'))!;
    expect(invoke.Condition).toEqual({ StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } });
    expect(JSON.stringify(invoke.Resource)).toContain('SsmParameterValue');
    // No action on projection's tables, and no wildcard action at all.
    const text = JSON.stringify(statements);
    expect(text).not.toMatch(/projection-(orders|timeline)/);
    for (const s of statements) for (const action of actions(s)) expect(action).not.toMatch(/\*/);
    expect(Sources.backoffice).toBe('mtd.backoffice');
  });

  it("publishes projection's query URL and function in SSM for the back office (no cross-stack export)", () => {
    projection.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mtd/dev/projection/query-url' });
    projection.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mtd/dev/projection/query-function-arn',
    });
    projection.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
  });

  it('serves the portal from a private bucket through CloudFront with security headers, /api/* to the HTTP API', () => {
    backoffice.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    backoffice.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'"),
          }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31_536_000 }),
          ReferrerPolicy: Match.anyValue(),
        }),
      }),
    });
    backoffice.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CacheBehaviors: [Match.objectLike({ PathPattern: '/api/*', ViewerProtocolPolicy: 'https-only' })],
      }),
    });
    backoffice.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    // Published after deploy by npm run build:portal + S3 sync: no CDK custom resource in the stack.
    backoffice.resourceCountIs('Custom::CDKBucketDeployment', 0);
    backoffice.hasOutput('PortalBucketName', {});
    backoffice.hasOutput('PortalUrl', {});
  });
});
