import { relative } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import type { EventDefinition, EventMetadata } from './envelope';
import { arbitraryOf } from './schemaArbitrary';
import { type JsonSchema, jsonEqual, readSnapshot, schemaOf, snapshotPathOf } from './schemaSnapshots';
import { streamPrefixesBySource } from './streams';
import type { Upcaster } from './upcasting';

/**
 * How one schema differs from an older one, judged as BACKWARD compatibility: can a reader of the
 * new schema read every event written with the old one? Breaking rules first, most serious first;
 * {@link compareSchemas} returns changes in this order.
 */
export const changeRules = [
  'required-field-removed',
  'field-removed',
  'type-changed',
  'required-field-added',
  'optional-became-required',
  'variant-removed',
  'enum-value-removed',
  'constraint-tightened',
  'unclassified-change',
  'field-added-optional',
  'variant-added',
  'enum-value-added',
  'constraint-loosened',
  'description-changed',
] as const;
export type ChangeRule = (typeof changeRules)[number];

export interface Change {
  /** Dotted path of the field in the `detail`: `data.order.lines[].sku`; `(root)` for the document. */
  field: string;
  rule: ChangeRule;
  /** Whether an event valid against the old schema may be invalid against the new one. */
  breaking: boolean;
  /** What changed, e.g. `maxLength 64 → 32`. */
  detail: string;
}

const ruleText: Record<ChangeRule, string> = {
  'required-field-removed': 'required field removed',
  'field-removed': 'field removed',
  'type-changed': 'type changed',
  'required-field-added': 'required field added',
  'optional-became-required': 'optional field became required',
  'variant-removed': 'union variant removed',
  'enum-value-removed': 'enum value removed',
  'constraint-tightened': 'constraint tightened',
  'unclassified-change': 'unclassified change',
  'field-added-optional': 'optional field added',
  'variant-added': 'union variant added',
  'enum-value-added': 'enum value added',
  'constraint-loosened': 'constraint loosened',
  'description-changed': 'description changed',
};

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
const fieldOf = (path: string) => path || '(root)';
const child = (path: string, name: string) => (path ? `${path}.${name}` : name);

// Keywords compareNode understands; a difference in any other keyword is `unclassified-change`.
const annotations = ['title', 'description', 'id'];
const lowerBounds = ['minLength', 'minimum', 'minItems', 'minProperties'];
const upperBounds = ['maxLength', 'maximum', 'maxItems', 'maxProperties'];
const exactConstraints = ['pattern', 'format', 'multipleOf'];
const handled = new Set([
  ...annotations,
  ...lowerBounds,
  ...upperBounds,
  ...exactConstraints,
  'exclusiveMinimum',
  'exclusiveMaximum',
  'uniqueItems',
  'type',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'oneOf',
]);

/**
 * Classifies every difference between an older and a newer JSON Schema of the same event, walking
 * `properties`, `items`, `anyOf` and `oneOf`. Objects from `z.object` are closed
 * (`additionalProperties: false`): an old event still carrying a field the new schema dropped is
 * invalid against it, so a removed field breaks unless the new object is open.
 *
 * @example compareSchemas(schemaOf(OrderReceivedV1), schemaOf(OrderReceivedV2))
 *   // [{ field: 'data.rawBytes', rule: 'required-field-added', breaking: true, … }, …]
 */
export function compareSchemas(older: JsonSchema, newer: JsonSchema): Change[] {
  const changes: Change[] = [];
  compareNode(older, newer, '', changes);
  // Stable sort keeps the walk order (document order) within one rule.
  return changes.sort((a, b) => changeRules.indexOf(a.rule) - changeRules.indexOf(b.rule));
}

function compareNode(older: JsonSchema, newer: JsonSchema, path: string, out: Change[]): void {
  const add = (rule: ChangeRule, breaking: boolean, detail: string, field = path) =>
    out.push({ field: fieldOf(field), rule, breaking, detail });

  const olderUnion = unionOf(older);
  const newerUnion = unionOf(newer);
  if (olderUnion || newerUnion) {
    compareUnions(older, newer, olderUnion, newerUnion, path, out);
    return;
  }

  for (const keyword of annotations) {
    if (!jsonEqual(older[keyword], newer[keyword])) {
      add('description-changed', false, `${keyword} ${show(older[keyword])} → ${show(newer[keyword])}`);
    }
  }

  compareTypes(older, newer, add);
  compareEnums(older, newer, add);
  compareConstraints(older, newer, add);

  if (isObject(older.properties) || isObject(newer.properties)) compareObjects(older, newer, path, out);
  if (!jsonEqual(older.additionalProperties, newer.additionalProperties)) {
    const closedBefore = older.additionalProperties === false;
    const closedNow = newer.additionalProperties === false;
    if (!closedBefore && closedNow) add('constraint-tightened', true, 'additionalProperties → false');
    else if (closedBefore && !closedNow)
      add('constraint-loosened', false, 'additionalProperties false → open');
    else add('unclassified-change', true, 'additionalProperties changed');
  }

  if (isObject(older.items) && isObject(newer.items)) compareNode(older.items, newer.items, `${path}[]`, out);
  else if (!jsonEqual(older.items, newer.items)) add('unclassified-change', true, 'items changed');

  const unknown = new Set([...Object.keys(older), ...Object.keys(newer)].filter((key) => !handled.has(key)));
  for (const keyword of unknown) {
    if (path === '' && keyword === '$schema' && jsonEqual(older[keyword], newer[keyword])) continue;
    if (!jsonEqual(older[keyword], newer[keyword])) {
      add('unclassified-change', true, `${keyword} ${show(older[keyword])} → ${show(newer[keyword])}`);
    }
  }
}

type Add = (rule: ChangeRule, breaking: boolean, detail: string) => void;

function typesOf(schema: JsonSchema): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return undefined;
}

function compareTypes(older: JsonSchema, newer: JsonSchema, add: Add): void {
  const before = typesOf(older);
  const after = typesOf(newer);
  if (jsonEqual(before, after)) return;
  if (!after) {
    add('constraint-loosened', false, `type ${show(older.type)} → any`);
    return;
  }
  if (!before) {
    add('type-changed', true, `type any → ${show(newer.type)}`);
    return;
  }
  const accepts = (type: string) => after.includes(type) || (type === 'integer' && after.includes('number'));
  if (before.every(accepts))
    add('constraint-loosened', false, `type ${show(older.type)} → ${show(newer.type)}`);
  else add('type-changed', true, `type ${show(older.type)} → ${show(newer.type)}`);
}

function compareEnums(older: JsonSchema, newer: JsonSchema, add: Add): void {
  const before = Array.isArray(older.enum) ? (older.enum as unknown[]) : undefined;
  const after = Array.isArray(newer.enum) ? (newer.enum as unknown[]) : undefined;
  if (!before && !after) return;
  if (!before) {
    add('constraint-tightened', true, `enum added: ${show(after)}`);
    return;
  }
  if (!after) {
    add('constraint-loosened', false, `enum ${show(before)} removed`);
    return;
  }
  for (const value of before) {
    if (!after.some((v) => jsonEqual(v, value)))
      add('enum-value-removed', true, `enum value ${show(value)} removed`);
  }
  for (const value of after) {
    if (!before.some((v) => jsonEqual(v, value)))
      add('enum-value-added', false, `enum value ${show(value)} added`);
  }
}

function compareConstraints(older: JsonSchema, newer: JsonSchema, add: Add): void {
  const numeric = (keyword: string, tighterWhen: (before: number, after: number) => boolean) => {
    const before = older[keyword];
    const after = newer[keyword];
    if (jsonEqual(before, after)) return;
    const detail = `${keyword} ${show(before)} → ${show(after)}`;
    if (typeof before !== 'number' && typeof after === 'number') add('constraint-tightened', true, detail);
    else if (typeof before === 'number' && typeof after !== 'number')
      add('constraint-loosened', false, detail);
    else if (typeof before === 'number' && typeof after === 'number' && tighterWhen(before, after)) {
      add('constraint-tightened', true, detail);
    } else add('constraint-loosened', false, detail);
  };
  for (const keyword of lowerBounds) numeric(keyword, (before, after) => after > before);
  for (const keyword of upperBounds) numeric(keyword, (before, after) => after < before);
  for (const keyword of ['exclusiveMinimum', 'exclusiveMaximum']) {
    const before = older[keyword];
    const after = newer[keyword];
    if (jsonEqual(before, after)) continue;
    const detail = `${keyword} ${show(before)} → ${show(after)}`;
    // Draft-04 marks the bound exclusive with `true`; draft-06+ carries the bound as a number.
    if (typeof before === 'number' || typeof after === 'number') {
      numeric(keyword, (b, a) => (keyword === 'exclusiveMinimum' ? a > b : a < b));
    } else if (after === true) add('constraint-tightened', true, detail);
    else add('constraint-loosened', false, detail);
  }
  // A different regex or format may accept less; nothing short of a proof says otherwise.
  for (const keyword of exactConstraints) {
    const before = older[keyword];
    const after = newer[keyword];
    if (jsonEqual(before, after)) continue;
    const detail = `${keyword} ${show(before)} → ${show(after)}`;
    if (after === undefined) add('constraint-loosened', false, detail);
    else add('constraint-tightened', true, detail);
  }
  if (older.uniqueItems !== newer.uniqueItems) {
    const detail = `uniqueItems ${show(older.uniqueItems)} → ${show(newer.uniqueItems)}`;
    if (newer.uniqueItems === true) add('constraint-tightened', true, detail);
    else add('constraint-loosened', false, detail);
  }
}

function compareObjects(older: JsonSchema, newer: JsonSchema, path: string, out: Change[]): void {
  const before = isObject(older.properties) ? older.properties : {};
  const after = isObject(newer.properties) ? newer.properties : {};
  const requiredBefore = new Set(Array.isArray(older.required) ? (older.required as string[]) : []);
  const requiredAfter = new Set(Array.isArray(newer.required) ? (newer.required as string[]) : []);
  const closed = newer.additionalProperties === false;
  const add = (field: string, rule: ChangeRule, breaking: boolean, detail: string) =>
    out.push({ field, rule, breaking, detail });

  for (const name of Object.keys(before)) {
    const field = child(path, name);
    if (!(name in after)) {
      if (requiredBefore.has(name)) add(field, 'required-field-removed', true, `${name} was required`);
      // An open object still accepts the old field; a closed one (z.object) refuses old events.
      else if (closed) add(field, 'field-removed', true, `${name} removed from a closed object`);
      else add(field, 'constraint-loosened', false, `${name} removed from an open object`);
    }
  }
  for (const [name, schema] of Object.entries(after)) {
    const field = child(path, name);
    const previous = before[name];
    if (previous === undefined) {
      if (requiredAfter.has(name)) add(field, 'required-field-added', true, `${name} is required`);
      else add(field, 'field-added-optional', false, `${name} is optional`);
      continue;
    }
    if (!requiredBefore.has(name) && requiredAfter.has(name)) {
      add(field, 'optional-became-required', true, `${name} was optional`);
    } else if (requiredBefore.has(name) && !requiredAfter.has(name)) {
      add(field, 'constraint-loosened', false, `${name} became optional`);
    }
    if (isObject(previous) && isObject(schema)) compareNode(previous, schema, field, out);
  }
}

function unionOf(schema: JsonSchema): JsonSchema[] | undefined {
  const union = schema.oneOf ?? schema.anyOf;
  return Array.isArray(union) ? union.filter(isObject) : undefined;
}

/**
 * A name for a union variant that survives reordering: its literal (`=33`), or its discriminator
 * (`kind=batch`, the first property with a single allowed value); otherwise its position.
 */
function variantKey(variant: JsonSchema, index: number): string {
  const literal = (value: unknown) => (typeof value === 'string' ? value : show(value));
  if (Array.isArray(variant.enum) && variant.enum.length === 1) return `=${literal(variant.enum[0])}`;
  if (isObject(variant.properties)) {
    for (const [name, schema] of Object.entries(variant.properties)) {
      if (isObject(schema) && Array.isArray(schema.enum) && schema.enum.length === 1) {
        return `${name}=${literal(schema.enum[0])}`;
      }
    }
  }
  return `#${index}`;
}

function keyed(variants: JsonSchema[]): Map<string, JsonSchema> {
  const keys = variants.map(variantKey);
  // Keys that repeat cannot pair variants; fall back to positions.
  const unique = new Set(keys).size === keys.length;
  return new Map(variants.map((variant, i) => [unique ? keys[i]! : `#${i}`, variant]));
}

function compareUnions(
  older: JsonSchema,
  newer: JsonSchema,
  olderUnion: JsonSchema[] | undefined,
  newerUnion: JsonSchema[] | undefined,
  path: string,
  out: Change[],
): void {
  const variantPath = (key: string) => `${path}<${key}>`;
  if (olderUnion && newerUnion) {
    const before = keyed(olderUnion);
    const after = keyed(newerUnion);
    for (const [key, variant] of before) {
      const next = after.get(key);
      if (next) compareNode(variant, next, variantPath(key), out);
      else
        out.push({
          field: fieldOf(path),
          rule: 'variant-removed',
          breaking: true,
          detail: `variant ${key} removed`,
        });
    }
    for (const key of after.keys()) {
      if (!before.has(key)) {
        out.push({
          field: fieldOf(path),
          rule: 'variant-added',
          breaking: false,
          detail: `variant ${key} added`,
        });
      }
    }
    return;
  }
  if (olderUnion) {
    // Every old variant must still be readable by the one new schema.
    for (const [key, variant] of keyed(olderUnion)) compareNode(variant, newer, variantPath(key), out);
    return;
  }
  // An old single schema that became a union: it reads as the new variant closest to it.
  const candidates = [...keyed(newerUnion ?? [])].map(([key, variant]) => {
    const changes: Change[] = [];
    compareNode(older, variant, variantPath(key), changes);
    return changes;
  });
  const closest = candidates.sort(
    (a, b) => a.filter((c) => c.breaking).length - b.filter((c) => c.breaking).length,
  )[0];
  if (!closest || closest.some((c) => c.breaking)) {
    out.push({
      field: fieldOf(path),
      rule: 'type-changed',
      breaking: true,
      detail: `became a union (${show(newer.oneOf ? 'oneOf' : 'anyOf')}) none of whose variants reads the old schema`,
    });
  } else out.push(...closest);
}

/** What the gate checks; every finding names the event, version, field and rule. */
export const problemRules = [
  'snapshot-missing',
  'snapshot-unreadable',
  'published-schema-changed',
  'version-gap',
  'upcaster-missing',
  'upcaster-orphan',
  'example-invalid',
  'upcast-failed',
  'upcast-invalid',
] as const;
export type ProblemRule = (typeof problemRules)[number];

export interface Problem {
  eventType: string;
  version: number;
  field: string;
  rule: ProblemRule;
  message: string;
}

export interface CatalogueCheckInput {
  definitions: readonly EventDefinition[];
  upcasters: readonly Upcaster[];
  /** The committed snapshots: `<snapshotDir>/<detailType>/v<N>.json`. */
  snapshotDir: string;
  /** fast-check samples per older version; 0 leaves only the example check. Default 100. */
  propertyRuns?: number;
  /** fast-check seed, fixed by default so that CI is reproducible. */
  seed?: number;
}

/** The command that writes missing snapshots, named in `snapshot-missing` problems. */
export const writeSnapshotsCommand = 'npm run schemas:write -w @mtd/contracts';

/**
 * The compatibility gate (DESIGN §2), in the sense of a schema registry's BACKWARD_TRANSITIVE:
 *
 * 1. every definition has a committed snapshot, and the schema generated from the zod contract
 *    equals it (published versions are immutable; the message names the most serious change);
 * 2. between consecutive versions of one event, a breaking change has an upcaster;
 * 3. every older version's `example`, and arbitrary data generated from the older snapshot with
 *    fast-check, upcasts through the chain to the newest version and validates against the
 *    newest zod schema and the newest snapshot (ajv, draft-04).
 *
 * Returns every problem found; an empty list means the catalogue passes.
 */
export function checkCatalogue(input: CatalogueCheckInput): Problem[] {
  const problems: Problem[] = [];
  const propertyRuns = input.propertyRuns ?? 100;
  const seed = input.seed ?? 20261124;

  const byType = new Map<string, EventDefinition[]>();
  for (const definition of input.definitions) {
    byType.set(definition.detailType, [...(byType.get(definition.detailType) ?? []), definition]);
  }

  for (const [eventType, unsorted] of byType) {
    const versions = [...unsorted].sort((a, b) => a.version - b.version);
    const problem = (version: number, field: string, rule: ProblemRule, text: string) =>
      problems.push({
        eventType,
        version,
        field,
        rule,
        message: `${eventType} v${version}: field ${field}: ${text}`,
      });

    versions.forEach((definition, i) => {
      if (definition.version !== i + 1) {
        problem(
          definition.version,
          'metadata.eventVersion',
          'version-gap',
          `version-gap — versions must run 1, 2, 3… without gaps or repeats (found ${versions.map((d) => d.version).join(', ')})`,
        );
      }
    });

    // What consumers validate with: the committed snapshot, or the generated schema when none is.
    const schemas = new Map<number, JsonSchema>();
    const generatedSchemas = new Map<number, JsonSchema>();
    for (const definition of versions) {
      const generated = schemaOf(definition);
      schemas.set(definition.version, generated);
      generatedSchemas.set(definition.version, generated);
      const path = snapshotPathOf(input.snapshotDir, definition);
      let committed: JsonSchema | undefined;
      try {
        committed = readSnapshot(input.snapshotDir, definition);
      } catch (error) {
        problem(
          definition.version,
          '(root)',
          'snapshot-unreadable',
          `snapshot-unreadable — ${(error as Error).message}`,
        );
        continue;
      }
      if (!committed) {
        problem(
          definition.version,
          '(root)',
          'snapshot-missing',
          `snapshot-missing — no committed schema at ${relative(process.cwd(), path) || path}; run "${writeSnapshotsCommand}" and commit it`,
        );
        continue;
      }
      if (!jsonEqual(committed, generated)) {
        const changes = compareSchemas(committed, generated);
        const first = changes[0];
        const next = versions.at(-1)!.version + 1;
        const more =
          changes.length > 1
            ? ` (and ${changes.length - 1} more change${changes.length > 2 ? 's' : ''})`
            : '';
        problem(
          definition.version,
          first?.field ?? '(root)',
          'published-schema-changed',
          `${first ? `${ruleText[first.rule]} (${first.rule}: ${first.detail})` : 'schema differs from its snapshot'}${more} — published-schema-changed: published versions are immutable; restore it, or publish ${eventType} v${next} with an upcaster`,
        );
      }
      schemas.set(definition.version, committed);
    }

    const upcasterFrom = (version: number) =>
      input.upcasters.find((u) => u.detailType === eventType && u.fromVersion === version);
    let chainComplete = true;
    for (let i = 0; i + 1 < versions.length; i++) {
      const from = versions[i]!;
      const to = versions[i + 1]!;
      const upcaster = upcasterFrom(from.version);
      if (upcaster && upcaster.toVersion === to.version) continue;
      chainComplete = false;
      if (upcaster) {
        problem(
          to.version,
          'metadata.eventVersion',
          'upcaster-missing',
          `upcaster-missing — the upcaster from v${from.version} goes to v${upcaster.toVersion}, not v${to.version}`,
        );
        continue;
      }
      // Every version bump changes the `metadata.eventVersion` literal; that is the point, not a break.
      const breaking = compareSchemas(schemaOf(from), schemaOf(to)).filter(
        (c) => c.breaking && c.field !== 'metadata.eventVersion',
      );
      for (const change of breaking) {
        problem(
          to.version,
          change.field,
          'upcaster-missing',
          `${change.rule} without an upcaster from v${from.version} (${change.detail}); add one to the upcasters`,
        );
      }
      if (breaking.length === 0) {
        problem(
          to.version,
          'metadata.eventVersion',
          'upcaster-missing',
          `upcaster-missing — no breaking change, but readers upcast one version at a time: add an upcaster from v${from.version} (it may return the data as it is)`,
        );
      }
    }
    const known = new Set(versions.map((d) => d.version));
    for (const upcaster of input.upcasters) {
      if (upcaster.detailType !== eventType) continue;
      if (!known.has(upcaster.fromVersion) || !known.has(upcaster.toVersion)) {
        problem(
          upcaster.fromVersion,
          'metadata.eventVersion',
          'upcaster-orphan',
          `upcaster-orphan — an upcaster from v${upcaster.fromVersion} to v${upcaster.toVersion}, but those versions are not both defined`,
        );
      }
    }

    const latest = versions.at(-1)!;
    const latestSnapshot = validatorOf(schemas.get(latest.version)!);
    for (const definition of versions) {
      // An example is checked against its own contract: a snapshot that drifted is reported above.
      const ownSnapshot = validatorOf(generatedSchemas.get(definition.version)!);
      const detail = { metadata: exampleMetadata(definition), data: definition.example };
      const own = validate(definition, ownSnapshot, detail);
      if (own) {
        problem(
          definition.version,
          own.field,
          'example-invalid',
          `example-invalid — its example is invalid: ${own.reason}`,
        );
        continue;
      }
      if (definition === latest || !chainComplete) continue;

      const readAsLatest = (data: unknown): { field: string; reason: string } | undefined => {
        let upcast: { metadata: EventMetadata; data: unknown };
        try {
          upcast = upcastChain(definition, latest.version, upcasterFrom, data);
        } catch (error) {
          return { field: 'data', reason: `upcaster threw ${(error as Error).message}` };
        }
        return validate(latest, latestSnapshot, upcast);
      };

      const fromExample = readAsLatest(definition.example);
      if (fromExample) {
        problem(
          definition.version,
          fromExample.field,
          'upcast-invalid',
          `upcast-invalid — its example upcast to v${latest.version} is invalid: ${fromExample.reason}`,
        );
        continue;
      }
      if (propertyRuns <= 0) continue;

      // Arbitrary old data from the old snapshot, kept only when the old zod schema accepts it too
      // (a producer validated it with zod before it was stored).
      const olderData = arbitraryOf(dataSchemaOf(schemas.get(definition.version)!)).filter(
        (data) => definition.data.safeParse(data).success,
      );
      const run = fc.check(
        fc.property(olderData, (data) => readAsLatest(data) === undefined),
        { numRuns: propertyRuns, seed },
      );
      if (run.failed && run.counterexample) {
        const [data] = run.counterexample;
        const failure = readAsLatest(data) ?? { field: 'data', reason: String(run.errorInstance) };
        problem(
          definition.version,
          failure.field,
          'upcast-invalid',
          `upcast-invalid — valid v${definition.version} data upcast to v${latest.version} is invalid: ${failure.reason}; counterexample ${JSON.stringify(data).slice(0, 400)} (fast-check seed ${seed})`,
        );
      }
    }
  }
  return problems;
}

function dataSchemaOf(schema: JsonSchema): JsonSchema {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const data = properties.data;
  return isObject(data) ? data : {};
}

type SnapshotValidator = (value: unknown) => { field: string; reason: string } | undefined;

function validatorOf(schema: JsonSchema): SnapshotValidator {
  // One Ajv per schema: two versions (or a snapshot and a tampered copy) may share an `id`.
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  const check = ajv.compile(schema);
  return (value) => {
    if (check(value)) return undefined;
    const error = check.errors?.[0];
    const pointer = error?.instancePath ?? '';
    const field =
      pointer
        .split('/')
        .slice(1)
        .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
        .join('')
        .replace(/^\./, '') || '(root)';
    const extra =
      error?.params && 'additionalProperty' in error.params
        ? ` (${String(error.params.additionalProperty)})`
        : '';
    return { field, reason: `snapshot (ajv): ${field} ${error?.message ?? 'is invalid'}${extra}` };
  };
}

function validate(
  definition: EventDefinition,
  snapshot: SnapshotValidator,
  detail: unknown,
): { field: string; reason: string } | undefined {
  const parsed = definition.detail.safeParse(detail);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field =
      (issue?.path ?? [])
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '') || '(root)';
    return { field, reason: `zod: ${field} ${issue?.message ?? 'is invalid'}` };
  }
  return snapshot(detail);
}

function upcastChain(
  definition: EventDefinition,
  latestVersion: number,
  upcasterFrom: (version: number) => Upcaster | undefined,
  data: unknown,
): { metadata: EventMetadata; data: unknown } {
  let metadata = exampleMetadata(definition);
  let current = data;
  while (metadata.eventVersion < latestVersion) {
    const upcaster = upcasterFrom(metadata.eventVersion);
    if (!upcaster) throw new Error(`no upcaster from v${metadata.eventVersion}`);
    current = upcaster.upcast(current, metadata);
    metadata = { ...metadata, eventVersion: upcaster.toVersion };
  }
  return { metadata, data: current };
}

/** Valid metadata for an example `detail` of one definition (fixed ids and time: the gate is pure). */
export function exampleMetadata(definition: EventDefinition): EventMetadata {
  const example = definition.example as { orderId?: unknown } | null;
  const orderId = typeof example?.orderId === 'string' ? example.orderId : 'PO-1001';
  return {
    eventId: '01JDQ2Z3M4N5P6Q7R8S9T0V1W2',
    eventType: definition.detailType,
    eventVersion: definition.version,
    streamId: `${streamPrefixesBySource[definition.source][0] ?? ''}${orderId}`,
    streamVersion: 1,
    occurredAt: '2026-11-24T10:00:00.000Z',
    correlationId: orderId,
    causationId: '01JDQ2Z3M4N5P6Q7R8S9T0V1W1',
    producer: definition.source,
    actor: 'system',
  };
}
