import type { Commit } from '@mtd/platform';
import { describe, expect, it } from 'vitest';
import { type DoneOrder, OrderCompletionTracker, type TrackedView } from './orderCompletionTracker';

const aCommit = (commitId: string, orderId: string, events = 1): Commit =>
  ({
    streamId: `order-${orderId}`,
    version: 1,
    lastVersion: events,
    commitId,
    events: Array.from({ length: events }, () => ({ metadata: { correlationId: orderId } })),
  }) as unknown as Commit;

const aView = (orderId: string, view: Partial<TrackedView> = {}): TrackedView => ({
  orderId,
  stage: 'completed',
  exception: null,
  folio: 7,
  ...view,
});

function setUp() {
  const runners = [
    { name: 'projectOrderOnEvent', position: undefined as string | undefined },
    { name: 'ledger', position: undefined as string | undefined },
  ];
  const done: DoneOrder[] = [];
  const tracker = new OrderCompletionTracker(runners, (order) => done.push(order));
  return { runners, done, tracker };
}

describe('order completion', () => {
  it('is done once the view ended and every subscription passed the order’s last commit', () => {
    const { runners, done, tracker } = setUp();
    tracker.expect('A');
    tracker.commit(aCommit('01', 'A', 2));
    tracker.accepted('A', 1_000);
    tracker.commit(aCommit('02', 'A'));
    tracker.commit(aCommit('03', 'A'), { siiVerdict: true });
    tracker.viewChanged(aView('A'));
    runners[0]!.position = '03';
    runners[1]!.position = '02';
    expect(tracker.check(1_500)).toBe(0);
    runners[1]!.position = '05';
    expect(tracker.check(1_800)).toBe(1);
    expect(done).toEqual([
      { orderId: 'A', outcome: 'completed', latencyMs: 800, commits: 3, siiVerdictCommits: 1, folio: true },
    ]);
    expect(tracker.outstanding).toBe(0);
  });

  it('waits for a view that ended: rejected, or an open exception, not a stage on the way', () => {
    const { runners, done, tracker } = setUp();
    for (const id of ['R', 'X', 'P']) {
      tracker.expect(id);
      tracker.accepted(id, 0);
    }
    tracker.commit(aCommit('01', 'R'));
    tracker.commit(aCommit('02', 'X'));
    tracker.commit(aCommit('03', 'P'));
    tracker.viewChanged(aView('R', { stage: 'rejected', folio: null }));
    tracker.viewChanged(aView('X', { stage: 'dte-issued', exception: { stage: 'dte-broadcast' } }));
    tracker.viewChanged(aView('P', { stage: 'dte-issued' }));
    runners[0]!.position = '09';
    runners[1]!.position = '09';
    tracker.check(10);
    expect(done.map((d) => [d.orderId, d.outcome, d.folio])).toEqual([
      ['R', 'rejected', false],
      ['X', 'exception', true],
    ]);
  });

  it('counts an order done before its 202 was seen from the 202, at no less than 0', () => {
    const { runners, done, tracker } = setUp();
    tracker.expect('A');
    tracker.commit(aCommit('01', 'A'));
    tracker.viewChanged(aView('A', { stage: 'rejected' }));
    runners[0]!.position = '01';
    runners[1]!.position = '01';
    tracker.check(500);
    expect(done).toEqual([]);
    tracker.accepted('A', 520);
    expect(done[0]?.latencyMs).toBe(0);
  });

  it('ignores orders it was not told about, and forgets refused ones', () => {
    const { runners, done, tracker } = setUp();
    tracker.commit(aCommit('01', 'OTHER'));
    tracker.viewChanged(aView('OTHER'));
    tracker.expect('A');
    tracker.refused('A');
    runners[0]!.position = '09';
    runners[1]!.position = '09';
    tracker.check(1);
    expect(done).toEqual([]);
    expect(tracker.outstanding).toBe(0);
  });
});
