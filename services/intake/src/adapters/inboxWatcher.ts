import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { moveInWithoutReplacing, serviceLogger } from '@mtd/platform';
import { type BatchFile, type BatchReport, unreadable } from '#handlers/receiveOrdersFromBatchFile';

export interface InboxWatcherOptions {
  /** The inbox; `processing/`, `done/` and `failed/` are created inside it. */
  dir: string;
  receiveBatchFile: (file: BatchFile) => Promise<BatchReport>;
  /** How often the inbox is listed; a file is taken once its size and mtime held across two listings. */
  pollMs?: number;
  onReport?: (report: BatchReport) => void;
  /** A file whose processing threw (a store outage): it goes back to the inbox and is retried later. */
  onError?: (error: unknown, file: string) => void;
  /**
   * Attempts at a file whose processing throws, before it goes to `failed/` with a report (default
   * 10). Retries wait `pollMs × 2^attempt`, at most 5 minutes: with the default poll, about 17
   * minutes of outage in all. A file is never retried forever.
   */
  maxAttempts?: number;
}

export interface InboxWatcher {
  /** Stops polling and resolves once the file in flight (if any) is finished. */
  stop(): Promise<void>;
}

const orderFileExtensions = new Set(['.xml', '.json']);

/**
 * Watches a directory for batch files (`*.xml`, `*.json`).
 *
 * Convention for writers (rename-in): write `name.xml.part` (or `.tmp`, or anywhere outside the
 * inbox) and rename it to `name.xml` when complete. Only names ending `.xml`/`.json` are ever taken,
 * so a `.part` file is invisible. Renames are atomic; as a second guard, a file is only taken once
 * its size and mtime are unchanged across two polls, so a file copied in place slowly is not read
 * half-written.
 *
 * A taken file moves to `processing/`, then to `done/` with `done/<name>.report.json`. A file that
 * cannot be read, or read as orders at all, goes to `failed/` with its report after one attempt.
 * A file whose processing throws (a store outage) is retried with backoff, then goes to `failed/`
 * too. On start, anything left in `processing/` by a crash is processed again first: safe, because
 * identical resends are no-ops.
 */
export async function startInboxWatcher(options: InboxWatcherOptions): Promise<InboxWatcher> {
  const {
    dir,
    receiveBatchFile,
    pollMs = 1000,
    onReport,
    onError = defaultOnError,
    maxAttempts = 10,
  } = options;
  const processingDir = join(dir, 'processing');
  const doneDir = join(dir, 'done');
  const failedDir = join(dir, 'failed');
  await Promise.all(
    [processingDir, doneDir, failedDir].map((d) => mkdir(d, { recursive: true, mode: 0o700 })),
  );

  let stopped = false;
  let wake: (() => void) | undefined;
  let previousListing = new Map<string, string>();
  /** Files whose processing threw: how often, and not to be taken again before when. */
  const retries = new Map<string, { attempts: number; notBefore: number }>();

  const processFile = async (name: string): Promise<void> => {
    const path = join(processingDir, name);
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (error) {
      // A file that cannot be read will not read better next time: one attempt, then failed/.
      onError(error, name);
      const report = unreadable(name, [
        {
          path: '(document)',
          code: 'unreadable_file',
          message: `the file could not be read: ${(error as Error).message}`,
        },
      ]);
      await file(name, report, failedDir).catch((moveError: unknown) => onError(moveError, name));
      return;
    }
    let report: BatchReport;
    try {
      report = await receiveBatchFile({ name, content });
    } catch (error) {
      onError(error, name);
      const attempts = (retries.get(name)?.attempts ?? 0) + 1;
      if (attempts >= maxAttempts) {
        retries.delete(name);
        const failed: BatchReport = {
          ...unreadable(name, [
            {
              path: '(document)',
              code: 'processing_failed',
              message: `processing failed ${attempts} times, last: ${(error as Error).message}. Orders already recorded stay recorded; move the file back into the inbox to finish it (identical orders are no-ops)`,
            },
          ]),
          status: 'failed',
        };
        await file(name, failed, failedDir).catch((moveError: unknown) => onError(moveError, name));
        return;
      }
      // Back to the inbox, to be retried after the backoff (a store outage passes; a bug does not).
      // A file of the same name may have arrived meanwhile: this one goes beside it, never over it.
      const retryName = await moveInWithoutReplacing(path, dir, name).catch((moveError: unknown) => {
        onError(moveError, name);
        return undefined;
      });
      retries.delete(name);
      if (retryName)
        retries.set(retryName, {
          attempts,
          notBefore: Date.now() + Math.min(pollMs * 2 ** attempts, 300_000),
        });
      return;
    }
    retries.delete(name);
    await file(name, report, report.status === 'processed' ? doneDir : failedDir);
  };

  /** Files a taken file in done/ or failed/, next to its report. */
  const file = async (name: string, report: BatchReport, targetDir: string): Promise<void> => {
    const path = join(processingDir, name);
    const targetName = await freeName(targetDir, name);
    // The report first: a crash before the move leaves the file in processing/, to be redone on start.
    const reportPath = join(targetDir, `${targetName}.report.json`);
    await writeFile(`${reportPath}.tmp`, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
    await rename(`${reportPath}.tmp`, reportPath);
    await rename(path, join(targetDir, targetName));
    onReport?.(report);
  };

  const poll = async (): Promise<void> => {
    const listing = new Map<string, string>();
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile() || !isOrderFile(entry.name)) continue;
      const info = await stat(join(dir, entry.name)).catch(() => undefined);
      if (info) listing.set(entry.name, `${info.size}:${info.mtimeMs}`);
    }
    const now = Date.now();
    const stable = [...listing]
      .filter(([name, signature]) => previousListing.get(name) === signature)
      .filter(([name]) => (retries.get(name)?.notBefore ?? 0) <= now)
      .map(([n]) => n);
    for (const name of stable) listing.delete(name);
    previousListing = listing;
    for (const name of stable.sort()) {
      if (stopped) return;
      try {
        await rename(join(dir, name), join(processingDir, name));
      } catch {
        continue; // taken or removed by someone else since the listing
      }
      // A taken file holds customers' data: owner-only, whatever mode its writer gave it.
      await chmod(join(processingDir, name), 0o600).catch(() => {});
      await processFile(name);
    }
  };

  const loop = (async () => {
    try {
      for (const name of (await readdir(processingDir)).filter(isOrderFile).sort()) {
        if (stopped) return;
        await processFile(name);
      }
    } catch (error) {
      onError(error, processingDir);
    }
    while (!stopped) {
      try {
        await poll();
      } catch (error) {
        onError(error, dir);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

function isOrderFile(name: string): boolean {
  return !name.startsWith('.') && orderFileExtensions.has(extname(name).toLowerCase());
}

/** `name`, or `name-2`, `name-3`… so a resent file of the same name never overwrites an earlier one. */
async function freeName(dir: string, name: string): Promise<string> {
  const extension = extname(name);
  const base = name.slice(0, name.length - extension.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${base}-${n}${extension}`;
    const taken = await Promise.all([candidate, `${candidate}.report.json`].map((f) => exists(join(dir, f))));
    if (!taken.some(Boolean)) return candidate;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const logger = serviceLogger('intake');

function defaultOnError(error: unknown, file: string): void {
  logger.error('inbox file failed', {
    file,
    error: error instanceof Error ? error : new Error(String(error)),
  });
}
