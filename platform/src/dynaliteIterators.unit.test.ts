import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { closeEveryIterator } from './dynaliteEngine';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A LevelDB-like store whose iterators yield `items` and count their closes. */
function fakeStore(items: string[]) {
  const closes: number[] = [];
  const open = () => {
    let next = 0;
    const index = closes.push(0) - 1;
    return {
      next: async () => items[next++],
      close: async () => {
        closes[index]!++;
      },
    };
  };
  const db: Record<string, unknown> = { values: open, keys: open };
  closeEveryIterator(db);
  const stream = (method: 'createValueStream' | 'createKeyStream') =>
    (db[method] as (options: unknown) => NodeJS.ReadableStream)({});
  return { stream, closes };
}

describe("the engine's LevelDB streams", () => {
  it('close their iterator once when read to the end', async () => {
    const { stream, closes } = fakeStore(['a', 'b', 'c']);
    const read: unknown[] = [];
    for await (const value of stream('createValueStream')) read.push(value);
    expect(read).toEqual(['a', 'b', 'c']);
    expect(closes).toEqual([1]);
  });

  it('close their iterator once when destroyed part way, as dynalite does after a Limit', async () => {
    const { stream, closes } = fakeStore(['a', 'b', 'c']);
    const keys = stream('createKeyStream') as unknown as import('node:stream').Readable;
    const first = await new Promise((resolve) => keys.once('data', resolve));
    keys.destroy();
    await new Promise((resolve) => keys.once('close', resolve));
    expect(first).toBe('a');
    expect(closes).toEqual([1]);
  });

  it('close the iterator of a stream its reader dropped without ending or destroying it', async () => {
    // More than the stream buffers ahead (16 objects), so it never ends by itself.
    const { stream, closes } = fakeStore(Array.from({ length: 100 }, (_, i) => `item-${i}`));
    (() => {
      const dropped = stream('createValueStream') as unknown as import('node:stream').Readable;
      dropped.read(0);
    })();
    // The registry's callback runs in a task after the collection that found the stream unreachable.
    for (let attempt = 0; attempt < 50 && closes[0] === 0; attempt++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(closes).toEqual([1]);
  });
});
