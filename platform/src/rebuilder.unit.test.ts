import type { MtdEvent } from '@mtd/contracts';
import { describe, expect, it } from 'vitest';
import type { Commit, EventStoreReader, FeedPage } from './eventStore';
import { rebuildFromStore } from './rebuilder';

/** A feed given as its pages, keyed by the position each is read from. */
function feedOf(pages: Record<string, FeedPage>): EventStoreReader & { reads: (string | undefined)[] } {
  const reads: (string | undefined)[] = [];
  return {
    reads,
    async readStream() {
      throw new Error('not used by a rebuild');
    },
    async readFeed(position: string | undefined) {
      reads.push(position);
      return pages[position ?? 'start'] ?? { commits: [], position };
    },
    async append() {
      throw new Error('a rebuild never appends');
    },
  } as unknown as EventStoreReader & { reads: (string | undefined)[] };
}

const commit = (commitId: string): Commit => ({
  streamId: `s-${commitId}`,
  version: 1,
  lastVersion: 1,
  commitId,
  events: [] as MtdEvent[],
});

describe('rebuildFromStore', () => {
  it('reads past a page whose commits the store dropped (it moved, empty), and ends at a page that did not move', async () => {
    const feed = feedOf({
      start: { commits: [commit('c1')], position: 'c1' },
      // Every commit of this page was indexed but lost its conditional write: none come back.
      c1: { commits: [], position: 'c3' },
      c3: { commits: [commit('c4')], position: 'c4' },
    });
    const flushed: string[] = [];
    const progress = await rebuildFromStore({
      reader: feed,
      targets: [
        { pattern: {}, handler: { handlePage: async () => {}, flush: async () => void flushed.push('x') } },
      ],
      replayName: 'rebuild-test',
      pageSize: 2,
    });
    expect(progress.position).toBe('c4');
    expect(feed.reads).toEqual([undefined, 'c1', 'c3', 'c4']);
    expect(flushed).toEqual(['x']);
  });
});
