import type { BatchReport } from '@mtd/intake';

/** What a batch summary reads of the intake's report (as `mtd send` reads it back from `done/`). */
export type BatchReportCounts = Pick<
  BatchReport,
  'status' | 'total' | 'accepted' | 'rejected' | 'duplicates' | 'conflicts' | 'unidentified' | 'refused'
>;

/**
 * A batch's outcome in one line, for `mtd send` and the runtime's own log. The three counts every
 * batch has always come first (scripts read them); conflicts, orders without a usable id and orders
 * too large are added only when there are some, and a file that was not processed says so.
 *
 * @example batchCounts(report) // "1 accepted, 1 rejected, 0 duplicates, 2 without a usable id (not recorded)"
 */
export function batchCounts(report: BatchReportCounts): string {
  const extra = (
    [
      [report.conflicts, 'conflicts'],
      [report.unidentified, 'without a usable id (not recorded)'],
      [report.refused, 'too large (not recorded)'],
    ] as const
  )
    .filter(([count]) => count > 0)
    .map(([count, what]) => `, ${count} ${what}`)
    .join('');
  const status =
    report.status === 'unreadable'
      ? ' (unreadable: nothing recorded)'
      : report.status === 'failed'
        ? " (failed: MTD gave up on it; the file and its report are in the inbox's failed/)"
        : '';
  return `${report.accepted} accepted, ${report.rejected} rejected, ${report.duplicates} duplicates${extra}${status}`;
}

/** Anything in the file rejected, in conflict or not recorded: `mtd send` exits 1 for it. */
export function batchRefusedSomething(report: BatchReportCounts): boolean {
  return (
    report.status !== 'processed' ||
    report.rejected + report.conflicts + report.unidentified + report.refused > 0
  );
}
