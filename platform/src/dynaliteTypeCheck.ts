/**
 * dynalite 4.0.0's `checkTypes` (validations/index.js, Apache-2.0), the first step of every request
 * the embedded engine answers: members the operation does not know are dropped, types are checked
 * (a SerializationException as DynamoDB's Java parser words it) and a typed copy is returned.
 *
 * Why a copy of library code: dynalite's version builds its type descriptions anew for every value
 * it checks (the AttributeValue description, a 10-member object literal, for each attribute of each
 * item; a regular-expression match per value; two closures per nested structure). In a rebuild of
 * 100,000 events that was a quarter of all the bytes the process allocated (2.7 of 11 GB) and ~8% of
 * the main thread. This one parses each type description once and keeps it, and returns a one-member
 * structure that checking leaves unchanged as it is instead of a copy; everything else —
 * the members kept and their order, the values returned, every error and its message — is the
 * original's, line for line, as `dynaliteTypeCheck.unit.test.ts` checks against dynalite's own on
 * valid and invalid requests of every shape the engine serves.
 */

interface TypeSpec {
  type?: string | TypeSpec;
  children?: string | Record<string, unknown> | TypeSpec;
  [member: string]: unknown;
}

type Types = Record<string, unknown>;

export function checkTypes(data: Record<string, unknown>, types: Types): Record<string, unknown> {
  // (dynalite runs in sloppy mode, where deleting a string's index fails silently; a body that is
  // a JSON string has nothing to drop.)
  let kept = 0;
  if (typeof data === 'object')
    for (const key in data) {
      if (!types[key] || data[key] == null) delete data[key];
      else kept++;
    }
  // One member left (every attribute value: { S: '…' }): when checking leaves its value as it is,
  // the copy dynalite makes would equal what is left of the request itself.
  if (kept === 1)
    for (const key in data) {
      const val = checkType(data[key], types[key] as TypeSpec | string);
      if (val === data[key]) return data;
      return val != null ? { [key]: val } : {};
    }
  const checked: Record<string, unknown> = {};
  for (const key of keysOf(types)) {
    const val = checkType(data[key], types[key] as TypeSpec | string);
    if (val != null) checked[key] = val;
  }
  return checked;
}

function typeError(msg: string): Error {
  return Object.assign(new Error(msg), {
    statusCode: 400,
    body: { __type: 'com.amazon.coral.service#SerializationException', Message: msg },
  });
}

/** Object.keys of a type description, kept: descriptions are dynalite's module constants. */
const typeKeys = new WeakMap<object, string[]>();
function keysOf(types: object): string[] {
  let keys = typeKeys.get(types);
  if (!keys) {
    keys = Object.keys(types);
    typeKeys.set(types, keys);
  }
  return keys;
}

/** `List<X>` → { type: 'List', subtype: 'X' }; a name without `<…>` has no subtype. */
const parsedTypes = new Map<string, { type: string; subtype: string | undefined }>();
function parseType(name: string) {
  let parsed = parsedTypes.get(name);
  if (!parsed) {
    const match = name.match(/(.+?)<(.+)>$/);
    parsed = match ? { type: match[1]!, subtype: match[2]! } : { type: name, subtype: undefined };
    parsedTypes.set(name, parsed);
  }
  return parsed;
}

/** `children: 'String'` is shorthand for `{ type: 'String' }`. */
const childSpecs = new Map<string, TypeSpec>();
function childSpecOf(name: string): TypeSpec {
  let spec = childSpecs.get(name);
  if (!spec) {
    spec = { type: name };
    childSpecs.set(name, spec);
  }
  return spec;
}

const attributeValueChildren = {
  S: 'String',
  B: 'Blob',
  N: 'String',
  BOOL: 'Boolean',
  NULL: 'Boolean',
  BS: { type: 'List', children: 'Blob' },
  NS: { type: 'List', children: 'String' },
  SS: { type: 'List', children: 'String' },
  L: { type: 'List', children: 'AttrStruct<ValueStruct>' },
  M: { type: 'Map<AttributeValue>', children: 'AttrStruct<ValueStruct>' },
};
/** `AttrStruct<X>` is checked as `X<AttributeValue>` with the AttributeValue members. */
const attrStructSpecs = new Map<string, TypeSpec>();
function attrStructSpecOf(subtype: string | undefined): TypeSpec {
  const key = String(subtype);
  let spec = attrStructSpecs.get(key);
  if (!spec) {
    spec = { type: `${subtype}<AttributeValue>`, children: attributeValueChildren };
    attrStructSpecs.set(key, spec);
  }
  return spec;
}

function checkType(val: unknown, spec: TypeSpec | string): unknown {
  if (val == null) return null;
  let children = typeof spec === 'string' ? undefined : spec.children;
  if (typeof children === 'string') children = childSpecOf(children);
  let typeName = spec as TypeSpec | string;
  if (typeof spec !== 'string' && spec.type) typeName = spec.type;
  const { type, subtype } = parseType(typeName as string);

  if (type === 'AttrStruct') return checkType(val, attrStructSpecOf(subtype));

  switch (type) {
    case 'Boolean':
      switch (typeof val) {
        case 'number':
          throw typeError(
            `${val % 1 === 0 ? 'NUMBER_VALUE' : 'DECIMAL_VALUE'} cannot be converted to ${type}`,
          );
        case 'string': {
          // 'true'/'false'/'1'/'0'/'no'/'yes' seem to convert fine
          const upper = val.toUpperCase();
          if (['TRUE', '1', 'YES'].includes(upper)) return true;
          if (['FALSE', '0', 'NO'].includes(upper)) return false;
          throw typeError('Unexpected token received from parser');
        }
        case 'object':
          if (Array.isArray(val)) throw typeError(`Unrecognized collection type class java.lang.${type}`);
          throw typeError('Start of structure or map found where not expected');
      }
      return val;
    case 'Short':
    case 'Integer':
    case 'Long':
    case 'Double':
      switch (typeof val) {
        case 'boolean':
          throw typeError(`${val ? 'TRUE_VALUE' : 'FALSE_VALUE'} cannot be converted to ${type}`);
        case 'number':
          return type !== 'Double' ? Math.floor(val) : val;
        case 'string':
          throw typeError(`STRING_VALUE cannot be converted to ${type}`);
        case 'object':
          if (Array.isArray(val)) throw typeError(`Unrecognized collection type class java.lang.${type}`);
          throw typeError('Start of structure or map found where not expected');
      }
      return val;
    case 'String':
      switch (typeof val) {
        case 'boolean':
          throw typeError(`${val ? 'TRUE_VALUE' : 'FALSE_VALUE'} cannot be converted to ${type}`);
        case 'number':
          throw typeError(
            `${val % 1 === 0 ? 'NUMBER_VALUE' : 'DECIMAL_VALUE'} cannot be converted to ${type}`,
          );
        case 'object':
          if (Array.isArray(val)) throw typeError(`Unrecognized collection type class java.lang.${type}`);
          throw typeError('Start of structure or map found where not expected');
      }
      return val;
    case 'Blob':
      switch (typeof val) {
        case 'boolean':
        case 'number':
          throw typeError('only base-64-encoded strings are convertible to bytes');
        case 'object':
          if (Array.isArray(val)) throw typeError('Unrecognized collection type class java.nio.ByteBuffer');
          throw typeError('Start of structure or map found where not expected');
      }
      if ((val as string).length % 4)
        throw typeError(
          `Base64 encoded length is expected a multiple of 4 bytes but found: ${(val as string).length}`,
        );
      if (Buffer.from(val as string, 'base64').toString('base64') !== val)
        throw typeError('Invalid last non-pad Base64 character dectected');
      return val;
    case 'List':
      switch (typeof val) {
        case 'boolean':
        case 'number':
        case 'string':
          throw typeError('Unexpected field type');
        case 'object':
          if (!Array.isArray(val)) throw typeError('Start of structure or map found where not expected');
      }
      return (val as unknown[]).map((child) => checkType(child, children as TypeSpec));
    case 'ParameterizedList':
      switch (typeof val) {
        case 'boolean':
        case 'number':
        case 'string':
          throw typeError(parameterizedTypeMessage);
        case 'object':
          if (!Array.isArray(val)) throw typeError('Start of structure or map found where not expected');
      }
      return (val as unknown[]).map((child) => checkType(child, children as TypeSpec));
    case 'ParameterizedMap':
      switch (typeof val) {
        case 'boolean':
        case 'number':
        case 'string':
          throw typeError(parameterizedTypeMessage);
        case 'object':
          if (Array.isArray(val))
            throw typeError(
              'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>',
            );
      }
      return mapValues(val as Record<string, unknown>, children as TypeSpec);
    case 'Map':
      switch (typeof val) {
        case 'boolean':
        case 'number':
        case 'string':
          throw typeError('Unexpected field type');
        case 'object':
          if (Array.isArray(val)) {
            const name = subtype!.includes('.') ? subtype : `com.amazonaws.dynamodb.v20120810.${subtype}`;
            throw typeError(`Unrecognized collection type java.util.Map<java.lang.String, ${name}>`);
          }
      }
      return mapValues(val as Record<string, unknown>, children as TypeSpec);
    case 'ValueStruct':
      switch (typeof val) {
        case 'boolean':
        case 'number':
        case 'string':
          throw typeError('Unexpected value type in payload');
        case 'object':
          if (Array.isArray(val))
            throw typeError(`Unrecognized collection type class com.amazonaws.dynamodb.v20120810.${subtype}`);
      }
      return checkTypes(val as Record<string, unknown>, children as Types);
    case 'FieldStruct':
      switch (typeof val) {
        case 'boolean':
        case 'number':
        case 'string':
          throw typeError('Unexpected field type');
        case 'object':
          if (Array.isArray(val))
            throw typeError(`Unrecognized collection type class com.amazonaws.dynamodb.v20120810.${subtype}`);
      }
      return checkTypes(val as Record<string, unknown>, children as Types);
    default:
      throw new Error(`Unknown type: ${type}`);
  }
}

const parameterizedTypeMessage =
  "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')";

function mapValues(val: Record<string, unknown>, children: TypeSpec): Record<string, unknown> {
  const checked: Record<string, unknown> = {};
  for (const key of Object.keys(val)) checked[key] = checkType(val[key], children);
  return checked;
}
