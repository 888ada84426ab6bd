import { link, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';

/**
 * Moves the file `from` into `dir` as `name`, or as `name-2`, `name-3`… (before the extension) when a
 * file of that name is there already, and returns the name it took. A rename would replace that file,
 * and whatever it held would be lost without a word; link() refuses an existing name atomically,
 * where a check-then-rename could race another writer. `from` must be on the same file system.
 */
export async function moveInWithoutReplacing(from: string, dir: string, name: string): Promise<string> {
  const extension = extname(name);
  const base = name.slice(0, name.length - extension.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${base}-${n}${extension}`;
    try {
      await link(from, join(dir, candidate));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await unlink(from);
    return candidate;
  }
}
