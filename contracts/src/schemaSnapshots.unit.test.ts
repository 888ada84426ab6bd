import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventDefinitions } from './catalogue';
import { exampleMetadata } from './compatibility';
import { defineEvent, Sources } from './envelope';
import { OrderReceivedV2 } from './intake/OrderReceived.v2';
import {
  canonicalSchema,
  defaultSnapshotDir,
  formatSchemaJson,
  lineDiff,
  readSnapshot,
  schemaOf,
  snapshotPathOf,
  writeMissingSnapshots,
} from './schemaSnapshots';

const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtd-schemas-'));
  temps.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function draft04(schema: object) {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('schemaOf', () => {
  it('is the draft-04 schema of the whole detail, named by event and version', () => {
    const schema = schemaOf(OrderReceivedV2);
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-04/schema#',
      id: 'https://mtd.example.cl/schemas/OrderReceived/v2.json',
      title: 'OrderReceived v2',
      description: OrderReceivedV2.description,
      required: ['data', 'metadata'],
      additionalProperties: false,
    });
    expect(Object.keys(schema).slice(0, 4)).toEqual(['$schema', 'id', 'title', 'description']);
  });

  it('keeps format date-time but drops zod’s long datetime pattern, and keeps other patterns', () => {
    const text = JSON.stringify(schemaOf(OrderReceivedV2));
    const receivedAt = (
      schemaOf(OrderReceivedV2) as { properties: { data: { properties: Record<string, unknown> } } }
    ).properties.data.properties.receivedAt;
    expect(receivedAt).toEqual({ type: 'string', format: 'date-time' });
    expect(text).toContain('"pattern":"^[0-9a-f]{64}$"');
    expect(text).not.toContain('02-29');
  });

  it('compiles as strict draft-04 for every definition, accepts its example and refuses extra fields', () => {
    for (const definition of eventDefinitions) {
      const validate = draft04(schemaOf(definition));
      const detail = { metadata: exampleMetadata(definition), data: definition.example };
      expect(validate(detail), `${definition.detailType} v${definition.version}`).toBe(true);
      expect(validate({ ...detail, extra: 1 })).toBe(false);
      expect(
        validate({ ...detail, metadata: { ...detail.metadata, eventVersion: definition.version + 1 } }),
      ).toBe(false);
    }
  });

  it('does not depend on the order of fields in the zod source', () => {
    const define = (data: z.ZodObject) =>
      defineEvent({
        detailType: 'Probe',
        version: 1,
        source: Sources.dte,
        description: 'p',
        data,
        example: {},
      });
    const ab = define(z.object({ a: z.string(), b: z.number() }));
    const ba = define(z.object({ b: z.number(), a: z.string() }));
    expect(formatSchemaJson(schemaOf(ab))).toBe(formatSchemaJson(schemaOf(ba)));
    expect(formatSchemaJson(schemaOf(ab))).not.toBe(
      formatSchemaJson(schemaOf(define(z.object({ a: z.string(), b: z.string() })))),
    );
  });
});

describe('the committed snapshots', () => {
  it('are exactly the generated text of every definition (2-space JSON, trailing newline)', () => {
    for (const definition of eventDefinitions) {
      const text = readFileSync(snapshotPathOf(defaultSnapshotDir, definition), 'utf8');
      expect(text, `${definition.detailType} v${definition.version}`).toBe(
        formatSchemaJson(schemaOf(definition)),
      );
      expect(text.endsWith('}\n')).toBe(true);
    }
  });
});

describe('formatSchemaJson', () => {
  it('lays out JSON as Biome does: objects expanded, short scalar arrays inline, long ones one per line', () => {
    const long = Array.from({ length: 12 }, (_, i) => `value-number-${i}`);
    expect(formatSchemaJson({ a: ['x', 1], b: {}, c: [], d: { e: true } })).toBe(
      '{\n  "a": ["x", 1],\n  "b": {},\n  "c": [],\n  "d": {\n    "e": true\n  }\n}\n',
    );
    expect(formatSchemaJson({ long })).toBe(
      `{\n  "long": [\n${long.map((v) => `    "${v}"`).join(',\n')}\n  ]\n}\n`,
    );
  });

  it('sorts required (a set) and property names but keeps enum order', () => {
    const schema = canonicalSchema({
      required: ['b', 'a'],
      properties: { b: { enum: ['z', 'y'], type: 'string' }, a: { type: 'string' } },
      type: 'object',
    });
    expect(JSON.stringify(schema)).toBe(
      '{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string","enum":["z","y"]}},"required":["a","b"]}',
    );
  });
});

describe('writeMissingSnapshots', () => {
  it('writes only missing snapshots and refuses to overwrite a published one that differs', () => {
    const dir = tempDir();
    cpSync(defaultSnapshotDir, dir, { recursive: true });
    const v2 = snapshotPathOf(dir, OrderReceivedV2);
    rmSync(v2);
    const accepted = eventDefinitions.find((d) => d.detailType === 'OrderAccepted')!;
    const acceptedPath = snapshotPathOf(dir, accepted);
    const tampered = readFileSync(acceptedPath, 'utf8').replace('"maxLength": 64', '"maxLength": 32');
    writeFileSync(acceptedPath, tampered);

    const result = writeMissingSnapshots({ definitions: eventDefinitions, snapshotDir: dir });

    expect(result.written).toEqual([v2]);
    expect(readFileSync(v2, 'utf8')).toBe(formatSchemaJson(schemaOf(OrderReceivedV2)));
    expect(result.unchanged).toHaveLength(eventDefinitions.length - 2);
    expect(result.conflicts).toHaveLength(1);
    expect(result.conflicts[0]).toMatchObject({
      detailType: 'OrderAccepted',
      version: 1,
      path: acceptedPath,
    });
    expect(result.conflicts[0]?.diff).toMatch(/^- +"maxLength": 32$/m);
    expect(result.conflicts[0]?.diff).toMatch(/^\+ +"maxLength": 64$/m);
    expect(readFileSync(acceptedPath, 'utf8')).toBe(tampered);

    const again = writeMissingSnapshots({ definitions: eventDefinitions, snapshotDir: dir });
    expect(again.written).toEqual([]);
    expect(again.conflicts).toHaveLength(1);
  });

  it('reads a missing snapshot as undefined and refuses one that is not JSON', () => {
    const dir = tempDir();
    expect(readSnapshot(dir, OrderReceivedV2)).toBeUndefined();
    writeMissingSnapshots({ definitions: [OrderReceivedV2], snapshotDir: dir });
    writeFileSync(snapshotPathOf(dir, OrderReceivedV2), '{ not json');
    expect(() => readSnapshot(dir, OrderReceivedV2)).toThrow(/OrderReceived\/v2\.json is not a JSON object/);
  });
});

describe('lineDiff', () => {
  it('shows removed and added lines with context and elides the rest', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].join('\n');
    const after = ['a', 'b', 'c', 'd', 'E', 'f', 'g', 'h'].join('\n');
    expect(lineDiff(before, after)).toBe(['  …', '  c', '  d', '- e', '+ E', '  f', '  g', '  …'].join('\n'));
    expect(lineDiff(before, before)).toBe('');
  });
});
