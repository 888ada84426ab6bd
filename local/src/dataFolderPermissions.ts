import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/**
 * The data folder holds password hashes, signing keys, partner keys, customers' names and emails:
 * only its owner may read it. Folders are made 0700 and files 0600, including what an earlier
 * version left readable (upgrading a data folder made before this rule), and the process's umask
 * becomes 077 so that everything written later (the engine's LevelDB files, emails, reports) is born
 * owner-only too. The umask is process-wide: the runtime owns its process (`mtd start`); a worker
 * thread cannot change it, and there the explicit modes and this walk still apply.
 */
export function secureDataFolder(dataDir: string): void {
  if (isMainThread) process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  restrict(dataDir);
}

function restrict(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return; // a link's target is not ours to change
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    for (const entry of readdirSync(path)) restrict(join(path, entry));
  } else if (stat.isFile() && (stat.mode & 0o777) !== 0o600) {
    chmodSync(path, 0o600);
  }
}
