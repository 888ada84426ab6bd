import {
  IdempotencyConfig,
  IdempotencyItemAlreadyExistsError,
  IdempotencyRecordStatus,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
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
   * An effect whose outcome the caller records in its stream: claim, look, act, record. The claim
   * comes first and the look at the stream second, so a delivery that takes a claim another one let
   * lapse still finds that one's outcome recorded; the completion is written only when recording
   * the outcome fails, so on the happy path the claim costs one call (the conditional PutItem):
   *
   * - claim taken: `look()` (undefined: nothing to do), then `effect`, then `record`. If `effect`
   *   throws the claim is released; if `record` throws the result is stored with the claim
   *   (`COMPLETED`), so the next delivery records it instead of acting again.
   * - claim held by another delivery: `look()`; nothing to do ends here, else
   *   {@link EffectInProgressError} (retry later).
   * - claim completed (an earlier recording failed): `look()`, then `record` with the stored result.
   *
   * A holder that crashes between the effect and the record leaves its claim to lapse after its
   * lease; the next delivery then acts again, as with `once` after a crash before the completion.
   */
  act<Looked, Result>(name: string, key: string, steps: EffectSteps<Looked, Result>): Promise<void>;
  /**
   * Tells the claims how long the current invocation may still run (a Lambda's context): a claim
   * taken now lapses then, so a delivery after a timeout or a crash does the effect again.
   */
  useLambdaContext(context: { getRemainingTimeInMillis(): number }): void;
}

/** The steps of {@link EffectClaims.act}. */
export interface EffectSteps<Looked, Result> {
  /**
   * What the stream says: undefined when the effect is not (or no longer) due. `claim` says whether
   * this delivery took the claim (`taken`) or found it taken by another delivery of the same cause
   * (`found`): then the cause was delivered before, and a look that bets on a new stream must read.
   */
  look(claim: 'taken' | 'found'): Promise<Looked | undefined>;
  effect(looked: Looked): Promise<Result>;
  /** Records the outcome in the stream; idempotent by cause. */
  record(looked: Looked, result: Result): Promise<void>;
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
  let lease: { getRemainingTimeInMillis(): number } = leaseContext(leaseMs);
  config.registerLambdaContext(lease as never);
  // `act` uses the persistence layer directly (makeIdempotent always writes the completion): the
  // same configuration and prefix, so its claims are `once`'s claims, key for key.
  persistenceStore.configure({ config, keyPrefix: 'mtd-effect' });
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
    async act<Looked, Result>(
      name: string,
      key: string,
      { look, effect, record }: EffectSteps<Looked, Result>,
    ): Promise<void> {
      const claim = { effect: name, key };
      // A claim that lapses between our put and our read of it (rare): put again, a few times.
      for (let attempt = 1; ; attempt++) {
        const held = await takeClaim(claim);
        if (held === 'taken') break;
        if (held === 'lapsed' && attempt < 3) continue;
        const looked = await look('found');
        if (looked === undefined) return;
        if (held !== 'lapsed' && held.status === 'completed') {
          await record(looked, held.result as Result);
          return;
        }
        throw new EffectInProgressError(name, key);
      }
      const looked = await look('taken');
      // Nothing to do: the claim is left to lapse (a delete would be one more call); a delivery
      // meeting it looks at the stream and finds the same.
      if (looked === undefined) return;
      let result: Result;
      try {
        result = await effect(looked);
      } catch (error) {
        await persistenceStore.deleteRecord(claim);
        throw error;
      }
      try {
        await record(looked, result);
      } catch (error) {
        // The effect is done but not recorded: keep its result, so the retry records it.
        await persistenceStore.saveSuccess(claim, result as never).catch(() => {});
        throw error;
      }
    },
    useLambdaContext(context) {
      lease = context;
      config.registerLambdaContext(context as never);
    },
  };

  /** The conditional put of `INPROGRESS`; else what holds the key (a completed claim's result). */
  async function takeClaim(claim: {
    effect: string;
    key: string;
  }): Promise<'taken' | 'lapsed' | { status: 'in-progress' } | { status: 'completed'; result: unknown }> {
    let found: IdempotencyRecord;
    try {
      await persistenceStore.saveInProgress(claim, lease.getRemainingTimeInMillis());
      return 'taken';
    } catch (error) {
      if (!(error instanceof IdempotencyItemAlreadyExistsError)) throw error;
      try {
        found = error.existingRecord
          ? persistenceStore.processExistingRecord(error.existingRecord, claim)
          : await persistenceStore.getRecord(claim);
      } catch (gone) {
        // Released or expired between the put and the read.
        if ((gone as Error).name === 'IdempotencyItemNotFoundError') return 'lapsed';
        throw gone;
      }
    }
    switch (found.getStatus()) {
      case IdempotencyRecordStatus.COMPLETED:
        return { status: 'completed', result: found.getResponse() };
      case IdempotencyRecordStatus.INPROGRESS:
        return { status: 'in-progress' };
      default:
        return 'lapsed';
    }
  }
}

function leaseContext(leaseMs: number) {
  return { getRemainingTimeInMillis: () => leaseMs };
}
