import { describe, expect, it } from 'vitest';
import { rulesCommand } from './rulesCommand';

const files: Record<string, string> = {
  'pattern.json': JSON.stringify({
    source: [{ prefix: 'mtd.' }],
    detail: { data: { total: [{ numeric: ['>', 100] }] } },
  }),
  'bad.json': JSON.stringify({ source: [{ regex: 'x' }] }),
  'broken.json': '{ not json',
  'big.json': JSON.stringify({ source: ['mtd.intake'], detail: { data: { total: 250 } } }),
  'one-address.json': JSON.stringify({ detail: { clientIp: [{ cidr: '10.0.0.7/32' }] } }),
  'not-test.json': JSON.stringify({ source: [{ 'anything-but': { prefix: ['aws.', 'test.'] } }] }),
  'too-precise.json': '{ "detail": { "data": { "total": [{ "numeric": [">", 0.30000000000000001] }] } } }',
  'small.json': JSON.stringify({ source: ['mtd.intake'], detail: { data: { total: 5 } } }),
};

async function run(argv: string[], stdin = '') {
  const lines: string[] = [];
  const code = await rulesCommand(argv, {
    log: (line) => lines.push(line),
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
    readStdin: async () => stdin,
  });
  return { code, lines };
}

describe('mtd rules test', () => {
  it('answers match with exit 0', async () => {
    expect(await run(['test', 'pattern.json', 'big.json'])).toEqual({ code: 0, lines: ['match'] });
  });
  it('answers no match with exit 1', async () => {
    expect(await run(['test', 'pattern.json', 'small.json'])).toEqual({ code: 1, lines: ['no match'] });
  });
  it('answers invalid with the reason and exit 2', async () => {
    const { code, lines } = await run(['test', 'bad.json', 'big.json']);
    expect(code).toBe(2);
    expect(lines[0]).toMatch(/^invalid: .*Unrecognized match type regex/);
    expect((await run(['test', 'broken.json', 'big.json'])).lines[0]).toMatch(/^invalid: .*not JSON/);
  });
  it('refuses what EventBridge refuses, saying what and where', async () => {
    expect(await run(['test', 'one-address.json', 'big.json'])).toEqual({
      code: 2,
      lines: ['invalid: Event pattern is not valid at detail.clientIp.cidr: IPv4 mask bits must be < 32'],
    });
  });
  it('refuses a bound with more digits than a double holds, as event-ruler does', async () => {
    expect(await run(['test', 'too-precise.json', 'big.json'])).toEqual({
      code: 2,
      lines: [
        'invalid: Event pattern is not valid at detail.data.total.numeric: Cannot compare number : 0.30000000000000001',
      ],
    });
  });
  it('takes what EventBridge takes, such as anything-but with a list of prefixes', async () => {
    expect(await run(['test', 'not-test.json', 'big.json'])).toEqual({ code: 0, lines: ['match'] });
  });
  it('with --batch, answers one JSON line per input line', async () => {
    const input = [
      JSON.stringify({ pattern: { a: ['x'] }, event: { a: 'x' } }),
      JSON.stringify({ pattern: { a: ['x'] }, event: { a: 'y' } }),
      JSON.stringify({ pattern: { a: [{ numeric: ['>', 'one'] }] }, event: { a: 1 } }),
      '',
      'nope',
      JSON.stringify({ pattern: { a: ['x'] } }),
      JSON.stringify({ pattern: '{"a": [{"cidr": "10.0.0.0/8"}]}', event: '{"a": "10.1.2.3"}' }),
      JSON.stringify({ pattern: `{"a": ["${'x'.repeat(2050)}"]}`, event: '{}' }),
    ].join('\n');
    const { code, lines } = await run(['test', '--batch'], input);
    expect(code).toBe(0);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { match: true },
      { match: false },
      { error: expect.stringContaining('Value of > must be numeric') },
      { error: expect.stringContaining('line is not JSON') },
      { error: 'each line needs "pattern" and "event"' },
      { match: true },
      { error: expect.stringContaining('the maximum is 2048') },
    ]);
  });
});
