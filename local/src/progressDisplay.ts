import type { JobProgress } from './jobs';

/** Where progress goes: stderr, so stdout keeps only results (and --json stays parseable). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressDisplay {
  /** The latest progress: redraws the bar on a terminal, else a plain line now and then. */
  update(progress: JobProgress): void;
  /** A line of its own (the bar is cleared first and redrawn after). */
  note(line: string): void;
  /** Leaves the terminal on a fresh line. */
  end(): void;
}

const barWidth = 24;

/**
 * Progress of a long job, as a person or a log wants it: on a terminal one line redrawn in place
 * (`label [#########---------] 45% 1,234 events`), otherwise plain lines, one when something
 * changed and at most one every `plainEveryMs`, plus the last one.
 */
export function progressDisplay(
  stream: ProgressStream,
  label: string,
  options: { plainEveryMs?: number; now?: () => number } = {},
): ProgressDisplay {
  const now = options.now ?? (() => Date.now());
  const plainEveryMs = options.plainEveryMs ?? 2_000;
  let drawn = false;
  let last: JobProgress | undefined;
  let lastPlain = { at: Number.NEGATIVE_INFINITY, text: '' };
  const clear = () => {
    if (drawn) stream.write('\r\u001b[2K');
    drawn = false;
  };
  const draw = () => {
    if (!last) return;
    const line = `${label} ${bar(last)} ${describe(last)}`;
    // A pseudo-terminal may report 0 columns: then assume a usual width.
    const width = (stream.columns || 100) - 1;
    stream.write(`\r\u001b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    drawn = true;
  };
  return {
    update(progress) {
      last = progress;
      if (stream.isTTY) return draw();
      const text = `${label}: ${describe(progress)}`;
      const at = now();
      if (text === lastPlain.text || at - lastPlain.at < plainEveryMs) return;
      stream.write(`${text}\n`);
      lastPlain = { at, text };
    },
    note(line) {
      clear();
      stream.write(`${line}\n`);
      if (stream.isTTY) draw();
    },
    end() {
      if (stream.isTTY) {
        if (drawn) stream.write('\n');
        drawn = false;
        return;
      }
      const text = last ? `${label}: ${describe(last)}` : '';
      if (text && text !== lastPlain.text) stream.write(`${text}\n`);
    },
  };
}

function bar(progress: JobProgress): string {
  if (progress.total === undefined || progress.total <= 0) return '[…]';
  const share = Math.max(0, Math.min(1, progress.done / progress.total));
  const full = Math.round(share * barWidth);
  return `[${'#'.repeat(full)}${'-'.repeat(barWidth - full)}]`;
}

/** `45% · 1,234 events re-delivered`, `30% (12/40 files)`, `1,234 events`; unit '' shows the detail alone. */
export function describe(progress: JobProgress): string {
  const n = (value: number) => value.toLocaleString('en-US');
  let amount: string;
  if (progress.unit === '') return progress.detail ?? '';
  if (progress.unit === '%') amount = `${progress.done}%`;
  else if (progress.total === undefined) amount = `${n(progress.done)} ${progress.unit}`;
  else
    amount = `${Math.round((progress.done / Math.max(1, progress.total)) * 100)}% (${n(progress.done)}/${n(progress.total)} ${progress.unit})`;
  return progress.detail ? `${amount} · ${progress.detail}` : amount;
}
