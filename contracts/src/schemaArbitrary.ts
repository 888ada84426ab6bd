import fc from 'fast-check';
import type { JsonSchema } from './schemaSnapshots';

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// fc.integer works on 32-bit ints; bounds beyond that (zod's int is ±2^53-1) are still reached
// through the explicit boundary values.
const int32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
// Strings and arrays are kept short: what matters for upcasting is their shape, not their size.
const maxExtraLength = 24;
const maxExtraItems = 3;

/** The schema's bound, made inclusive: draft-04 marks an exclusive bound with a boolean. */
function bound(schema: JsonSchema, side: 'minimum' | 'maximum', step: number): number | undefined {
  const value = schema[side];
  const exclusive = schema[side === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'];
  if (typeof exclusive === 'number') return exclusive + (side === 'minimum' ? step : -step);
  if (typeof value !== 'number') return undefined;
  return exclusive === true ? value + (side === 'minimum' ? step : -step) : value;
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined;
  // Lengths in JSON Schema count code points, zod's count UTF-16 units: both must hold.
  const fits = (s: string) =>
    [...s].length >= minLength && (maxLength === undefined || s.length <= maxLength);
  if (schema.format === 'date-time') {
    return fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('2999-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString());
  }
  if (schema.format === 'email') {
    return fc.emailAddress().filter((s) => (pattern ? pattern.test(s) : true) && fits(s));
  }
  if (pattern) return fc.stringMatching(pattern).filter(fits);
  return fc
    .string({
      unit: 'binary',
      minLength,
      maxLength: Math.min(maxLength ?? minLength + maxExtraLength, minLength + maxExtraLength),
    })
    .filter(fits);
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  if (integer) {
    const min = bound(schema, 'minimum', 1) ?? Number.MIN_SAFE_INTEGER;
    const max = bound(schema, 'maximum', 1) ?? Number.MAX_SAFE_INTEGER;
    const inner = fc.integer({ min: Math.max(min, int32.min), max: Math.min(max, int32.max) });
    return fc.oneof(inner, fc.constantFrom(min, max));
  }
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  return fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(min === undefined ? {} : { min, minExcluded: schema.exclusiveMinimum === true }),
    ...(max === undefined ? {} : { max, maxExcluded: schema.exclusiveMaximum === true }),
  });
}

/**
 * Arbitrary JSON values valid against a draft-04 schema of the shape `z.toJSONSchema` produces:
 * `enum`, `anyOf`/`oneOf`, `type` (string with length/pattern/date-time/email, integer and number
 * with bounds, boolean, null, array with `items`, object with `properties`/`required`). Optional
 * properties are sometimes absent. A keyword it does not know makes it throw, so a schema it
 * cannot honour is never sampled wrongly.
 *
 * @example fc.sample(arbitraryOf(schemaOf(OrderReceivedV1)), 3)
 */
export function arbitraryOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(union)) return fc.oneof(...union.filter(isObject).map(arbitraryOf));
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  if (types.length > 1) return fc.oneof(...types.map((type) => arbitraryOf({ ...schema, type })));
  switch (types[0]) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (!isObject(schema.items)) throw new Error(`cannot sample an array without one items schema`);
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : minLength + maxExtraItems;
      return fc.array(arbitraryOf(schema.items), {
        minLength,
        maxLength: Math.min(maxItems, minLength + maxExtraItems),
      });
    }
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, child] of Object.entries(properties)) {
        if (isObject(child)) model[name] = arbitraryOf(child);
      }
      return fc.record(model, { requiredKeys: required.filter((name) => name in model) });
    }
    default:
      throw new Error(`cannot sample a schema of type ${JSON.stringify(schema.type)}`);
  }
}
