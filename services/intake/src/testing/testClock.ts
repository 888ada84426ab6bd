import type { Clock } from '@mtd/platform';

/** Half a minute after the builders' orders were placed (`aPurchaseOrder`): every test runs at this time. */
export const testNow = '2026-11-24T10:00:30.000Z';

/** A clock that stands still at `at` until a test moves it; no test depends on today's date. */
export function aClock(at: string = testNow): Clock & { set(at: string): void } {
  let now = new Date(at);
  return {
    now: () => new Date(now),
    set(next) {
      now = new Date(next);
    },
  };
}
