/** The people's time zone of the one time-zone rule (the portal's too); the data keeps UTC. */
export const peopleTimeZone = 'America/Santiago';

/** A UTC instant as the API writes it (`2026-11-24T13:00:05.000Z`). */
const utcInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * `2026-11-24 10:00:05` for 2026-11-24T13:00:05Z in America/Santiago: the Swedish locale writes
 * ISO-like dates. Written here rather than imported from projection, whose index would load the
 * whole read side into every CLI start (0.1 s → 0.5-1 s measured).
 */
function clockTime(instant: string, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(
    new Date(instant),
  );
}

/**
 * A plain aligned text table for people; scripts use --json. The one time-zone rule: people read
 * instants on Santiago's wall clock, and a column holding instants says so in its header (the JSON
 * keeps the UTC instants).
 */
export function formatTable(
  rows: Record<string, unknown>[],
  columns: string[],
  format: Record<string, (value: unknown) => string> = {},
  timeZone = peopleTimeZone,
): string {
  if (rows.length === 0) return '(none)';
  const isInstant = (value: unknown): value is string => typeof value === 'string' && utcInstant.test(value);
  const cell = (row: Record<string, unknown>, column: string) => {
    const value = row[column];
    const text =
      format[column]?.(value) ??
      (value === undefined || value === null
        ? ''
        : isInstant(value)
          ? clockTime(value, timeZone)
          : String(value));
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  const headers = columns.map((c) =>
    !format[c] && rows.some((r) => isInstant(r[c])) ? `${c} (${timeZone})` : c,
  );
  const widths = columns.map((c, i) => Math.max(headers[i]!.length, ...rows.map((r) => cell(r, c).length)));
  const line = (cells: string[]) =>
    cells
      .map((text, i) => text.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(headers),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r, c)))),
  ].join('\n');
}
