import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sources } from '@mtd/contracts';
import { DynamoEventStore, systemClock, ulidGenerator } from '@mtd/platform';
import { feedShardsFromEnv, lambdaSdkClientConfig, requiredEnv } from '@mtd/platform/aws';
import type { APIGatewayProxyEventV2, Context as LambdaContext } from 'aws-lambda';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { DynamoSignInAttempts } from '#adapters/dynamoSignInAttempts';
import { DynamoUsers } from '#adapters/dynamoUsers';
import { ProjectionQueryClient } from '#adapters/projectionQueryClient';
import { signedQueryApiFetch } from '#adapters/signedQueryApiFetch';
import { accessGuard, type BackofficeEnv, createBackofficeApi } from '#handlers/backofficeApi';

/**
 * Composition root of the back office on AWS: one Lambda behind the HTTP API (CloudFront sends
 * `/api/*` to it; the portal's files come from S3). Configuration from the stack: USERS_TABLE,
 * SIGN_IN_ATTEMPTS_TABLE, TOKEN_SECRET_ARN (Secrets Manager, ≥ 32 random characters that sign the
 * HS256 tokens), EVENT_STORE_TABLE (appends to `backoffice-` streams only) and PROJECTION_QUERY_URL
 * (projection's query API, IAM auth). The secret is read once per container, on the first request.
 */
const dynamo = new DynamoDBClient({ ...lambdaSdkClientConfig });
const secrets = new SecretsManagerClient({ ...lambdaSdkClientConfig });
const logger = new Logger({ serviceName: 'backoffice' });

async function buildApp(): Promise<Hono<BackofficeEnv>> {
  const { SecretString } = await secrets.send(
    new GetSecretValueCommand({ SecretId: requiredEnv('TOKEN_SECRET_ARN') }),
  );
  if (!SecretString || SecretString.length < 32) {
    throw new Error('the token secret is missing or shorter than 32 characters');
  }
  const secret = new TextEncoder().encode(SecretString);
  const ids = ulidGenerator();
  const app = new Hono<BackofficeEnv>();
  app.use('/api/*', accessGuard({ secret, clock: systemClock }));
  app.route(
    '/',
    createBackofficeApi({
      users: new DynamoUsers({ client: dynamo, tableName: requiredEnv('USERS_TABLE') }),
      secret,
      readModels: new ProjectionQueryClient({
        fetch: signedQueryApiFetch({
          url: requiredEnv('PROJECTION_QUERY_URL'),
          region: requiredEnv('AWS_REGION'),
          credentials: defaultProvider(),
        }),
      }),
      backofficeStore: new DynamoEventStore({
        client: dynamo,
        tableName: requiredEnv('EVENT_STORE_TABLE'),
        feedShards: feedShardsFromEnv(),
        producer: Sources.backoffice,
      }),
      clock: systemClock,
      ids,
      signInAttempts: new DynamoSignInAttempts({
        client: dynamo,
        tableName: requiredEnv('SIGN_IN_ATTEMPTS_TABLE'),
      }),
      // Behind CloudFront the caller is the first address of X-Forwarded-For (CloudFront appends the
      // viewer's); a forged header only moves the per-address counter, the per-user one still holds.
      clientAddress: (c) =>
        c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ||
        (c.env as { event?: APIGatewayProxyEventV2 } | undefined)?.event?.requestContext.http.sourceIp ||
        'unknown',
    }),
  );
  return app;
}

let handler: Promise<ReturnType<typeof handle>> | undefined;

/** The HTTP API's only integration: every `/api/*` route of the back office. */
export const api = async (event: Parameters<ReturnType<typeof handle>>[0], context: LambdaContext) => {
  handler ??= buildApp().then((app) => handle(app));
  handler.catch((error) => {
    logger.error('the back office could not start', { error });
    handler = undefined;
  });
  return (await handler)(event, context);
};
