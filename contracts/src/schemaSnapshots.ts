import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { EventDefinition } from './envelope';

/** A JSON Schema document or sub-schema, as parsed JSON. */
export type JsonSchema = { [keyword: string]: unknown };

/** Where `id`s of the published snapshots point; the URL names the event and version. */
export const schemaBaseUrl = 'https://mtd.example.cl/schemas';

/** The committed snapshots: `contracts/schemas/<detailType>/v<version>.json`. */
export const defaultSnapshotDir = fileURLToPath(new URL('../schemas', import.meta.url));

type Versioned = Pick<EventDefinition, 'detailType' | 'version'>;

export function schemaIdOf(definition: Versioned): string {
  return `${schemaBaseUrl}/${definition.detailType}/v${definition.version}.json`;
}

export function snapshotPathOf(snapshotDir: string, definition: Versioned): string {
  return join(snapshotDir, definition.detailType, `v${definition.version}.json`);
}

/**
 * The JSON Schema of one published event version: the whole EventBridge `detail` (metadata + data),
 * which is what the Schema Registry sees and what consumers validate.
 *
 * Draft-04 rather than OpenApi3: those are the two types the EventBridge Schema Registry accepts,
 * and `OpenApi3` wants a whole document (`openapi`, `info`, `paths`, `components.schemas`) while
 * draft-04 is one self-contained schema per version, which is also what ajv (ajv-draft-04) checks
 * events against. In draft-04 the document's identity keyword is `id`; `$id` only exists from
 * draft-06 on and ajv's draft-04 strict mode refuses it as an unknown keyword.
 *
 * zod's `z.object` is closed in output mode: the schema says `additionalProperties: false`, so a
 * field that a newer version drops makes every old event carrying it invalid against the newer
 * schema. That is why removing a field, even an optional one, is a breaking change here.
 *
 * Keys come out in a canonical order (see {@link canonicalSchema}) so that reordering fields in a
 * zod object does not change a published snapshot.
 *
 * @example schemaOf(OrderReceivedV2).id // 'https://mtd.example.cl/schemas/OrderReceived/v2.json'
 */
export function schemaOf(definition: EventDefinition): JsonSchema {
  const generated = z.toJSONSchema(definition.detail, {
    target: 'draft-04',
    // zod adds a 500-character regex to every `z.iso.datetime()`; `format: date-time` says the same
    // to a reader, to the registry and to ajv-formats, and keeps the snapshots reviewable.
    override: (context) => {
      if (context.jsonSchema.format === 'date-time') delete context.jsonSchema.pattern;
    },
  }) as JsonSchema;
  return canonicalSchema({
    ...generated,
    id: schemaIdOf(definition),
    title: `${definition.detailType} v${definition.version}`,
    description: definition.description,
  });
}

// Keywords first in reading order (what it is, then its constraints, then its children); any
// other keyword follows alphabetically.
const keywordOrder = [
  '$schema',
  'id',
  'title',
  'description',
  'type',
  'enum',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'anyOf',
  'oneOf',
  'allOf',
];
const rank = (key: string) => {
  const index = keywordOrder.indexOf(key);
  return index === -1 ? keywordOrder.length : index;
};
const byKeyword = (a: string, b: string) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const schemaMaps = new Set(['properties', 'definitions', 'patternProperties']);
const schemaLists = new Set(['anyOf', 'oneOf', 'allOf']);

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A schema with keywords in a fixed order, property names sorted and `required` sorted (it is a
 * set). The result is the same however the zod source orders its fields.
 */
export function canonicalSchema(schema: JsonSchema): JsonSchema {
  const result: JsonSchema = {};
  for (const key of Object.keys(schema).sort(byKeyword)) {
    const value = schema[key];
    if (schemaMaps.has(key) && isObject(value)) {
      const map: JsonSchema = {};
      for (const name of Object.keys(value).sort(byName)) {
        const child = value[name];
        map[name] = isObject(child) ? canonicalSchema(child) : child;
      }
      result[key] = map;
    } else if (key === 'required' && Array.isArray(value)) {
      result[key] = [...value].sort();
    } else if (schemaLists.has(key) && Array.isArray(value)) {
      result[key] = value.map((child) => (isObject(child) ? canonicalSchema(child) : child));
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isObject(value)) {
      result[key] = canonicalSchema(value);
    } else {
      result[key] = value;
    }
  }
  return result;
}

const lineWidth = 110;

/**
 * The committed text of a snapshot: 2-space JSON with a trailing newline, laid out as the repo's
 * Biome formatter lays out JSON (objects expanded, short arrays of scalars on one line within 110
 * columns), so `biome check` accepts generated snapshots as they are written.
 */
export function formatSchemaJson(value: unknown): string {
  return `${printJson(value, 0, 0, false)}\n`;
}

function printJson(value: unknown, indent: number, column: number, comma: boolean): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => !isObject(item) && !Array.isArray(item))) {
      const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
      if (column + flat.length + (comma ? 1 : 0) <= lineWidth) return flat;
    }
    const pad = ' '.repeat(indent + 2);
    const items = value.map(
      (item, i) => `${pad}${printJson(item, indent + 2, pad.length, i < value.length - 1)}`,
    );
    return `[\n${items.join(',\n')}\n${' '.repeat(indent)}]`;
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    const pad = ' '.repeat(indent + 2);
    const entries = keys.map((key, i) => {
      const head = `${pad}${JSON.stringify(key)}: `;
      return `${head}${printJson(value[key], indent + 2, head.length, i < keys.length - 1)}`;
    });
    return `{\n${entries.join(',\n')}\n${' '.repeat(indent)}}`;
  }
  return JSON.stringify(value);
}

/** Whether two JSON values are equal; object key order does not count, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
  );
}

/** A committed snapshot that is not a JSON object. */
export class SnapshotUnreadableError extends Error {
  override readonly name = 'SnapshotUnreadableError';
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`schema snapshot ${path} is not a JSON object`, options);
  }
}

/** The committed snapshot of one version, or undefined when none is committed. */
export function readSnapshot(snapshotDir: string, definition: Versioned): JsonSchema | undefined {
  const path = snapshotPathOf(snapshotDir, definition);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SnapshotUnreadableError(path, { cause: error });
  }
  if (!isObject(parsed)) throw new SnapshotUnreadableError(path);
  return parsed;
}

export interface SnapshotConflict {
  detailType: string;
  version: number;
  path: string;
  /** Line diff from the committed snapshot (`-`) to the generated schema (`+`). */
  diff: string;
}

export interface WriteSnapshotsResult {
  written: string[];
  unchanged: string[];
  conflicts: SnapshotConflict[];
}

/**
 * Writes the snapshot of every definition that has none yet. A published snapshot is never
 * overwritten: one that differs from its generated schema comes back as a conflict (with a diff),
 * because a published version is immutable and a change needs a new version and an upcaster.
 */
export function writeMissingSnapshots(input: {
  definitions: readonly EventDefinition[];
  snapshotDir: string;
}): WriteSnapshotsResult {
  const result: WriteSnapshotsResult = { written: [], unchanged: [], conflicts: [] };
  for (const definition of input.definitions) {
    const path = snapshotPathOf(input.snapshotDir, definition);
    const generated = schemaOf(definition);
    const committed = readSnapshot(input.snapshotDir, definition);
    if (!committed) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, formatSchemaJson(generated));
      result.written.push(path);
    } else if (jsonEqual(committed, generated)) {
      result.unchanged.push(path);
    } else {
      result.conflicts.push({
        detailType: definition.detailType,
        version: definition.version,
        path,
        diff: lineDiff(formatSchemaJson(canonicalSchema(committed)), formatSchemaJson(generated)),
      });
    }
  }
  return result;
}

/**
 * A minimal line diff (longest common subsequence) with two lines of context around each change;
 * snapshots are a few hundred lines, so the quadratic table is small.
 */
export function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const common: number[][] = Array.from({ length: a.length + 1 }, () =>
    new Array<number>(b.length + 1).fill(0),
  );
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = common[i]!;
      row[j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, row[j + 1]!);
    }
  }
  const lines: { mark: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: ' ', text: a[i++]! });
      j++;
    } else if (i < a.length && (j === b.length || common[i + 1]![j]! >= common[i]![j + 1]!)) {
      lines.push({ mark: '-', text: a[i++]! });
    } else {
      lines.push({ mark: '+', text: b[j++]! });
    }
  }
  const context = 2;
  const shown = lines.map((_line, k) =>
    lines.slice(Math.max(0, k - context), k + context + 1).some((near) => near.mark !== ' '),
  );
  if (!shown.includes(true)) return '';
  const out: string[] = [];
  lines.forEach((line, k) => {
    if (shown[k]) out.push(`${line.mark} ${line.text}`);
    else if (k === 0 || shown[k - 1]) out.push('  …');
  });
  return out.join('\n');
}
