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
  const factory = monotonicFactory();
  // Monotonic: once primed one millisecond after `after`, no later id can sort before it.
  if (options.after) factory(decodeTime(options.after) + 1);
  return { next: () => factory(clock.now().getTime()) };
}

/** The time a feed position (a commit id, a ULID) was made at. */
export function timeOfPosition(position: string): Date {
  return new Date(decodeTime(position));
}
