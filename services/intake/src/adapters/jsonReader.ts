/**
 * A strict JSON (RFC 8259) reader for intake. `JSON.parse` keeps the last of two equal keys without
 * a word, has no nesting limit, and says nothing about where a value was in the text. This reader:
 *
 * - keeps the first of two equal keys and reports the second (`duplicate_key`), so an order that
 *   says two things is refused, never silently read one way;
 * - never stores the keys `__proto__`, `constructor` and `prototype` and reports them (`reserved_name`);
 * - refuses nesting deeper than `maxDepth` (iteratively: no input can exhaust the stack);
 * - remembers where each object and array was in the text, so a batch keeps every order's own bytes.
 *
 * Everything else is RFC 8259: one value, no trailing commas, no comments, control characters only
 * escaped, numbers as JavaScript reads them.
 */

export type JsonPath = (string | number)[];

export interface JsonKeyIssue {
  code: 'duplicate_key' | 'reserved_name';
  /** Where the key is: the path of its object, then the key. */
  path: JsonPath;
}

export interface JsonDocument {
  value: unknown;
  issues: JsonKeyIssue[];
  /** Source offsets `[start, end)` of every object and array. */
  spans: WeakMap<object, readonly [number, number]>;
}

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly code: 'malformed_json' | 'too_deep',
    readonly detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${detail} (line ${line}, column ${column})`);
  }
}

/** Names that mean something to JavaScript objects; never a field of an order. */
export const reservedNames: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type Frame =
  | { kind: 'object'; value: Record<string, unknown>; start: number; key: string | undefined }
  | { kind: 'array'; value: unknown[]; start: number };

const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// Everything up to a quote, a backslash or a control character (which JSON requires escaped).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding raw control characters is the point
const plainStringPattern = /[^"\\\u0000-\u001f]*/y;
const escapes: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Reads one JSON document. Throws {@link JsonSyntaxError} at the first error.
 *
 * @example readJson('{"a":1,"a":2}', { maxDepth: 32 }).issues // [{ code: 'duplicate_key', path: ['a'] }]
 */
export function readJson(source: string, options: { maxDepth: number }): JsonDocument {
  const fail = (code: JsonSyntaxError['code'], detail: string, at: number): never => {
    let line = 1;
    let lineStart = 0;
    for (let n = source.indexOf('\n'); n !== -1 && n < at; n = source.indexOf('\n', n + 1)) {
      line++;
      lineStart = n + 1;
    }
    throw new JsonSyntaxError(code, detail, line, at - lineStart + 1);
  };
  let i = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const issues: JsonKeyIssue[] = [];
  const spans = new WeakMap<object, readonly [number, number]>();
  const stack: Frame[] = [];

  const skipSpace = () => {
    for (;;) {
      const c = source.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else return;
    }
  };
  const describe = (at: number) => (at >= source.length ? 'the end of the text' : JSON.stringify(source[at]));
  const readString = (): string => {
    // At the opening quote.
    i++;
    let text = '';
    for (;;) {
      plainStringPattern.lastIndex = i;
      const plain = plainStringPattern.exec(source)![0];
      text += plain;
      i += plain.length;
      const char = source[i];
      if (char === '"') {
        i++;
        return text;
      }
      if (char === undefined) fail('malformed_json', 'unterminated string', i);
      if (char !== '\\') {
        fail('malformed_json', 'a control character in a string must be escaped (\\n, \\t, \\u0000…)', i);
      }
      const escaped = source[i + 1];
      if (escaped === 'u') {
        const digits = source.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(digits)) fail('malformed_json', 'malformed \\u escape', i);
        text += String.fromCharCode(Number.parseInt(digits, 16));
        i += 6;
      } else if (escaped !== undefined && escaped in escapes) {
        text += escapes[escaped];
        i += 2;
      } else {
        fail('malformed_json', `unknown escape \\${escaped ?? ''}`, i);
      }
    }
  };
  const pathHere = (): JsonPath =>
    stack.map((frame) => (frame.kind === 'object' ? (frame.key ?? '') : frame.value.length));

  let state: 'value' | 'key' = 'value';
  for (;;) {
    if (state === 'key') {
      skipSpace();
      if (source[i] !== '"') fail('malformed_json', `expected a key in quotes, got ${describe(i)}`, i);
      const key = readString();
      skipSpace();
      if (source[i] !== ':') fail('malformed_json', `expected ":" after key ${JSON.stringify(key)}`, i);
      i++;
      (stack[stack.length - 1] as Extract<Frame, { kind: 'object' }>).key = key;
      state = 'value';
    }
    skipSpace();
    const start = i;
    const char = source[i];
    let value: unknown;
    if (char === '{' || char === '[') {
      if (stack.length >= options.maxDepth) {
        fail('too_deep', `objects and arrays are nested more than ${options.maxDepth} deep`, i);
      }
      i++;
      skipSpace();
      const empty = source[i] === (char === '{' ? '}' : ']');
      const container = char === '{' ? {} : [];
      if (empty) {
        i++;
        spans.set(container, [start, i]);
        value = container;
      } else {
        stack.push(
          char === '{'
            ? { kind: 'object', value: container as Record<string, unknown>, start, key: undefined }
            : { kind: 'array', value: container as unknown[], start },
        );
        state = char === '{' ? 'key' : 'value';
        continue;
      }
    } else if (char === '"') {
      value = readString();
    } else if (source.startsWith('true', i)) {
      value = true;
      i += 4;
    } else if (source.startsWith('false', i)) {
      value = false;
      i += 5;
    } else if (source.startsWith('null', i)) {
      value = null;
      i += 4;
    } else {
      numberPattern.lastIndex = i;
      const number = numberPattern.exec(source);
      if (!number) fail('malformed_json', `expected a value, got ${describe(i)}`, i);
      value = Number(number![0]);
      i = numberPattern.lastIndex;
    }
    // A value is complete: add it to its container; close every container that ends here.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (!frame) {
        skipSpace();
        if (i < source.length) fail('malformed_json', `unexpected ${describe(i)} after the JSON value`, i);
        return { value, issues, spans };
      }
      if (frame.kind === 'object') {
        const key = frame.key!;
        if (reservedNames.has(key)) issues.push({ code: 'reserved_name', path: pathHere() });
        else if (Object.hasOwn(frame.value, key)) issues.push({ code: 'duplicate_key', path: pathHere() });
        else frame.value[key] = value;
        frame.key = undefined;
      } else {
        frame.value.push(value);
      }
      skipSpace();
      const close = frame.kind === 'object' ? '}' : ']';
      if (source[i] === ',') {
        i++;
        state = frame.kind === 'object' ? 'key' : 'value';
        break;
      }
      if (source[i] !== close) fail('malformed_json', `expected "," or "${close}", got ${describe(i)}`, i);
      i++;
      stack.pop();
      spans.set(frame.value, [frame.start, i]);
      value = frame.value;
    }
  }
}
