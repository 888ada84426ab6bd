import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventDefinitions } from '@mtd/contracts';
import { defaultSnapshotDir, snapshotPathOf } from '@mtd/contracts/schemaSnapshots';
import { afterEach, describe, expect, it } from 'vitest';
import { schemasCommand } from './schemasCommand';

const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtd-schemas-command-'));
  temps.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], options: Parameters<typeof schemasCommand>[2] = {}) {
  const lines: string[] = [];
  const code = await schemasCommand(args, { log: (line) => lines.push(line) }, options);
  return { code, lines };
}

describe('mtd schemas', () => {
  it('check prints each problem and exits 1, naming event, version and field', async () => {
    const snapshotDir = tempDir();
    cpSync(defaultSnapshotDir, snapshotDir, { recursive: true });
    const accepted = eventDefinitions.find((d) => d.detailType === 'OrderAccepted')!;
    const path = snapshotPathOf(snapshotDir, accepted);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"maxLength": 64', '"maxLength": 65'));

    const { code, lines } = await run(['check'], { snapshotDir });

    expect(code).toBe(1);
    expect(
      lines.some((l) => l.startsWith('OrderAccepted v1: field data.order.customer.id: constraint tightened')),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^schemas check: ${eventDefinitions.length} schemas, \\d+ problems?$`),
    );
  });

  it('check reports missing snapshots', async () => {
    const { code, lines } = await run(['check'], { snapshotDir: tempDir() });
    expect(code).toBe(1);
    expect(lines.filter((l) => l.includes('snapshot-missing'))).toHaveLength(eventDefinitions.length);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^schemas check: ${eventDefinitions.length} schemas, \\d+ problems$`),
    );
  });

  it('check on the committed snapshots prints one line per problem and a count that matches its exit code', async () => {
    const { code, lines } = await run(['check']);
    const problems = lines.slice(0, -1);
    for (const line of problems) expect(line).toMatch(/^[A-Z][A-Za-z]+ v\d+: field \S+: /);
    expect(lines.at(-1)).toBe(
      `schemas check: ${eventDefinitions.length} schemas, ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    );
    expect(code).toBe(problems.length === 0 ? 0 : 1);
  });

  it('export writes every committed snapshot as <detailType>.v<N>.json', async () => {
    const cwd = tempDir();
    const { code, lines } = await run(['export', '--out', 'out'], { cwd });
    expect(code).toBe(0);
    const files = readdirSync(join(cwd, 'out')).sort();
    expect(files).toHaveLength(eventDefinitions.length);
    expect(files).toContain('OrderReceived.v1.json');
    expect(files).toContain('OrderReceived.v2.json');
    expect(readFileSync(join(cwd, 'out', 'OrderReceived.v2.json'), 'utf8')).toBe(
      readFileSync(join(defaultSnapshotDir, 'OrderReceived', 'v2.json'), 'utf8'),
    );
    expect(lines).toEqual([
      `schemas export: ${eventDefinitions.length} schemas written to ${join(cwd, 'out')}`,
    ]);
  });

  it('export defaults to defaultOut (else ./schemas-export) and refuses when a snapshot is missing', async () => {
    const cwd = tempDir();
    expect((await run(['export'], { cwd })).code).toBe(0);
    expect(readdirSync(join(cwd, 'schemas-export'))).toHaveLength(eventDefinitions.length);
    const dataDir = tempDir();
    expect((await run(['export'], { cwd, defaultOut: join(dataDir, 'schemas-export') })).lines).toEqual([
      `schemas export: ${eventDefinitions.length} schemas written to ${join(dataDir, 'schemas-export')}`,
    ]);
    const missing = await run(['export'], { cwd, snapshotDir: tempDir() });
    expect(missing.code).toBe(1);
    expect(missing.lines[0]).toBe('OrderReceived v1: no committed snapshot (run mtd schemas check)');
  });

  it('explains its usage on a missing or unknown subcommand or option', async () => {
    for (const args of [[], ['frobnicate'], ['export', '--nope'], ['check', 'extra']]) {
      const { code, lines } = await run(args);
      expect(code).toBe(1);
      expect(lines.join('\n')).toContain('mtd schemas check');
    }
  });
});
