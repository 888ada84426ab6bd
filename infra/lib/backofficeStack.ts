import {
  backofficeUsersTable,
  portalSecurityHeaders,
  signInAttemptsTable,
  signInAttemptsTtlAttribute,
} from '@mtd/backoffice';
import { Sources } from '@mtd/contracts';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { CfnApi, CfnIntegration, CfnRoute, CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { lambdaAlarms } from './monitoring';
import { acknowledge } from './nag';
import { lambdaEntry } from './paths';
import { serviceFunction } from './serviceFunction';
import { ServiceStack, type ServiceStackProps } from './serviceStack';
import { resourceName } from './stage';
import { tableFromDefinition } from './tableFromDefinition';

/**
 * backoffice: its users and sign-in attempts (DynamoDB), the token key (Secrets Manager), the API
 * (an HTTP API in front of one Lambda running the same Hono app as locally) and the portal (S3 behind
 * CloudFront with security headers; CloudFront also sends `/api/*` to the HTTP API, so the portal
 * and its API share one origin and the CSP stays `'self'`). It reads projection only through
 * projection's query API (function URL, IAM auth) and appends only to `backoffice-` streams.
 */
export class BackofficeStack extends ServiceStack {
  readonly distribution: Distribution;
  readonly api: CfnApi;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, 'backoffice', props);
    const { stage } = this.settings;
    const tableOptions = {
      deletionProtection: this.settings.deletionProtection,
      removalPolicy: this.settings.removalPolicy,
    };
    const users = tableFromDefinition(this, 'Users', backofficeUsersTable('users'), {
      ...tableOptions,
      tableName: resourceName(stage, 'backoffice', 'users'),
    });
    const attempts = tableFromDefinition(this, 'SignInAttempts', signInAttemptsTable('sign-in-attempts'), {
      tableName: resourceName(stage, 'backoffice', 'sign-in-attempts'),
      // Failures are forgotten after an hour: nothing to protect, nothing to restore.
      deletionProtection: false,
      removalPolicy: this.settings.removalPolicy,
      timeToLiveAttribute: signInAttemptsTtlAttribute,
    });
    const tokenKey = new Secret(this, 'TokenKey', {
      secretName: resourceName(stage, 'backoffice', 'token-key'),
      description: 'HS256 key of the back-office sign-in tokens (64 random characters)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: this.settings.removalPolicy,
    });
    acknowledge(
      tokenKey,
      'AwsSolutions-SMG4',
      'Sign-in tokens live 15 minutes and are signed with this key; rotating it signs everyone out. It is rotated by hand (put a new random value) when an operator leaves or a leak is suspected.',
    );

    const functionName = resourceName(stage, 'backoffice', 'api');
    const fn = serviceFunction(this, 'Api', {
      settings: this.settings,
      functionName,
      entry: lambdaEntry('services/backoffice/src/aws/backofficeLambda.ts'),
      handler: 'api',
      description:
        'Back-office API: sign-in, users, operator retry, projection reads (through its query API)',
      memorySize: 1024,
      timeout: Duration.seconds(15),
      environment: {
        USERS_TABLE: users.ref,
        SIGN_IN_ATTEMPTS_TABLE: attempts.ref,
        TOKEN_SECRET_ARN: tokenKey.secretArn,
        ...this.eventStoreEnvironment,
        PROJECTION_QUERY_URL: this.discovered('projectionQueryUrl'),
      },
    });
    tokenKey.grantRead(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'Users',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'],
        resources: [users.attrArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'SignInAttempts',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [attempts.attrArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ProjectionQueryApi',
        actions: ['lambda:InvokeFunctionUrl'],
        resources: [this.discovered('projectionQueryFunctionArn')],
        conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
      }),
    );
    // ExceptionRetryRequested on backoffice-<orderId>: read its version, append after it.
    this.grantEventStore({ fn }, Sources.backoffice, ['backoffice-']);
    lambdaAlarms(this, 'Api', fn, functionName, this.alarmTopic, this.settings);

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      logGroupName: `/aws/apigateway/${resourceName(stage, 'backoffice', 'api')}`,
      retention: this.settings.logRetention,
      removalPolicy: this.settings.removalPolicy,
    });
    // L1s: the HttpApi L2 of aws-cdk-lib 2.276 emits its own resource twice ("section 'Resources'
    // already contains …" on synth), so the API, its one integration, route and stage are spelled out.
    this.api = new CfnApi(this, 'HttpApi', {
      name: resourceName(stage, 'backoffice', 'api'),
      protocolType: 'HTTP',
      description: 'MTD back office: /api/* (the access guard in the Lambda checks tokens and roles)',
    });
    const integration = new CfnIntegration(this, 'ApiIntegration', {
      apiId: this.api.ref,
      integrationType: 'AWS_PROXY',
      integrationUri: fn.functionArn,
      payloadFormatVersion: '2.0',
    });
    const route = new CfnRoute(this, 'ApiRoute', {
      apiId: this.api.ref,
      routeKey: '$default',
      target: `integrations/${integration.ref}`,
    });
    // Authorization is the Lambda's access guard (JWT + role per route), not API Gateway's.
    acknowledge(
      route,
      'AwsSolutions-APIG4',
      "Every /api route but sign-in and health needs a token checked by the Lambda's access guard (HS256 JWT, role per route, 401/403 with a reason); the same guard runs locally and is tested over every route.",
    );
    new CfnStage(this, 'ApiStage', {
      apiId: this.api.ref,
      stageName: '$default',
      autoDeploy: true,
      defaultRouteSettings: { throttlingRateLimit: 50, throttlingBurstLimit: 100 },
      accessLogSettings: {
        destinationArn: accessLogs.logGroupArn,
        format: JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          method: '$context.httpMethod',
          path: '$context.path',
          status: '$context.status',
          latency: '$context.responseLatency',
          integrationError: '$context.integrationErrorMessage',
        }),
      },
    });
    fn.addPermission('InvokeFromHttpApi', {
      principal: new ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: Stack.of(this).formatArn({
        service: 'execute-api',
        resource: this.api.ref,
        resourceName: '*',
      }),
    });

    const portal = new Bucket(this, 'Portal', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: this.settings.removalPolicy,
      autoDeleteObjects: false,
    });
    acknowledge(
      portal,
      'AwsSolutions-S1',
      'The portal bucket holds only the built portal (three public files) served through CloudFront; there is nothing to audit per object read.',
    );
    const headers = new ResponseHeadersPolicy(this, 'PortalHeaders', {
      responseHeadersPolicyName: resourceName(stage, 'backoffice', 'portal-headers'),
      comment: 'The same security headers the local runtime sends with the portal',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: portalSecurityHeaders['content-security-policy'],
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    this.distribution = new Distribution(this, 'PortalDistribution', {
      comment: `MTD ${stage} back-office portal and API`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(portal),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(`${this.api.ref}.execute-api.${Stack.of(this).region}.amazonaws.com`),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });
    for (const [rule, reason] of [
      [
        'AwsSolutions-CFR1',
        'The back office is used from Chile but by remote staff too; sign-in and roles guard it, not geography.',
      ],
      [
        'AwsSolutions-CFR2',
        'A WAF web ACL costs more than this internal portal warrants; the API throttles per stage and the sign-in throttle slows guessing per user and per address.',
      ],
      [
        'AwsSolutions-CFR3',
        "The API's access log (API Gateway) records every /api request; the portal's static files need no per-request log.",
      ],
      [
        'AwsSolutions-CFR4',
        'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the TLS policy; a stage with its own domain sets a certificate and TLSv1.2_2021.',
      ],
    ] as const) {
      acknowledge(this.distribution, rule, reason);
    }
    // The portal's files are published by `npm run publish:portal` after deploy (build, S3 sync,
    // invalidation): a BucketDeployment would add CDK's own Python provider Lambda with a managed
    // policy, which the emulated-cloud tier (rightly) refuses to evaluate.
    new CfnOutput(this, 'PortalBucketName', { value: portal.bucketName });
    new CfnOutput(this, 'PortalDistributionId', { value: this.distribution.distributionId });
    new CfnOutput(this, 'PortalUrl', { value: `https://${this.distribution.distributionDomainName}/` });
  }
}
