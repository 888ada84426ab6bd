import type { EventDefinition } from '@mtd/contracts';

/**
 * Where published event schemas are registered: the EventBridge Schema Registry in AWS
 * ({@link awsSchemaRegistry}), JSON files locally ({@link localSchemaRegistry}). One registry
 * schema per published event version (see {@link schemaNameOf}); each registry schema has
 * versions '1', '2', … like AWS, a new one only when the content really changes.
 */
export interface SchemaRegistry {
  /** Creates the registry if it does not exist yet. */
  ensureRegistry(): Promise<void>;
  /** The newest version of a schema, or undefined when the schema does not exist. */
  latest(schemaName: string): Promise<{ version: string; content: string } | undefined>;
  /**
   * Creates the schema, or adds a version when `content` differs from the latest as JSON
   * (formatting and key order do not count); `changed: false` when nothing was written.
   */
  put(
    schemaName: string,
    content: string,
    description?: string,
  ): Promise<{ version: string; changed: boolean }>;
}

/** A schema registry call failed; `cause` keeps the underlying error. */
export class SchemaRegistryError extends Error {
  override readonly name = 'SchemaRegistryError';
  constructor(
    readonly registryName: string,
    readonly operation: string,
    readonly schemaName: string | undefined,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `schema registry ${registryName}: ${operation}${schemaName === undefined ? '' : ` ${schemaName}`} failed: ${reason}`,
      options,
    );
  }
}

/**
 * The registry schema name of one published event version: `<source>@<detailType>.v<version>`,
 * e.g. `mtd.intake@OrderReceived.v2`. One schema per version (not one schema with a version per
 * event version) because a published version never changes: the CDK stack registers one
 * `AWS::EventSchemas::Schema` per committed snapshot, and the `source@DetailType` prefix follows
 * the names EventBridge gives its own and discovered schemas.
 */
export function schemaNameOf(definition: Pick<EventDefinition, 'source' | 'detailType' | 'version'>): string {
  return `${definition.source}@${definition.detailType}.v${definition.version}`;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key]))
  );
}

/**
 * Whether two schema documents are the same JSON: a registry may store content re-formatted, so
 * text comparison would add a version on every deploy. Stored content that is not JSON differs.
 */
export function sameSchemaContent(a: string, b: string): boolean {
  let left: unknown;
  let right: unknown;
  try {
    left = JSON.parse(a);
    right = JSON.parse(b);
  } catch {
    return false;
  }
  return jsonEqual(left, right);
}

/** Parses schema content a caller wants to register; refuses what is not JSON before any write. */
export function assertSchemaJson(registryName: string, schemaName: string, content: string): void {
  try {
    JSON.parse(content);
  } catch (error) {
    throw new SchemaRegistryError(registryName, 'put', schemaName, 'content is not valid JSON', {
      cause: error,
    });
  }
}

export interface RegistryDiff {
  schemaName: string;
  status: 'missing' | 'different' | 'same';
}

/**
 * Compares committed snapshots with what a registry holds, without writing: what `schema check`
 * reports and what a deploy would change.
 */
export async function diffRegistry(
  registry: SchemaRegistry,
  snapshots: readonly { schemaName: string; content: string }[],
): Promise<RegistryDiff[]> {
  const diffs: RegistryDiff[] = [];
  // One at a time: the Schemas API throttles, and a catalogue is a few dozen schemas.
  for (const { schemaName, content } of snapshots) {
    const latest = await registry.latest(schemaName);
    const status = !latest ? 'missing' : sameSchemaContent(latest.content, content) ? 'same' : 'different';
    diffs.push({ schemaName, status });
  }
  return diffs;
}
