import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { moveInWithoutReplacing } from '@mtd/platform';
import { type BatchReportCounts, batchCounts, batchRefusedSomething } from '../batchSummary';
import { type Cli, fileProblem } from '../cliContext';
import { CliUsageError, ExitCode, RuntimeUnavailableError } from '../cliErrors';
import { readLocalIntakeKey } from '../localIntakeKey';
import type { ProgressDisplay } from '../progressDisplay';
import { processIsAlive } from '../runtimeClient';
import type { CommandGroup } from './commandGroup';

/** What the inbox writes next to a processed batch (the intake's BatchReport, the fields shown here). */
type BatchReportSummary = BatchReportCounts & { file: string };

/**
 * `mtd send <file>...`: single orders go to `POST /orders`; a batch (`<PurchaseOrders>`, or JSON
 * `[…]` / `{"orders": […]}`) is placed in the inbox, exactly as a partner's file drop, and the CLI
 * follows it until the runtime has written its report (`--no-wait` only places it).
 */
export const send: CommandGroup = {
  register(program, cli) {
    program
      .command('send')
      .description('send order files: one order per file over HTTP; a batch file through the inbox')
      .argument('<files...>', 'order files (XML or JSON)')
      .option('--no-wait', 'place batch files in the inbox without waiting for their report')
      .option('--json', 'one JSON object per file')
      .action(async (files, options) => {
        // Every file is read before anything is sent: a typo in the third name must not leave the
        // first two sent and the command half done.
        const bodies = files.map((typed) => readOrderFile(typed, cli.path(typed)));
        const runtime = cli.runtime();
        // The intake API wants a partner key: MTD_API_KEY, else the local key MTD saved at its start.
        const apiKey = readLocalIntakeKey(cli.dataDir(), cli.io.env);
        const display = cli.io.stderr.isTTY && files.length > 1 ? cli.progress('send') : undefined;
        const say = (line: string) => (display ? display.note(line) : cli.log(line));
        let refused = 0;
        for (const [i, typed] of files.entries()) {
          display?.update({ done: i, total: files.length, unit: 'files', detail: typed });
          const file = cli.path(typed);
          const body = bodies[i]!;
          if (isBatch(body)) {
            const report = await placeBatch(cli, typed, file, runtime.location, options.wait, display);
            if (!report) continue;
            if (batchRefusedSomething(report)) refused++;
            if (options.json) cli.print({ ...report, file: typed });
            else say(`${typed}: batch of ${report.total}: ${batchCounts(report)}`);
            continue;
          }
          const response = await runtime.send(
            '/orders',
            {
              method: 'POST',
              body,
              contentType: contentTypeOf(file, body),
              auth: false,
            },
            apiKey ? { 'x-api-key': apiKey } : {},
          );
          const result = (await response.json().catch(() => ({}))) as Record<string, unknown>;
          if (response.status >= 400) refused++;
          if (options.json) cli.print({ file: typed, status: response.status, ...result });
          else say(`${typed}: ${response.status} ${JSON.stringify(result)}`);
        }
        display?.update({ done: files.length, total: files.length, unit: 'files' });
        display?.end();
        if (refused > 0) process.exitCode = ExitCode.failed;
      });
  },
};

function readOrderFile(typed: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === 'EISDIR'
        ? 'it is a folder; name the order files in it'
        : fileProblem(error, 'read');
    throw new CliUsageError(`cannot read ${typed}: ${why}; nothing was sent`, { cause: error });
  }
}

/** The file's extension says its format; only a file without .xml or .json is judged by its first character. */
function contentTypeOf(file: string, body: string): string {
  const extension = extname(file).toLowerCase();
  if (extension === '.xml') return 'application/xml';
  if (extension === '.json') return 'application/json';
  return body.trimStart().startsWith('<') ? 'application/xml' : 'application/json';
}

function isBatch(body: string): boolean {
  return /<PurchaseOrders[\s>]/.test(body) || /^\s*(\[|\{\s*"orders")/.test(body);
}

/**
 * Places a batch in the inbox (written as `.tmp`, then renamed: the watcher never reads half a
 * file) and, with `wait`, follows it until its report appears in `done/` (or `failed/`).
 */
async function placeBatch(
  cli: Cli,
  typed: string,
  file: string,
  location: { inbox: string; pid?: number },
  wait: boolean,
  filesDisplay: ProgressDisplay | undefined,
): Promise<BatchReportSummary | undefined> {
  const { inbox } = location;
  const reportDirs = [join(inbox, 'done'), join(inbox, 'failed')];
  const before = new Set(reportDirs.flatMap((dir) => reports(dir)));
  // A dotfile the watcher never looks at, unique to this process: two sends of a.xml do not meet here.
  const staging = join(inbox, `.${basename(file)}.${process.pid}.tmp`);
  await copyFile(file, staging);
  await chmod(staging, 0o600); // copyFile keeps the source's mode
  const name = await moveInWithoutReplacing(staging, inbox, basename(file));
  if (!wait) {
    const as = name === basename(file) ? '' : ` as ${name} (a file of that name waits there still)`;
    const line = `${typed}: batch placed in the inbox${as}; its report will be in ${join(inbox, 'done')}`;
    if (filesDisplay) filesDisplay.note(line);
    else cli.log(line);
    return undefined;
  }
  const display = filesDisplay ?? cli.progress(`send ${typed}`);
  const detail = () =>
    existsSync(join(inbox, 'processing', name)) ? 'MTD is recording its orders' : "waiting for MTD's inbox";
  for (;;) {
    for (const path of reportDirs.flatMap((dir) => reports(dir))) {
      if (before.has(path)) continue;
      const report = readReport(path);
      if (report?.file === name) {
        if (!filesDisplay) display.end();
        return report;
      }
    }
    if (processIsAlive(location.pid) === false)
      throw new RuntimeUnavailableError(
        `MTD stopped before it took ${typed} from the inbox; it is taken at the next start`,
        ExitCode.runtimeUnavailable,
      );
    if (!filesDisplay) display.update({ done: 0, unit: '', detail: detail() });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function reports(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.report.json'))
    .map((f) => join(dir, f));
}

function readReport(path: string): BatchReportSummary | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as BatchReportSummary;
  } catch {
    return undefined; // being written: the next look reads it
  }
}
