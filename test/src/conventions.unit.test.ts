import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { eventDefinitions } from '@mtd/contracts';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

const production = ['platform', 'services', 'local']
  .flatMap((dir) => sourceFiles(join(root, dir)))
  .filter(
    (file) =>
      !/\.(unit|int|e2e)\.test\.ts$/.test(file) && !file.includes('/testing/') && !file.includes('/bench/'),
  );

describe('architecture conventions', () => {
  it('writes no event name as a string literal outside contracts/ (they are imported from the contract files)', () => {
    const names = [...new Set(eventDefinitions.map((d) => d.detailType))];
    const offenders = production.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return names
        .filter((name) => new RegExp(`['"\`]${name}['"\`]`).test(text))
        .map((name) => `${relative(root, file)}: "${name}"`);
    });
    expect(offenders).toEqual([]);
  });

  it('keeps every domain/ folder pure: no clock, no id generator, no randomness, no I/O', () => {
    const domainFiles = production.filter((file) => file.includes('/src/domain/'));
    expect(domainFiles.length).toBeGreaterThan(5);
    const forbidden = [
      /new Date\(\s*\)/,
      /Date\.now\(/,
      /Math\.random\(/,
      /\bulid\b|monotonicFactory/,
      /from ['"]node:(fs|http|https|net|child_process)/,
      /@aws-sdk\//,
      /\bfetch\(/,
      /process\.env/,
    ];
    const offenders = domainFiles.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return forbidden.filter((re) => re.test(text)).map((re) => `${relative(root, file)}: ${re}`);
    });
    expect(offenders).toEqual([]);
  });

  it('lets services import only contracts and the platform library, never another service', () => {
    const services = ['intake', 'dte', 'notification', 'projection', 'backoffice'];
    const offenders = production
      .filter((file) => file.includes('/services/'))
      .flatMap((file) => {
        const own = services.find((s) => file.includes(`/services/${s}/`));
        const text = readFileSync(file, 'utf8');
        return services
          .filter((s) => s !== own && new RegExp(`from ['"]@mtd/${s}['"]|services/${s}/`).test(text))
          .map((s) => `${relative(root, file)} imports ${s}`);
      });
    expect(offenders).toEqual([]);
  });

  it('keeps the back office out of projection: no auth, users, tokens, passwords or portal there', () => {
    const projectionDir = join(root, 'services', 'projection');
    const files = readdirSync(projectionDir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => !f.startsWith('node_modules') && !f.split('/').some((part) => part.startsWith('.')),
    );
    // No portal assets and no auth modules by name.
    expect(files.filter((f) => /(^|\/)(portal|web)(\/|$)|\.(html|css|js)$/.test(f))).toEqual([]);
    expect(
      files.filter((f) =>
        /accessPolicy|accessTokens|passwordHashing|dynamoUsers|signInThrottle|backofficeApi/.test(f),
      ),
    ).toEqual([]);
    // No code that signs or checks tokens, hashes passwords or reads a users table.
    const forbidden = [
      /from ['"]jose['"]/,
      /\bscrypt\b/,
      /backofficeUsers|usersTable/i,
      /Authorization|Bearer/,
    ];
    const offenders = production
      .filter((file) => file.includes('/services/projection/'))
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        return forbidden.filter((re) => re.test(text)).map((re) => `${relative(root, file)}: ${re}`);
      });
    expect(offenders).toEqual([]);
  });

  it("lets the back office read projection's read models only through its query API, never its tables", () => {
    const backofficeFiles = production.filter((file) => file.includes('/services/backoffice/'));
    expect(backofficeFiles.length).toBeGreaterThan(5);
    // Projection's table names, its tables' definitions and its adapters are projection's alone.
    const forbidden = [
      /projection-(orders|timeline)|ORDERS_TABLE|TIMELINE_TABLE/,
      /projectionTables|DynamoOrderViews|DynamoTimeline/,
    ];
    const offenders = backofficeFiles.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return forbidden.filter((re) => re.test(text)).map((re) => `${relative(root, file)}: ${re}`);
    });
    expect(offenders).toEqual([]);
  });
});
