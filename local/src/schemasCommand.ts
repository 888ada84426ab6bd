import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SchemasClient } from '@aws-sdk/client-schemas';
import { eventDefinitions, upcasters } from '@mtd/contracts';
import { checkCatalogue } from '@mtd/contracts/compatibility';
import { defaultSnapshotDir, readSnapshot, snapshotPathOf } from '@mtd/contracts/schemaSnapshots';
import { awsSchemaRegistry, diffRegistry, localSchemaRegistry, schemaNameOf } from '@mtd/platform';

export const schemasUsage = `mtd schemas check                the compatibility gate: committed snapshots, upcasters, BACKWARD_TRANSITIVE
mtd schemas export [--out DIR]   every committed snapshot as <detailType>.v<N>.json (default DATA/schemas-export)
mtd schemas diff --registry NAME [--local DIR]   what differs from the registered versions
mtd schemas push --registry NAME [--local DIR]   register every snapshot that is missing or different
  (AWS EventBridge Schema Registry NAME with the usual AWS credentials; --local DIR: a file registry)`;

export interface SchemasCommandOptions {
  /** The committed snapshots; `contracts/schemas` by default. */
  snapshotDir?: string;
  /** Where a relative `--out` is resolved; the directory `mtd` was started from by default. */
  cwd?: string;
  /**
   * Where `export` writes without `--out`. The CLI passes `DATA/schemas-export` (`.mtd/` is ignored
   * by git), so an export never litters the folder it was typed in; `<cwd>/schemas-export` otherwise.
   */
  defaultOut?: string;
}

/**
 * `mtd schemas …`: `check` runs the contracts' compatibility gate and prints each problem;
 * `export` copies every committed snapshot out (e.g. for a registry or a partner). Returns the
 * exit code: 0 when all is well, 1 on problems or a usage error.
 *
 * @example await schemasCommand(['check'], { log: console.log }) // 'schemas check: 12 schemas, 0 problems'
 */
export async function schemasCommand(
  args: string[],
  io: { log(line: string): void },
  options: SchemasCommandOptions = {},
): Promise<number> {
  const snapshotDir = options.snapshotDir ?? defaultSnapshotDir;
  const cwd = options.cwd ?? process.env.INIT_CWD ?? process.cwd();
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.log(`${(error as Error).message}\n${schemasUsage}`);
    return 1;
  }
  const [subcommand, ...rest] = parsed.positionals;
  if (rest.length > 0) {
    io.log(`unexpected arguments: ${rest.join(' ')}\n${schemasUsage}`);
    return 1;
  }
  switch (subcommand) {
    case 'check': {
      const problems = checkCatalogue({ definitions: eventDefinitions, upcasters, snapshotDir });
      for (const problem of problems) io.log(problem.message);
      io.log(
        `schemas check: ${eventDefinitions.length} schemas, ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      );
      return problems.length === 0 ? 0 : 1;
    }
    case 'export': {
      const out = parsed.values.out
        ? resolve(cwd, parsed.values.out)
        : (options.defaultOut ?? resolve(cwd, 'schemas-export'));
      const missing = eventDefinitions.filter((definition) => !readSnapshot(snapshotDir, definition));
      if (missing.length > 0) {
        for (const d of missing)
          io.log(`${d.detailType} v${d.version}: no committed snapshot (run mtd schemas check)`);
        return 1;
      }
      mkdirSync(out, { recursive: true });
      for (const definition of eventDefinitions) {
        const file = join(out, `${definition.detailType}.v${definition.version}.json`);
        writeFileSync(file, readFileSync(snapshotPathOf(snapshotDir, definition), 'utf8'));
      }
      io.log(`schemas export: ${eventDefinitions.length} schemas written to ${out}`);
      return 0;
    }
    case 'diff':
    case 'push': {
      const registryName = parsed.values.registry;
      if (!registryName) {
        io.log(`mtd schemas ${subcommand} needs --registry NAME\n${schemasUsage}`);
        return 1;
      }
      const registry = parsed.values.local
        ? localSchemaRegistry({ dir: resolve(cwd, parsed.values.local), registryName })
        : awsSchemaRegistry({ client: new SchemasClient({}), registryName });
      const snapshots = eventDefinitions.map((definition) => ({
        schemaName: schemaNameOf(definition),
        content: readFileSync(snapshotPathOf(snapshotDir, definition), 'utf8'),
        description: `${definition.detailType} v${definition.version}: ${definition.description}`,
      }));
      if (subcommand === 'push') await registry.ensureRegistry();
      const diffs = await diffRegistry(registry, snapshots);
      for (const diff of diffs) if (diff.status !== 'same') io.log(`${diff.schemaName}: ${diff.status}`);
      const pending = diffs.filter((d) => d.status !== 'same');
      if (subcommand === 'diff') {
        io.log(
          `schemas diff ${registryName}: ${snapshots.length} schemas, ${pending.length} differ from the registry`,
        );
        return pending.length === 0 ? 0 : 1;
      }
      for (const diff of pending) {
        const snapshot = snapshots.find((s) => s.schemaName === diff.schemaName)!;
        const { version } = await registry.put(snapshot.schemaName, snapshot.content, snapshot.description);
        io.log(`${snapshot.schemaName}: registered as version ${version}`);
      }
      io.log(
        `schemas push ${registryName}: ${pending.length} registered, ${snapshots.length - pending.length} unchanged`,
      );
      return 0;
    }
    default:
      io.log(
        `${subcommand === undefined ? 'missing subcommand' : `unknown subcommand ${subcommand}`}\n${schemasUsage}`,
      );
      return 1;
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { out: { type: 'string' }, registry: { type: 'string' }, local: { type: 'string' } },
  });
}
