import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The claims table of one service: Powertools Idempotency's item layout (`id` the hashed key,
 * `expiration` its TTL attribute, in seconds). DynamoDB deletes expired claims through TTL (the
 * stack turns it on); an expired claim that is still there counts as absent either way, because
 * the claim's conditional put overwrites it.
 */
export function effectClaimsTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  };
}

/** The attribute DynamoDB's TTL reads on a claims table. */
export const effectClaimsTtlAttribute = 'expiration';

/**
 * Another delivery of the same cause holds the claim and is doing the effect now (or crashed doing
 * it, and its lease has not run out yet). Retry later: by then the effect is recorded (and the
 * redelivery finds it in the stream) or the lease has expired (and the retry does the effect).
 */
export class EffectInProgressError extends Error {
  override readonly name = 'EffectInProgressError';
  constructor(
    readonly effect: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`another delivery is doing ${effect} for ${key} now; retry later`, options);
  }
}

/**
 * Outside effects (an email, an upload to the tax authority) at most once per cause, even when the
 * same event is delivered several times at once. Each effect is named by its cause (`key`: the
 * triggering event's id, an order id): the first caller records a claim before doing it, and
 * every other caller with the same effect and key either gets the first one's result (once it is
 * done) or an {@link EffectInProgressError} (while it is being done).
 */
export interface EffectClaims {
  /**
   * Runs `effect` unless it already ran (or is running) for `(name, key)`; resolves with the first
   * run's result. The result must survive JSON (it is stored). If `effect` throws, the claim is
   * released and the error passes through: the next delivery tries again.
   */
  once<T>(name: string, key: string, effect: () => Promise<T>): Promise<T>;
  /**
   * Tells the claims how long the current invocation may still run (a Lambda's context): a claim
   * taken now lapses then, so a delivery after a timeout or a crash does the effect again.
   */
  useLambdaContext(context: { getRemainingTimeInMillis(): number }): void;
}

export interface DynamoEffectClaimsOptions {
  client: DynamoDBClient;
  tableName: string;
  /**
   * How long a claim protects its effect while the effect runs, when no Lambda context says how
   * long the invocation may last (the local runtime): a process killed mid-effect blocks its
   * cause's retries this long, then a retry does the effect. Default 30 s (the local effects, an
   * outbox write and an upload with a 5-second timeout, take well under a second).
   */
  leaseMs?: number;
  /**
   * How long a completed claim answers duplicates with the first result. It only has to outlive the
   * window between the effect and the append that records it (after that the stream says the cause
   * was handled); SQS keeps a message 4 days by default. Default 1 day.
   */
  keepSeconds?: number;
}

/**
 * {@link EffectClaims} on Powertools Idempotency (`makeIdempotent` over its DynamoDB persistence
 * layer), the same code on AWS and on the embedded engine. A claim is one conditional PutItem
 * (`INPROGRESS`, with an in-progress expiry: the Lambda's remaining time or `leaseMs`), then one
 * UpdateItem with the result (`COMPLETED`); a failed effect deletes it.
 */
export function dynamoEffectClaims(options: DynamoEffectClaimsOptions): EffectClaims {
  const leaseMs = options.leaseMs ?? 30_000;
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
  });
  const config = new IdempotencyConfig({ expiresAfterSeconds: options.keepSeconds ?? 24 * 60 * 60 });
  // Powertools sets the in-progress expiry from a Lambda context; without one (locally) the lease
  // stands in for it, or a crashed claim would block its cause until the claim itself expires.
  config.registerLambdaContext(leaseContext(leaseMs) as never);
  // One key prefix for every effect of the table, the effect's name inside the hashed key: the
  // persistence layer keeps its prefix as shared state, so one prefix per call would race.
  const run = makeIdempotent(
    async (_claim: { effect: string; key: string }, effect: () => Promise<unknown>) => effect(),
    { persistenceStore, config, keyPrefix: 'mtd-effect', dataIndexArgument: 0 },
  );
  return {
    async once<T>(name: string, key: string, effect: () => Promise<T>): Promise<T> {
      try {
        return (await run({ effect: name, key }, effect)) as T;
      } catch (error) {
        if ((error as Error).name === 'IdempotencyAlreadyInProgressError') {
          throw new EffectInProgressError(name, key, { cause: error });
        }
        throw error;
      }
    },
    useLambdaContext(context) {
      config.registerLambdaContext(context as never);
    },
  };
}

function leaseContext(leaseMs: number) {
  return { getRemainingTimeInMillis: () => leaseMs };
}
