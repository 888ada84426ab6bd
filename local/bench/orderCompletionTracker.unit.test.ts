import {
  CustomerNotifiedV1,
  DteBroadcastV2,
  DteIssuedV2,
  OrderAcceptedV1,
  OrderReceivedV2,
} from '@mtd/contracts';
import type { Commit } from '@mtd/platform';
import { describe, expect, it } from 'vitest';
import { type DoneOrder, OrderCompletionTracker, type TrackedView } from './orderCompletionTracker';

const aCommit = (
  commitId: string,
  orderId: string,
  events = 1,
  type: string = OrderReceivedV2.detailType,
): Commit =>
  ({
    streamId: `order-${orderId}`,
    version: 1,
    lastVersion: events,
    commitId,
    events: Array.from({ length: events }, () => ({ type, metadata: { correlationId: orderId } })),
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
    tracker.commit(aCommit('01', 'A', 2), 0);
    tracker.accepted('A', 1_000);
    tracker.commit(aCommit('02', 'A'), 0);
    tracker.commit(aCommit('03', 'A'), 0, { siiVerdict: true });
    tracker.viewChanged(aView('A'), 0);
    runners[0]!.position = '03';
    runners[1]!.position = '02';
    expect(tracker.check(1_500)).toBe(0);
    runners[1]!.position = '05';
    expect(tracker.check(1_800)).toBe(1);
    expect(done).toMatchObject([
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
    tracker.commit(aCommit('01', 'R'), 0);
    tracker.commit(aCommit('02', 'X'), 0);
    tracker.commit(aCommit('03', 'P'), 0);
    tracker.viewChanged(aView('R', { stage: 'rejected', folio: null }), 0);
    tracker.viewChanged(aView('X', { stage: 'dte-issued', exception: { stage: 'dte-broadcast' } }), 0);
    tracker.viewChanged(aView('P', { stage: 'dte-issued' }), 0);
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
    tracker.commit(aCommit('01', 'A'), 0);
    tracker.viewChanged(aView('A', { stage: 'rejected' }), 0);
    runners[0]!.position = '01';
    runners[1]!.position = '01';
    tracker.check(500);
    expect(done).toEqual([]);
    tracker.accepted('A', 520);
    expect(done[0]?.latencyMs).toBe(0);
  });

  it('ignores orders it was not told about, and forgets refused ones', () => {
    const { runners, done, tracker } = setUp();
    tracker.commit(aCommit('01', 'OTHER'), 0);
    tracker.viewChanged(aView('OTHER'), 0);
    tracker.expect('A');
    tracker.refused('A');
    runners[0]!.position = '09';
    runners[1]!.position = '09';
    tracker.check(1);
    expect(done).toEqual([]);
    expect(tracker.outstanding).toBe(0);
  });

  it('says when each milestone happened after the 202, and which follower passed the last commit last', () => {
    const { runners, done, tracker } = setUp();
    tracker.expect('A');
    tracker.commit(aCommit('01', 'A', 2, OrderAcceptedV1.detailType), 990);
    tracker.accepted('A', 1_000);
    tracker.commit(aCommit('02', 'A', 1, DteIssuedV2.detailType), 1_040);
    tracker.commit(aCommit('03', 'A', 1, CustomerNotifiedV1.detailType), 1_100);
    tracker.commit(aCommit('04', 'A', 1, DteBroadcastV2.detailType), 1_120);
    tracker.viewChanged(aView('A'), 1_130);
    runners[0]!.position = '04';
    runners[1]!.position = '03';
    tracker.check(1_140);
    runners[1]!.position = '04';
    tracker.check(1_600);
    expect(done[0]?.hops).toEqual({
      // OrderAccepted, DteIssued, DteBroadcast, CustomerNotified
      committed: [-10, 40, 120, 100],
      viewEnded: 130,
      applied: [140, 600],
      lastToApply: [1],
    });
    expect(done[0]?.latencyMs).toBe(600);
  });

  it('leaves a milestone the order never reached as NaN', () => {
    const { runners, done, tracker } = setUp();
    tracker.expect('R');
    tracker.accepted('R', 0);
    tracker.commit(aCommit('01', 'R'), 5);
    tracker.viewChanged(aView('R', { stage: 'rejected', folio: null }), 6);
    runners[0]!.position = '01';
    runners[1]!.position = '01';
    tracker.check(20);
    expect(done[0]?.hops.committed.every(Number.isNaN)).toBe(true);
    expect(done[0]?.hops.lastToApply).toEqual([0, 1]);
  });

  it('finishes each of many orders once, when the slowest follower passes it, whatever order their views end in', () => {
    const { runners, done, tracker } = setUp();
    const ids = Array.from({ length: 60 }, (_, i) => `O${String(i).padStart(2, '0')}`);
    for (const [i, id] of ids.entries()) {
      tracker.expect(id);
      tracker.accepted(id, 0);
      tracker.commit(aCommit(String(200 + i), id), 0);
    }
    // Views end out of commit order; one order is refused after its view ended.
    for (const id of [...ids].reverse()) tracker.viewChanged(aView(id), 0);
    tracker.refused('O07');
    // Each check, the followers move on a little, the ledger 5 commits behind the projection.
    for (let step = 0; step <= 14; step++) {
      runners[0]!.position = String(200 + step * 5);
      runners[1]!.position = String(195 + step * 5);
      tracker.check(step);
    }
    expect(done.map((d) => d.orderId).sort()).toEqual(ids.filter((id) => id !== 'O07'));
    for (const order of done) {
      const i = Number(order.orderId.slice(1));
      // The ledger (runner 1) passes commit 200 + i at the first step with 195 + step * 5 >= 200 + i.
      expect(order.latencyMs).toBe(Math.ceil((5 + i) / 5));
      expect(order.hops.applied).toEqual([Math.ceil(i / 5), Math.ceil((5 + i) / 5)]);
      expect(order.hops.lastToApply).toEqual([1]);
    }
    expect(tracker.outstanding).toBe(0);
  });
});
