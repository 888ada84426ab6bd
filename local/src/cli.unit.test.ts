import { describe, expect, it } from 'vitest';
import { runCli, terminalSafe } from './cli';

describe('mtd error messages on a terminal', () => {
  it('write control and format characters as escapes, keeping line breaks and tabs', () => {
    expect(terminalSafe('no order \u001b[31mred\u001b[0m here')).toBe('no order \\x1b[31mred\\x1b[0m here');
    expect(terminalSafe('id \u202egnp.exe \u0085 \u200b')).toBe('id \\u{202e}gnp.exe \\x85 \\u{200b}');
    expect(terminalSafe('two\nlines\tand a tab, ñandú, 価格')).toBe('two\nlines\tand a tab, ñandú, 価格');
  });

  it('never print a raw escape character that came in with what was typed', async () => {
    let stderr = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      cwd: process.cwd(),
    };
    const code = await runCli(['orders', '--url', 'http\u001b]0;pwned\u0007://x'], io);
    expect(code).toBe(2);
    expect(stderr).toContain('--url (or MTD_URL) must be an http(s) URL');
    expect(stderr).toContain('http\\x1b]0;pwned\\x07://x');
    expect(stderr.includes('\u001b') || stderr.includes('\u0007')).toBe(false);
  });
});
