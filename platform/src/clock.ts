import { randomFillSync } from 'node:crypto';
import { decodeTime, monotonicFactory } from 'ulid';

/** Time as an input: handlers read it here and put it into commands; the domain never reads a clock. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** New ids as an input, for the same reason. */
export interface IdGenerator {
  next(): string;
}

/**
 * ULIDs, monotonic within the process so ids made in one millisecond still sort in order. With
 * `after`, every id is greater than it even if the clock is behind it (a runtime restarting on a
 * store whose newest commit came from a clock ahead of this one): feed readers rely on new commits
 * sorting after the feed's head.
 */
export function ulidGenerator(clock: Clock = systemClock, options: { after?: string } = {}): IdGenerator {
  const factory = monotonicFactory(pooledCryptoRandom);
  // Monotonic: once primed one millisecond after `after`, no later id can sort before it.
  if (options.after) factory(decodeTime(options.after) + 1);
  return { next: () => factory(clock.now().getTime()) };
}

/**
 * ulid's PRNG contract (a fraction in [0, 1)), from the system's CSPRNG like ulid's default, but
 * drawn from a pooled buffer: the default asks the CSPRNG for one byte per character, 16 calls
 * (`randomFillSync`, ~2 µs each) for every id minted in a new millisecond, which the bench's profile
 * showed at 1.3% of the main thread. A byte / 256 still picks each of the 32 characters uniformly
 * (ulid takes floor(x * 32), i.e. the byte's top 5 bits).
 */
function pooledCryptoRandom(): number {
  if (poolNext === randomPool.length) {
    randomFillSync(randomPool);
    poolNext = 0;
  }
  return randomPool[poolNext++]! / 256;
}
const randomPool = new Uint8Array(4096);
let poolNext = randomPool.length;

/** The time a feed position (a commit id, a ULID) was made at. */
export function timeOfPosition(position: string): Date {
  return new Date(decodeTime(position));
}
