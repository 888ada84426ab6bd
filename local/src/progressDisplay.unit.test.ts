import { describe, expect, it } from 'vitest';
import { describe as describeProgress, progressDisplay } from './progressDisplay';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 80, write: (text: string) => writes.push(text) };
}

describe('progress of a long job', () => {
  it('redraws one line with a bar on a terminal, and leaves it on a fresh line at the end', () => {
    const out = stream(true);
    const display = progressDisplay(out, 'replay r-1');
    display.update({ done: 25, total: 100, unit: '%', detail: '10 events re-delivered' });
    display.note('MTD is busy');
    display.update({ done: 100, total: 100, unit: '%' });
    display.end();
    expect(out.writes).toEqual([
      '\r\u001b[2Kreplay r-1 [######------------------] 25% · 10 events re-delivered',
      '\r\u001b[2K',
      'MTD is busy\n',
      '\r\u001b[2Kreplay r-1 [######------------------] 25% · 10 events re-delivered',
      '\r\u001b[2Kreplay r-1 [########################] 100%',
      '\n',
    ]);
  });

  it('writes plain lines elsewhere: on change, at most one per interval, and always the last', () => {
    const out = stream(false);
    let now = 0;
    const display = progressDisplay(out, 'send', { plainEveryMs: 1000, now: () => now });
    display.update({ done: 1, total: 4, unit: 'files' });
    now = 500;
    display.update({ done: 2, total: 4, unit: 'files' }); // too soon
    now = 1500;
    display.update({ done: 2, total: 4, unit: 'files' });
    display.update({ done: 4, total: 4, unit: 'files' });
    display.end();
    expect(out.writes).toEqual([
      'send: 25% (1/4 files)\n',
      'send: 50% (2/4 files)\n',
      'send: 100% (4/4 files)\n',
    ]);
  });

  it('fits the line to the terminal, and takes a width of 0 (a pseudo-terminal without size) as unknown', () => {
    const narrow = { ...stream(true), columns: 30 };
    progressDisplay(narrow, 'projections-rebuild p-1').update({ done: 5, total: 100, unit: '%' });
    expect(narrow.writes).toEqual(['\r\u001b[2Kprojections-rebuild p-1 [#--…']);
    const unsized = { ...stream(true), columns: 0 };
    progressDisplay(unsized, 'replay r-1').update({ done: 0, total: 100, unit: '%' });
    expect(unsized.writes).toEqual(['\r\u001b[2Kreplay r-1 [------------------------] 0%']);
  });

  it('describes counts without a total, and a detail alone', () => {
    expect(describeProgress({ done: 1234, unit: 'events', detail: '800 events/s' })).toBe(
      '1,234 events · 800 events/s',
    );
    expect(describeProgress({ done: 0, unit: '', detail: "waiting for MTD's inbox" })).toBe(
      "waiting for MTD's inbox",
    );
  });
});
