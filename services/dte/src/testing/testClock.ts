import type { Clock } from '@mtd/platform';

/** A clock tests move by hand. */
export function testClock(start = '2026-11-24T10:00:02.000Z') {
  let now = new Date(start);
  const clock: Clock = { now: () => new Date(now) };
  return {
    clock,
    set(at: Date | string) {
      now = new Date(at);
    },
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}
