import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertSchemaJson,
  type SchemaRegistry,
  SchemaRegistryError,
  sameSchemaContent,
} from './schemaRegistry';

/** Names become directories: no separators, no `.`/`..`. Covers `mtd.intake@OrderReceived.v2`. */
const safeName = /^(?!\.{1,2}$)[A-Za-z0-9@._-]+$/;
const versionFile = /^([1-9][0-9]*)\.json$/;

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * The schema registry of the local runtime: `dir/<registryName>/<schemaName>/<version>.json`,
 * versions '1', '2', … as in the EventBridge Schema Registry, so `schema check` behaves the same
 * against both. A version file is written once and never changed (created by a hard link, which
 * fails if the version exists), so two writers racing cannot overwrite each other's version.
 */
export function localSchemaRegistry(options: { dir: string; registryName?: string }): SchemaRegistry {
  const { dir, registryName = 'mtd' } = options;
  if (!safeName.test(registryName)) throw new RangeError(`unsafe registry name: ${registryName}`);
  const registryDir = join(dir, registryName);

  const fail = (operation: string, schemaName: string | undefined, reason: string, cause?: unknown) =>
    new SchemaRegistryError(
      registryName,
      operation,
      schemaName,
      reason,
      cause === undefined ? undefined : { cause },
    );

  const schemaDir = (operation: string, schemaName: string) => {
    if (!safeName.test(schemaName))
      throw fail(operation, schemaName, 'the name may hold only A-Z a-z 0-9 @ . _ -');
    return join(registryDir, schemaName);
  };

  async function latest(schemaName: string): Promise<{ version: string; content: string } | undefined> {
    const path = schemaDir('latest', schemaName);
    try {
      const versions = (await readdir(path)).flatMap((file) => {
        const match = versionFile.exec(file);
        return match?.[1] ? [Number(match[1])] : [];
      });
      if (versions.length === 0) return undefined;
      const version = String(Math.max(...versions));
      return { version, content: await readFile(join(path, `${version}.json`), 'utf8') };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw fail('latest', schemaName, (error as Error).message, error);
    }
  }

  return {
    async ensureRegistry() {
      try {
        await mkdir(registryDir, { recursive: true });
      } catch (error) {
        throw fail('ensureRegistry', undefined, (error as Error).message, error);
      }
    },

    latest,

    async put(schemaName, content, description) {
      const path = schemaDir('put', schemaName);
      assertSchemaJson(registryName, schemaName, content);
      try {
        if (!(await stat(registryDir)).isDirectory()) throw new Error(`${registryDir} is not a directory`);
      } catch (error) {
        throw fail('put', schemaName, 'the registry does not exist (ensureRegistry first)', error);
      }
      const current = await latest(schemaName);
      if (current && sameSchemaContent(current.content, content)) {
        return { version: current.version, changed: false };
      }
      const version = String(current ? Number(current.version) + 1 : 1);
      const temporary = join(path, `.${version}.${randomUUID()}.tmp`);
      try {
        await mkdir(path, { recursive: true });
        await writeFile(temporary, content, 'utf8');
        await link(temporary, join(path, `${version}.json`));
        if (description !== undefined) await writeFile(join(path, 'description.txt'), description, 'utf8');
      } catch (error) {
        const reason = isErrno(error, 'EEXIST')
          ? `version ${version} was written by someone else meanwhile`
          : (error as Error).message;
        throw fail('put', schemaName, reason, error);
      } finally {
        // The temporary file may never have been written; its absence is the goal, not an error.
        await unlink(temporary).catch(() => undefined);
      }
      return { version, changed: true };
    },
  };
}
