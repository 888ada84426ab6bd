import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { moveInWithoutReplacing } from './files';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtd-files-'));
  dirs.push(dir);
  return dir;
}

describe('moveInWithoutReplacing', () => {
  it('moves a file in under its name, and beside a file of that name as name-2, name-3…', async () => {
    const dir = folder();
    const names: string[] = [];
    for (const content of ['first', 'second', 'third']) {
      const staged = join(dir, `.staged-${content}`);
      writeFileSync(staged, content);
      names.push(await moveInWithoutReplacing(staged, dir, 'orders.xml'));
      expect(existsSync(staged)).toBe(false);
    }
    expect(names).toEqual(['orders.xml', 'orders-2.xml', 'orders-3.xml']);
    expect(names.map((name) => readFileSync(join(dir, name), 'utf8'))).toEqual(['first', 'second', 'third']);
  });

  it('fails, leaving the file where it was, when the folder cannot take it', async () => {
    const dir = folder();
    const staged = join(dir, '.staged');
    writeFileSync(staged, 'kept');
    await expect(moveInWithoutReplacing(staged, join(dir, 'missing'), 'a.json')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(readFileSync(staged, 'utf8')).toBe('kept');
  });
});
