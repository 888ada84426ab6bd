import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventDefinitions } from './catalogue';
import { arbitraryOf } from './schemaArbitrary';
import { type JsonSchema, schemaOf } from './schemaSnapshots';

describe('arbitraryOf', () => {
  it.each(eventDefinitions.map((d) => [`${d.detailType} v${d.version}`, d] as const))(
    'samples only details valid against the %s schema',
    (_name, definition) => {
      const schema = schemaOf(definition);
      const ajv = new Ajv({ allErrors: true, strict: true });
      addFormats(ajv);
      const validate = ajv.compile(schema);
      fc.assert(
        fc.property(arbitraryOf(schema), (detail) => {
          expect(validate(detail), JSON.stringify(validate.errors)).toBe(true);
        }),
        { numRuns: 60, seed: 7 },
      );
    },
    // The first schema compiles Ajv and its formats: seconds on a busy 2-core CI machine.
    30_000,
  );

  it('honours bounds, exclusive bounds and optional properties', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 3 },
        s: { type: 'string', minLength: 2, maxLength: 3 },
        o: { type: 'boolean' },
      },
      required: ['n', 's'],
    };
    const samples = fc.sample(arbitraryOf(schema), { numRuns: 200, seed: 1 }) as Record<string, unknown>[];
    expect(new Set(samples.map((s) => s.n))).toEqual(new Set([1, 2, 3]));
    expect(samples.every((s) => [...String(s.s)].length >= 2 && String(s.s).length <= 3)).toBe(true);
    expect(samples.some((s) => 'o' in s)).toBe(true);
    expect(samples.some((s) => !('o' in s))).toBe(true);
  });

  it('refuses a schema it cannot sample rather than sampling it wrongly', () => {
    expect(() => arbitraryOf({ type: 'array' })).toThrow(/without one items schema/);
    expect(() => arbitraryOf({ $ref: '#/definitions/x' })).toThrow(/cannot sample/);
  });
});
