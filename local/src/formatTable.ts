/** A plain aligned text table for people; scripts use --json. */
export function formatTable(
  rows: Record<string, unknown>[],
  columns: string[],
  format: Record<string, (value: unknown) => string> = {},
): string {
  if (rows.length === 0) return '(none)';
  const cell = (row: Record<string, unknown>, column: string) => {
    const value = row[column];
    const text = format[column]?.(value) ?? (value === undefined || value === null ? '' : String(value));
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (cells: string[]) =>
    cells
      .map((text, i) => text.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r, c)))),
  ].join('\n');
}
