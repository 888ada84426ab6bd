import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  failureOf,
  notRunSections,
  type ReadmeResult,
  readmeCommands,
  repoRoot,
  runReadme,
  tourEnvironment,
} from '../../scripts/readmeTour.mjs';

/** What each README command must print: one entry per command, exactly as the README writes it. */
const expectations: Record<string, (result: ReadmeResult, dataDir: string) => void> = {
  'npm start': (r, dataDir) => {
    expect(r.stdout).toContain('MTD is running.');
    expect(r.stdout).toContain(`Inbox (batches) ${join(dataDir, 'inbox')}`);
    expect(r.stdout).toMatch(/^MTD stopped\.$/m);
  },
  'npx mtd login': (r) =>
    expect(r.stdout).toMatch(/^signed in as admin \(admin\) until \S+; renews itself until \S+\n$/),
  'npx mtd send examples/order.xml examples/order.json': (r) =>
    expect(r.stdout).toBe(
      'examples/order.xml: 202 {"orderId":"PO-1001","status":"accepted"}\n' +
        'examples/order.json: 202 {"orderId":"PO-1002","status":"accepted"}\n',
    ),
  'npx mtd orders --stage completed': (r) => {
    expect(r.stdout).toMatch(/^orderId\s+stage\s+folio/m);
    expect(r.stdout).toMatch(/^PO-1001\s+completed/m);
    expect(r.stdout).toMatch(/^PO-1002\s+completed/m);
  },
  'npx mtd trace PO-1001': (r) => {
    expect(r.stdout).toMatch(/^PO-1001: completed$/m);
    // The time column is Santiago's wall clock: a date, a space, a time.
    for (const type of ['OrderReceived', 'OrderAccepted', 'DteIssued', 'DteBroadcast', 'CustomerNotified'])
      expect(r.stdout).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\s+${type}\\s`, 'm'));
  },
  'npx mtd send examples/batch.xml': (r) =>
    expect(r.stdout).toBe('examples/batch.xml: batch of 2: 1 accepted, 1 rejected, 0 duplicates\n'),
  'npx mtd stats': (r) => {
    expect(r.stdout).toMatch(/^received\s+4$/m);
    expect(r.stdout).toMatch(/^accepted\s+3$/m);
    expect(r.stdout).toMatch(/^rejected\s+1$/m);
  },
  'npx mtd dlq list': (r) => expect(r.stdout).toBe('(none)\n'),
  'npx mtd replay --from 2026-11-24T00:00:00Z --to 2099-01-01T00:00:00Z': (r) => {
    expect(r.stdout).toMatch(
      /^replay-\S+: 2026-11-24T00:00:00\.000Z \.\. 2099-01-01T00:00:00\.000Z in \d+ ms$/m,
    );
    expect(r.stdout).toMatch(/^ {2}issueDteOnOrderAccepted\s+3 events$/m);
    expect(r.stderr).toMatch(/: 100% · \d+ events re-delivered$/m);
  },
  'npx mtd projections rebuild': (r) =>
    expect(r.stdout).toMatch(/^projections v2 active: \d+ events at \d+ events\/s\n$/),
  'npx mtd jobs list': (r) => {
    expect(r.stdout).toMatch(/^projections-rebuild-\S+\s+projections-rebuild\s+done\s/m);
    expect(r.stdout).toMatch(/^replay-\S+\s+replay\s+done\s/m);
  },
  'npx mtd users add ana --role analyst': (r) =>
    expect(r.stdout).toMatch(/^created ana \(analyst\); password \(shown once\): \S{24}\n$/),
  'npx mtd partners add web': (r) =>
    expect(r.stdout).toMatch(
      /^added partner web: 10 requests\/s, burst 20, 20000 requests per UTC day\nAPI key \(shown once; send it as the x-api-key header\): mtdk_[\w-]{43}\n$/,
    ),
  'npx mtd rules test examples/pattern.json examples/event.json': (r) => expect(r.stdout).toBe('match\n'),
  'npx mtd schemas check': (r) => expect(r.stdout).toMatch(/^schemas check: \d+ schemas, 0 problems\n$/),
  'npx mtd schemas export': (r, dataDir) => {
    // Into the data folder, never the folder it was typed in (the repository root here).
    const out = join(dataDir, 'schemas-export').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(r.stdout).toMatch(new RegExp(`^schemas export: \\d+ schemas written to ${out}\n$`));
  },
  'npm start -- --demo': (r) => {
    expect(r.stdout).toMatch(/^demo: sent \d+, accepted \d+/m);
    expect(r.stdout).toMatch(/^SIGINT: stopping/m);
    expect(r.stdout).toMatch(/^MTD stopped\.$/m);
  },
  'npx mtd schemas push --registry mtd-dev-events': (r) => {
    expect(r.stderr).toContain('mtd schemas push --registry mtd-dev-events needs an AWS account');
    expect(r.stderr).toContain('use a file registry: mtd schemas push --registry mtd-dev-events --local DIR');
  },
  'npx mtd replay --stage dev --from 2026-11-24T00:00:00Z --to 2026-11-25T00:00:00Z': (r) =>
    expect(r.stderr).toContain('mtd replay --stage dev needs an AWS account'),
};

/** Reads that show work in progress: run again until they show it done (as a person re-reads). */
const readsOfProgress = new Set([
  'npx mtd orders --stage completed',
  'npx mtd trace PO-1001',
  'npx mtd dlq list',
]);

describe("the README's commands, as written, against a running MTD", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-readme-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const commands = readmeCommands(readme);
  const run = commands.filter((c) => !(c.section in notRunSections));

  it('has an expectation for every command it runs, and runs every command outside the development section', () => {
    expect(run.map((c) => c.command).sort()).toEqual(Object.keys(expectations).sort());
    // The development section's commands are what CI runs itself (.ci/run), except the bench.
    const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
    const development = commands.filter((c) => c.section in notRunSections).map((c) => c.command);
    expect(development).toEqual([
      'npm test',
      'npm run lint',
      'npm run bench -- --orders 5000',
      'npm run synth',
      'npm run test:cloud',
    ]);
    for (const command of ['npm test', 'npm run lint', 'npm run synth', 'npm run test:cloud'])
      expect(ci).toMatch(new RegExp(`^${command}\\b`, 'm'));
  });

  it('each exits as the README says and prints what it shows; each npm start stops cleanly on Ctrl-C', async () => {
    const results = await runReadme(run, {
      env: tourEnvironment(dataDir),
      readyMs: 300_000,
      settled: (result) => {
        if (!readsOfProgress.has(result.command)) return true;
        try {
          expectations[result.command]!(result, dataDir);
          return true;
        } catch {
          return false;
        }
      },
    });
    expect(results.map((r) => r.command).sort()).toEqual(run.map((c) => c.command).sort());
    for (const result of results) {
      const where = `README.md:${result.line} ${result.command}`;
      expect(failureOf(result), `${where}\n${result.stdout}${result.stderr}`).toBeUndefined();
      if (!result.server && result.expectedExit === 0)
        expect(result.stderr.replace(/^.*: \d+%.*\n/gm, ''), where).toBe('');
      expectations[result.command]!(result, dataDir);
      if (result.server) expect(result.ms, `${where}: stop took`).toBeLessThan(10_000);
    }
  }, 900_000);
});
