import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { type Clock, ulidGenerator } from './clock';

const crockfordUlid = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('ulidGenerator', () => {
  it('mints ULIDs of the given clock, in order, and never twice', () => {
    let ms = Date.parse('2026-11-24T10:00:00Z');
    const clock: Clock = { now: () => new Date(ms) };
    const ids = ulidGenerator(clock);
    const minted: string[] = [];
    // Past the random pool's 4,096 bytes (16 per new millisecond), so it refills along the way.
    for (let i = 0; i < 2_000; i++) {
      if (i % 3 === 0) ms++;
      minted.push(ids.next());
    }
    expect(minted.every((id) => crockfordUlid.test(id))).toBe(true);
    expect(new Set(minted).size).toBe(minted.length);
    expect([...minted].sort()).toEqual(minted);
    expect(decodeTime(minted.at(-1)!)).toBe(ms);
  });

  it('draws the random part anew for each millisecond, every character of the alphabet in use', () => {
    let ms = Date.parse('2026-11-24T10:00:00Z');
    const ids = ulidGenerator({ now: () => new Date(ms++) });
    const randomParts = Array.from({ length: 500 }, () => ids.next().slice(10));
    expect(new Set(randomParts).size).toBe(randomParts.length);
    // 8,000 characters drawn: a PRNG stuck on part of the alphabet would leave some of the 32 unused.
    expect(new Set(randomParts.join('')).size).toBe(32);
  });

  it('sorts every id after `after`, even with a clock behind it', () => {
    const after = ulidGenerator({ now: () => new Date('2026-11-24T10:00:05Z') }).next();
    const ids = ulidGenerator({ now: () => new Date('2026-11-24T10:00:00Z') }, { after });
    expect(ids.next() > after).toBe(true);
  });
});
