import { describe, expect, it } from 'vitest';
import { feedShardsFromEnv, MissingConfigurationError } from './lambdaEnvironment';

describe('the feed shard count a function reads from its environment', () => {
  it('reads the count the stack passes', () => {
    expect(feedShardsFromEnv({ FEED_SHARDS: '4' })).toBe(4);
  });

  it('fails the cold start when the stack passed none (no silent fallback to another count)', () => {
    expect(() => feedShardsFromEnv({})).toThrow(MissingConfigurationError);
    expect(() => feedShardsFromEnv({})).toThrow(/FEED_SHARDS is not set/);
  });

  it('refuses a count the event store cannot take, naming the variable and the value', () => {
    for (const value of ['0', '65', '2.5', 'four', '-1'])
      expect(() => feedShardsFromEnv({ FEED_SHARDS: value })).toThrow(
        `environment variable FEED_SHARDS must be an integer from 1 to 64, not "${value}"`,
      );
  });
});
