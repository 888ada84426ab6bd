import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventDefinitions } from './catalogue';
import { type Change, type ChangeRule, checkCatalogue, compareSchemas, type Problem } from './compatibility';
import { DteIssuanceFailedV1 } from './dte/DteIssuanceFailed.v1';
import { defineEvent, type EventDefinition } from './envelope';
import { OrderAcceptedV1 } from './intake/OrderAccepted.v1';
import type { OrderReceivedV1 } from './intake/OrderReceived.v1';
import { orderReceivedV1ToV2 } from './intake/OrderReceived.v1-to-v2';
import { OrderReceivedV2 } from './intake/OrderReceived.v2';
import { OrderLine, PurchaseOrder } from './intake/PurchaseOrder';
import {
  defaultSnapshotDir,
  type JsonSchema,
  snapshotPathOf,
  writeMissingSnapshots,
} from './schemaSnapshots';
import { type Upcaster, upcasters } from './upcasting';

const temps: string[] = [];
function snapshotCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtd-gate-'));
  temps.push(dir);
  cpSync(defaultSnapshotDir, dir, { recursive: true });
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const replacing = (definition: EventDefinition) =>
  eventDefinitions.map((d) =>
    d.detailType === definition.detailType && d.version === definition.version ? definition : d,
  );
const summary = (problems: Problem[]) =>
  problems.map((p) => `${p.rule} ${p.eventType} v${p.version} ${p.field}`);

describe('the compatibility gate on the real catalogue', () => {
  it('passes: every version has its committed snapshot and every old version upcasts and validates', () => {
    const problems = checkCatalogue({
      definitions: eventDefinitions,
      upcasters: upcasters,
      snapshotDir: defaultSnapshotDir,
    });
    expect(problems).toEqual([]);
  });

  it('reports every missing snapshot and names the command that writes it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'mtd-gate-'));
    temps.push(empty);
    const problems = checkCatalogue({
      definitions: eventDefinitions,
      upcasters: upcasters,
      snapshotDir: empty,
      propertyRuns: 0,
    });
    expect(problems).toHaveLength(eventDefinitions.length);
    expect(problems.every((p) => p.rule === 'snapshot-missing')).toBe(true);
    expect(problems[0]?.message).toMatch(
      /^OrderReceived v1: field \(root\): snapshot-missing — no committed schema at .*OrderReceived\/v1\.json; run "npm run schemas:write -w @mtd\/contracts"/,
    );
  });

  it('fails when a published snapshot was changed, naming the most serious change', () => {
    const dir = snapshotCopy();
    const path = snapshotPathOf(dir, OrderAcceptedV1);
    const snapshot = JSON.parse(readFileSync(path, 'utf8'));
    const order = snapshot.properties.data.properties.order;
    order.properties.lines.items.required = ['description', 'quantity', 'unitPrice'];
    order.description = 'edited';
    writeFileSync(path, JSON.stringify(snapshot));

    const problems = checkCatalogue({
      definitions: eventDefinitions,
      upcasters: upcasters,
      snapshotDir: dir,
    });

    expect(summary(problems)).toEqual(['published-schema-changed OrderAccepted v1 data.order.lines[].sku']);
    expect(problems[0]?.message).toBe(
      'OrderAccepted v1: field data.order.lines[].sku: optional field became required (optional-became-required: sku was optional) (and 1 more change) — published-schema-changed: published versions are immutable; restore it, or publish OrderAccepted v2 with an upcaster',
    );
  });

  it('fails when a required field is removed without a new version (zod .omit())', () => {
    const withoutSku = defineEvent({
      ...OrderAcceptedV1,
      data: OrderAcceptedV1.data.extend({
        order: PurchaseOrder.extend({
          lines: z
            .array(OrderLine.omit({ sku: true }))
            .min(1)
            .max(500),
        }),
      }),
      example: {
        ...OrderAcceptedV1.example,
        order: {
          ...OrderAcceptedV1.example.order,
          lines: [{ description: 'Tijeras', quantity: 2, unitPrice: 9990 }],
        },
      },
    });
    const problems = checkCatalogue({
      definitions: replacing(withoutSku),
      upcasters: upcasters,
      snapshotDir: defaultSnapshotDir,
    });
    expect(summary(problems)).toEqual(['published-schema-changed OrderAccepted v1 data.order.lines[].sku']);
    expect(problems[0]?.message).toMatch(
      /^OrderAccepted v1: field data\.order\.lines\[\]\.sku: required field removed \(required-field-removed: sku was required\) — published-schema-changed: published versions are immutable; restore it, or publish OrderAccepted v2 with an upcaster$/,
    );
  });

  it('fails when a published field changes type', () => {
    const numericReason = defineEvent({
      ...DteIssuanceFailedV1,
      data: DteIssuanceFailedV1.data.extend({ reason: z.number() }),
      example: { ...DteIssuanceFailedV1.example, reason: 4711 },
    });
    const problems = checkCatalogue({
      definitions: replacing(numericReason),
      upcasters: upcasters,
      snapshotDir: defaultSnapshotDir,
    });
    expect(summary(problems)).toEqual(['published-schema-changed DteIssuanceFailed v1 data.reason']);
    expect(problems[0]?.message).toContain(
      'DteIssuanceFailed v1: field data.reason: type changed (type-changed: type "string" → "number")',
    );
  });

  describe('a v3 of OrderReceived with a new required field', () => {
    const OrderReceivedV3 = defineEvent({
      ...OrderReceivedV2,
      version: 3,
      data: OrderReceivedV2.data.extend({ channel: z.string().min(1) }),
      example: { ...OrderReceivedV2.example, channel: 'web' },
    });
    const definitions = [...eventDefinitions, OrderReceivedV3];
    const snapshotsWithV3 = () => {
      const dir = snapshotCopy();
      writeMissingSnapshots({ definitions: [OrderReceivedV3], snapshotDir: dir });
      return dir;
    };

    it('fails without an upcaster, naming the field and the rule', () => {
      const problems = checkCatalogue({
        definitions,
        upcasters: upcasters,
        snapshotDir: snapshotsWithV3(),
      });
      expect(summary(problems)).toEqual(['upcaster-missing OrderReceived v3 data.channel']);
      expect(problems[0]?.message).toMatch(
        /^OrderReceived v3: field data\.channel: required-field-added without an upcaster from v2/,
      );
    });

    it('passes with an upcaster that fills the field, from v1 and v2 alike (transitively)', () => {
      const v2ToV3: Upcaster = {
        detailType: 'OrderReceived',
        fromVersion: 2,
        toVersion: 3,
        upcast: (data) => ({ ...(data as object), channel: 'unknown' }),
      };
      const problems = checkCatalogue({
        definitions,
        upcasters: [...upcasters, v2ToV3],
        snapshotDir: snapshotsWithV3(),
      });
      expect(problems).toEqual([]);
    });

    it('fails when the upcaster produces data the newest schema refuses, for the oldest version too', () => {
      const v2ToV3: Upcaster = {
        detailType: 'OrderReceived',
        fromVersion: 2,
        toVersion: 3,
        upcast: (data) => ({ ...(data as object), channel: '' }),
      };
      const problems = checkCatalogue({
        definitions,
        upcasters: [...upcasters, v2ToV3],
        snapshotDir: snapshotsWithV3(),
      });
      expect(summary(problems)).toEqual([
        'upcast-invalid OrderReceived v1 data.channel',
        'upcast-invalid OrderReceived v2 data.channel',
      ]);
      expect(problems[0]?.message).toMatch(
        /its example upcast to v3 is invalid: zod: data\.channel Too small/,
      );
    });
  });

  it('validates upcast data against the newest snapshot as well as zod (zod strips extra fields, the snapshot is closed)', () => {
    const leaky: Upcaster = {
      ...orderReceivedV1ToV2,
      upcast: (data, metadata) => ({
        ...orderReceivedV1ToV2.upcast(data as OrderReceivedV1, metadata),
        via: (data as OrderReceivedV1).via,
      }),
    };
    const problems = checkCatalogue({
      definitions: eventDefinitions,
      upcasters: [...upcasters.filter((u) => u !== orderReceivedV1ToV2), leaky],
      snapshotDir: defaultSnapshotDir,
    });
    expect(summary(problems)).toEqual(['upcast-invalid OrderReceived v1 data']);
    expect(problems[0]?.message).toContain('snapshot (ajv): data must NOT have additional properties (via)');
  });

  it('finds with fast-check an upcaster bug the example does not show (the example is a batch order)', () => {
    const httpAsBatch: Upcaster = {
      ...orderReceivedV1ToV2,
      upcast: (data, metadata) => {
        const upcast = orderReceivedV1ToV2.upcast(data as OrderReceivedV1, metadata);
        return { ...upcast, source: { ...(upcast.source as object), kind: 'batch' } };
      },
    };
    const check = (propertyRuns: number) =>
      checkCatalogue({
        definitions: eventDefinitions,
        upcasters: [...upcasters.filter((u) => u !== orderReceivedV1ToV2), httpAsBatch],
        snapshotDir: defaultSnapshotDir,
        propertyRuns,
      });
    expect(check(0)).toEqual([]);
    const problems = check(100);
    expect(summary(problems)).toEqual(['upcast-invalid OrderReceived v1 data.source.file']);
    expect(problems[0]?.message).toMatch(
      /valid v1 data upcast to v2 is invalid: .*counterexample .*"via":"http"/,
    );
  });

  it('reports an invalid example, a version gap, a missing identity upcaster and an orphan upcaster', () => {
    const badExample = defineEvent({
      ...DteIssuanceFailedV1,
      example: { ...DteIssuanceFailedV1.example, failedAt: 'yesterday' },
    });
    const gapped = defineEvent({ ...DteIssuanceFailedV1, version: 3 });
    const orphan: Upcaster = {
      detailType: 'DteIssuanceFailed',
      fromVersion: 7,
      toVersion: 8,
      upcast: (d) => d,
    };
    const dir = snapshotCopy();
    writeMissingSnapshots({ definitions: [gapped], snapshotDir: dir });
    const problems = checkCatalogue({
      definitions: [...replacing(badExample), gapped],
      upcasters: [...upcasters, orphan],
      snapshotDir: dir,
    });
    expect(summary(problems)).toEqual([
      'version-gap DteIssuanceFailed v3 metadata.eventVersion',
      'upcaster-missing DteIssuanceFailed v3 metadata.eventVersion',
      'upcaster-orphan DteIssuanceFailed v7 metadata.eventVersion',
      'example-invalid DteIssuanceFailed v1 data.failedAt',
    ]);
  });
});

describe('compareSchemas', () => {
  const object = (properties: Record<string, JsonSchema>, required: string[], closed = true): JsonSchema => ({
    type: 'object',
    properties,
    required,
    ...(closed ? { additionalProperties: false } : {}),
  });
  const str: JsonSchema = { type: 'string' };
  const rules = (older: JsonSchema, newer: JsonSchema) =>
    compareSchemas(older, newer).map((c: Change) => `${c.rule}${c.breaking ? '!' : ''} ${c.field}`);

  const cases: [ChangeRule, JsonSchema, JsonSchema, string[]][] = [
    [
      'required-field-removed',
      object({ a: str, b: str }, ['a', 'b']),
      object({ a: str }, ['a']),
      ['required-field-removed! b'],
    ],
    ['field-removed', object({ a: str, b: str }, ['a']), object({ a: str }, ['a']), ['field-removed! b']],
    [
      'required-field-added',
      object({ a: str }, ['a']),
      object({ a: str, b: str }, ['a', 'b']),
      ['required-field-added! b'],
    ],
    [
      'optional-became-required',
      object({ a: str }, []),
      object({ a: str }, ['a']),
      ['optional-became-required! a'],
    ],
    ['type-changed', { type: 'integer' }, { type: 'string' }, ['type-changed! (root)']],
    [
      'enum-value-removed',
      { type: 'string', enum: ['a', 'b'] },
      { type: 'string', enum: ['a'] },
      ['enum-value-removed! (root)'],
    ],
    [
      'constraint-tightened',
      { type: 'string', maxLength: 64 },
      { type: 'string', maxLength: 32 },
      ['constraint-tightened! (root)'],
    ],
    [
      'field-added-optional',
      object({ a: str }, ['a']),
      object({ a: str, b: str }, ['a']),
      ['field-added-optional b'],
    ],
    [
      'enum-value-added',
      { type: 'string', enum: ['a'] },
      { type: 'string', enum: ['a', 'b'] },
      ['enum-value-added (root)'],
    ],
    [
      'constraint-loosened',
      { type: 'string', maxLength: 32 },
      { type: 'string', maxLength: 64 },
      ['constraint-loosened (root)'],
    ],
    [
      'description-changed',
      { type: 'string', description: 'x' },
      { type: 'string', description: 'y' },
      ['description-changed (root)'],
    ],
  ];

  it.each(cases)(
    'classifies %s, and finds nothing when the schema is unchanged',
    (_rule, older, newer, expected) => {
      expect(rules(older, newer)).toEqual(expected);
      expect(compareSchemas(older, structuredClone(older))).toEqual([]);
      expect(compareSchemas(newer, structuredClone(newer))).toEqual([]);
    },
  );

  it('does not call removing an optional field from an open object breaking', () => {
    expect(rules(object({ a: str, b: str }, ['a'], false), object({ a: str }, ['a'], false))).toEqual([
      'constraint-loosened b',
    ]);
  });

  it('tells tightened from loosened for every bound, exclusive bounds, pattern and format', () => {
    const tight = (older: JsonSchema, newer: JsonSchema) => compareSchemas(older, newer).map((c) => c.rule);
    expect(tight({ minLength: 1 }, { minLength: 2 })).toEqual(['constraint-tightened']);
    expect(tight({ minLength: 2 }, { minLength: 1 })).toEqual(['constraint-loosened']);
    expect(tight({ minimum: 0 }, { minimum: 0, exclusiveMinimum: true })).toEqual(['constraint-tightened']);
    expect(tight({ maximum: 9, exclusiveMaximum: true }, { maximum: 9 })).toEqual(['constraint-loosened']);
    expect(tight({ minItems: 1 }, {})).toEqual(['constraint-loosened']);
    expect(tight({}, { maxItems: 5 })).toEqual(['constraint-tightened']);
    expect(tight({ pattern: '^a' }, { pattern: '^b' })).toEqual(['constraint-tightened']);
    expect(tight({}, { format: 'date-time' })).toEqual(['constraint-tightened']);
    expect(tight({ format: 'email' }, {})).toEqual(['constraint-loosened']);
    expect(tight({ type: 'integer' }, { type: 'number' })).toEqual(['constraint-loosened']);
    expect(tight({ type: 'number' }, { type: 'integer' })).toEqual(['type-changed']);
    expect(tight({ type: 'object' }, { type: 'object', additionalProperties: false })).toEqual([
      'constraint-tightened',
    ]);
  });

  it('walks items and pairs union variants by discriminator, whatever their order', () => {
    const variant = (kind: string, extra: Record<string, JsonSchema> = {}) =>
      object({ kind: { type: 'string', enum: [kind] }, ...extra }, ['kind', ...Object.keys(extra)]);
    const older = { type: 'array', items: { oneOf: [variant('http'), variant('batch', { file: str })] } };
    const newer = {
      type: 'array',
      items: { oneOf: [variant('batch', { file: { type: 'string', minLength: 1 } }), variant('http')] },
    };
    expect(rules(older, newer)).toEqual(['constraint-tightened! []<kind=batch>.file']);
    expect(rules(older, { type: 'array', items: { oneOf: [variant('http')] } })).toEqual([
      'variant-removed! []',
    ]);
    expect(rules({ type: 'array', items: { oneOf: [variant('http')] } }, older)).toEqual([
      'variant-added []',
    ]);
  });

  it('reads a field that became a union through its closest variant', () => {
    const older = object({ via: { type: 'string', enum: ['http'] } }, ['via']);
    expect(rules({ type: 'string' }, { anyOf: [{ type: 'string' }, { type: 'number' }] })).toEqual([]);
    expect(rules({ type: 'boolean' }, { anyOf: [{ type: 'string' }, { type: 'number' }] })).toEqual([
      'type-changed! (root)',
    ]);
    expect(rules(older, object({ via: { anyOf: [{ type: 'string' }] } }, ['via']))).toEqual([
      'constraint-loosened via<#0>',
    ]);
  });

  it('calls an unknown keyword change unclassified and breaking', () => {
    expect(rules({ type: 'string' }, { type: 'string', not: { enum: ['x'] } })).toEqual([
      'unclassified-change! (root)',
    ]);
  });

  it('classifies OrderReceived v1 → v2 as breaking (so it needs its upcaster)', () => {
    const [v1, v2] = [eventDefinitions[0]!, OrderReceivedV2];
    const changes = compareSchemas(
      JSON.parse(readFileSync(snapshotPathOf(defaultSnapshotDir, v1), 'utf8')),
      JSON.parse(readFileSync(snapshotPathOf(defaultSnapshotDir, v2), 'utf8')),
    );
    expect(changes.filter((c) => c.breaking).map((c) => `${c.rule} ${c.field}`)).toEqual([
      'required-field-removed data.via',
      'field-removed data.batch',
      'required-field-added data.rawBytes',
      'required-field-added data.source',
      'enum-value-removed metadata.eventVersion',
    ]);
  });
});
