import { encodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { Commit } from './eventStore';
import { LiveFeed } from './liveFeed';

const t0 = Date.parse('2026-11-24T10:00:00Z');
const id = (n: number) => `${encodeTime(t0 + n, 10)}0000000000000000`;
const commit = (n: number): Commit => ({
  streamId: `s-${n}`,
  version: 1,
  lastVersion: 1,
  commitId: id(n),
  events: [],
});
const ids = (commits: Commit[] | undefined) => commits?.map((c) => c.commitId);

describe('LiveFeed', () => {
  it('serves what follows its base, in id order, below the horizon', () => {
    const feed = new LiveFeed();
    feed.start(id(0));
    for (const n of [1, 3, 2, 4]) feed.add(commit(n)); // appends settle out of order
    expect(ids(feed.read(id(0), id(4), 10))).toEqual([id(1), id(2), id(3)]);
    expect(ids(feed.read(id(2), id(9), 10))).toEqual([id(3), id(4)]);
    expect(ids(feed.read(id(0), id(9), 2))).toEqual([id(1), id(2)]);
  });

  it('sends readers before its base to the store', () => {
    const feed = new LiveFeed();
    feed.start(id(5));
    feed.add(commit(6));
    expect(feed.read(id(4), id(9), 10)).toBeUndefined();
    expect(feed.read(undefined, id(9), 10)).toBeUndefined();
    expect(ids(feed.read(id(5), id(9), 10))).toEqual([id(6)]);
  });

  it('covers the whole feed from its start when the feed was empty', () => {
    const feed = new LiveFeed();
    feed.start(undefined);
    feed.add(commit(1));
    expect(ids(feed.read(undefined, id(9), 10))).toEqual([id(1)]);
  });

  it('forgets what every reader passed, and what overflows its capacity', () => {
    const feed = new LiveFeed(3);
    feed.start(id(0));
    for (const n of [1, 2, 3]) feed.add(commit(n));
    feed.trimTo(id(2));
    expect(feed.size).toBe(1);
    expect(feed.read(id(1), id(9), 10)).toBeUndefined();
    expect(ids(feed.read(id(2), id(9), 10))).toEqual([id(3)]);
    for (const n of [4, 5, 6]) feed.add(commit(n));
    expect(feed.size).toBe(3);
    // 3 overflowed: the tail holds what follows it, and a reader still before it reads the store.
    expect(feed.read(id(2), id(9), 10)).toBeUndefined();
    expect(ids(feed.read(id(3), id(9), 10))).toEqual([id(4), id(5), id(6)]);
  });
});
