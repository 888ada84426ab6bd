/** A Lambda was deployed without a setting its composition root needs (a stack wiring bug). */
export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set: the stack must pass it to this function`);
  }
}

/** Reads one required environment variable; fails the cold start loudly when it is missing. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingConfigurationError(name);
  return value;
}

/** The variable that carries the stage's feed shard count (infra: `feedShards` in lib/stage.ts). */
export const feedShardsVariable = 'FEED_SHARDS';

/**
 * The shard count this function's event store marks new days with (`DynamoEventStore({ feedShards })`),
 * from `FEED_SHARDS`. Required, not defaulted: a function that fell back to another count than its
 * stage's would mark a day it opens with that count, and the whole stage would follow it that day.
 */
export function feedShardsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = requiredEnv(feedShardsVariable, env);
  const shards = Number(value);
  if (!/^\d+$/.test(value) || shards < 1 || shards > 64)
    throw new RangeError(
      `environment variable ${feedShardsVariable} must be an integer from 1 to 64, not ${JSON.stringify(value)}`,
    );
  return shards;
}
