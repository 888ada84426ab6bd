import { encodeTime, monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import { AppendFence, successorOf } from './appendFence';

const idAt = (ms: number, suffix = '0000000000000001') => `${encodeTime(ms, 10)}${suffix}`;
const now = Date.parse('2026-11-24T10:00:00Z');

describe('AppendFence', () => {
  it('keeps readers below the oldest append in flight', () => {
    const fence = new AppendFence(0);
    fence.begin(idAt(now - 5));
    fence.begin(idAt(now - 3));
    expect(fence.horizon(now)).toBe(idAt(now - 5));
    fence.end(idAt(now - 5));
    expect(fence.horizon(now)).toBe(idAt(now - 3));
  });

  it('exact: an id issued next, in the same millisecond, is never below the horizon', () => {
    const fence = new AppendFence(0);
    const ids = monotonicFactory();
    for (let i = 0; i < 1_000; i++) {
      const id = ids(now); // one millisecond: only the random part moves
      expect(
        id >= fence.horizon(now),
        `${id} issued while readers may read below ${fence.horizon(now)}`,
      ).toBe(true);
      fence.begin(id);
      fence.end(id);
      expect(fence.horizon(now) > id).toBe(true);
    }
  });

  it('exact: starts after the head it is given, without waiting for the clock', () => {
    const fence = new AppendFence(0);
    const head = idAt(now + 60_000);
    fence.settledUpTo(head);
    expect(fence.horizon(now) > head).toBe(true);
  });

  it('exact: lets readers see settled ids ahead of its clock instead of waiting for the clock', () => {
    const fence = new AppendFence(0);
    const ahead = idAt(now + 60_000);
    fence.begin(ahead);
    fence.end(ahead);
    expect(fence.horizon(now) > ahead).toBe(true);
  });

  it('with a settle window: stays that far behind the clock, whatever it issued', () => {
    const fence = new AppendFence(250);
    const ahead = idAt(now + 60_000);
    fence.begin(ahead);
    fence.end(ahead);
    expect(fence.horizon(now)).toBe(`${encodeTime(now - 250, 10)}0000000000000000`);
  });

  it('successorOf: the next ULID, with carry', () => {
    expect(successorOf('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('01ARZ3NDEKTSV4RRFFQ69G5FAW');
    expect(successorOf('01ARZ3NDEKTSV4RRFFQ69G5FAZ')).toBe('01ARZ3NDEKTSV4RRFFQ69G5FB0');
  });
});
