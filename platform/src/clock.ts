import { monotonicFactory } from 'ulid';

/** Time as an input: handlers read it here and put it into commands; the domain never reads a clock. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** New ids as an input, for the same reason. */
export interface IdGenerator {
  next(): string;
}

/** ULIDs, monotonic within the process so ids made in one millisecond still sort in order. */
export function ulidGenerator(clock: Clock = systemClock): IdGenerator {
  const factory = monotonicFactory();
  return { next: () => factory(clock.now().getTime()) };
}
