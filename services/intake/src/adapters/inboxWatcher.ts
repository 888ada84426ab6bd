import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { BatchFile, BatchReport } from '#handlers/receiveOrdersFromBatchFile';

export interface InboxWatcherOptions {
  /** The inbox; `processing/`, `done/` and `failed/` are created inside it. */
  dir: string;
  receiveBatchFile: (file: BatchFile) => Promise<BatchReport>;
  /** How often the inbox is listed; a file is taken once its size and mtime held across two listings. */
  pollMs?: number;
  onReport?: (report: BatchReport) => void;
  /** A file whose processing threw (a store outage): it goes back to the inbox and is retried later. */
  onError?: (error: unknown, file: string) => void;
}

export interface InboxWatcher {
  /** Stops polling and resolves once the file in flight (if any) is finished. */
  stop(): Promise<void>;
}

const orderFileExtensions = new Set(['.xml', '.json']);

/**
 * Watches a directory for batch files (`*.xml`, `*.json`).
 *
 * Convention for writers: write `name.xml.tmp` (or anywhere outside the inbox) and rename it to
 * `name.xml` when complete. Renames are atomic; as a second guard, a file is only taken once its
 * size and mtime are unchanged across two polls, so a file copied in slowly is not read half-written.
 *
 * A taken file moves to `processing/`, then to `done/` with `done/<name>.report.json`; a file that
 * cannot be read as orders at all goes to `failed/` with its report. On start, anything left in
 * `processing/` by a crash is processed again first: safe, because identical resends are no-ops.
 */
export async function startInboxWatcher(options: InboxWatcherOptions): Promise<InboxWatcher> {
  const { dir, receiveBatchFile, pollMs = 1000, onReport, onError = defaultOnError } = options;
  const processingDir = join(dir, 'processing');
  const doneDir = join(dir, 'done');
  const failedDir = join(dir, 'failed');
  await Promise.all([processingDir, doneDir, failedDir].map((d) => mkdir(d, { recursive: true })));

  let stopped = false;
  let wake: (() => void) | undefined;
  let previousListing = new Map<string, string>();

  const processFile = async (name: string): Promise<void> => {
    const path = join(processingDir, name);
    let report: BatchReport;
    try {
      const content = await readFile(path);
      report = await receiveBatchFile({ name, content });
    } catch (error) {
      onError(error, name);
      // Back to the inbox: it is retried after the stability wait, which paces retries during an outage.
      await rename(path, join(dir, name)).catch((moveError: unknown) => onError(moveError, name));
      return;
    }
    const targetDir = report.status === 'unreadable' ? failedDir : doneDir;
    const targetName = await freeName(targetDir, name);
    // The report first: a crash before the move leaves the file in processing/, to be redone on start.
    const reportPath = join(targetDir, `${targetName}.report.json`);
    await writeFile(`${reportPath}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
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
    const stable = [...listing]
      .filter(([name, signature]) => previousListing.get(name) === signature)
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

function defaultOnError(error: unknown, file: string): void {
  console.error(`intake inbox: ${file} failed`, error);
}
