import { encodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { AppendFence } from './appendFence';

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
});
