import type { EventPattern } from '@mtd/contracts';

/** A pattern EventBridge would refuse; the message follows EventBridge's (aws/event-ruler's) wording. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Event pattern is not valid at ${path || '(root)'}: ${reason}`);
  }
}

/** EventBridge refuses an event pattern longer than this (characters of its JSON). */
export const maxEventPatternLength = 2048;
/**
 * event-ruler compares numbers as doubles in [-5e9, 5e9], six digits after the decimal point
 * (ComparableNumber). A numeric operand outside the range is refused.
 */
export const numericLimit = 5e9;
/**
 * EventBridge refuses wildcard patterns that make its automaton too large ("Rule is too complex").
 * Its exact budget is not documented; like moto's emulation we refuse more than 5 wildcards in one
 * value, on top of event-ruler's own rule that two wildcards may never be consecutive.
 */
export const maxWildcardsPerValue = 5;

/** Operator names event-ruler reserves: they cannot be field names inside `$or`. */
const operators = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'wildcard',
] as const;

/**
 * Throws {@link InvalidEventPatternError} when EventBridge would refuse the pattern (PutRule /
 * TestEventPattern), e.g. an unknown operator, a bad numeric range, a bad CIDR, a wildcard that is
 * too complex, an empty array, a leaf that is not an array, or a pattern over 2048 characters.
 *
 * @example validateEventPattern({ source: [{ prefix: 'mtd.' }] }) // ok
 */
export function validateEventPattern(pattern: unknown): asserts pattern is EventPattern {
  if (!isObject(pattern)) throw new InvalidEventPatternError('', 'Filter is not an object');
  const length = JSON.stringify(pattern).length;
  if (length > maxEventPatternLength) {
    throw new InvalidEventPatternError(
      '',
      `Event pattern is ${length} characters long; the maximum is ${maxEventPatternLength}`,
    );
  }
  validateObject(pattern, '', false);
}

function validateObject(pattern: Record<string, unknown>, path: string, insideOr: boolean): void {
  const entries = Object.entries(pattern);
  if (entries.length === 0) fail(path, 'Empty objects are not allowed');
  for (const [key, value] of entries) {
    const here = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value)) fail(here, 'It must be an Array followed with $or.');
      if (value.length < 2) fail(here, 'There must have at least 2 Objects in $or relationship.');
      for (const [i, alternative] of value.entries()) {
        if (!isObject(alternative))
          fail(`${here}[${i}]`, 'Only JSON object is allowed in array of $or relationship.');
        validateObject(alternative, path, true);
      }
      continue;
    }
    if (insideOr && (operators as readonly string[]).includes(key)) {
      fail(here, `${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    }
    if (isObject(value)) validateObject(value, here, insideOr);
    else if (Array.isArray(value)) validateLeaf(value, here);
    else fail(here, `"${key}" must be an object or an array`);
  }
}

function validateLeaf(matchers: unknown[], path: string): void {
  if (matchers.length === 0) fail(path, 'Empty arrays are not allowed');
  for (const matcher of matchers) {
    if (matcher === null || ['string', 'number', 'boolean'].includes(typeof matcher)) continue;
    if (!isObject(matcher)) fail(path, 'Match value must be String, number, true, false, or null');
    validateMatcher(matcher, path);
  }
}

function validateMatcher(matcher: Record<string, unknown>, path: string): void {
  const keys = Object.keys(matcher);
  if (keys.length === 0) fail(path, 'Match expression name not found');
  if (keys.length > 1) fail(path, 'Only one key allowed in match expression');
  const name = keys[0]!;
  const operand = matcher[name];
  switch (name) {
    case 'prefix':
    case 'suffix':
      if (isObject(operand)) {
        ignoreCaseOperand(operand, name, path);
        return;
      }
      if (typeof operand !== 'string') fail(path, `${name} match pattern must be a string`);
      return;
    case 'equals-ignore-case':
      if (typeof operand !== 'string') fail(path, 'equals-ignore-case match pattern must be a string');
      return;
    case 'wildcard':
      if (typeof operand !== 'string') fail(path, 'wildcard match pattern must be a string');
      validateWildcard(operand, path);
      return;
    case 'exists':
      if (typeof operand !== 'boolean') fail(path, 'exists match pattern must be either true or false.');
      return;
    case 'cidr':
      if (typeof operand !== 'string') fail(path, 'cidr match pattern must be a string');
      parseCidr(operand, path);
      return;
    case 'numeric':
      validateNumeric(operand, path);
      return;
    case 'anything-but':
      validateAnythingBut(operand, path);
      return;
    default:
      fail(path, `Unrecognized match type ${name}`);
  }
}

function ignoreCaseOperand(operand: Record<string, unknown>, name: string, path: string): void {
  const keys = Object.keys(operand);
  if (keys.length !== 1 || keys[0] !== 'equals-ignore-case')
    fail(path, `Unsupported ${name} pattern: ${keys.join(', ') || '(none)'}`);
  if (typeof operand['equals-ignore-case'] !== 'string')
    fail(path, `equals-ignore-case match pattern must be a string`);
}

function validateAnythingBut(operand: unknown, path: string): void {
  if (isObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1) fail(path, 'Only one key allowed in match expression');
    const name = keys[0]!;
    const inner = operand[name];
    if (name === 'prefix' || name === 'suffix') {
      if (typeof inner !== 'string') fail(path, 'prefix/suffix match pattern must be a string');
      if (inner === '') fail(path, 'Null prefix/suffix not allowed');
      return;
    }
    if (name === 'equals-ignore-case' || name === 'wildcard') {
      const list = Array.isArray(inner) ? inner : [inner];
      if (list.length === 0 || list.some((v) => typeof v !== 'string'))
        fail(path, `Inside anything-but/${name} list, number|start|null|boolean is not supported.`);
      if (name === 'wildcard') for (const w of list as string[]) validateWildcard(w, path);
      return;
    }
    fail(path, `Unsupported anything-but pattern: ${name}`);
  }
  if (Array.isArray(operand)) {
    const strings = operand.filter((v) => typeof v === 'string').length;
    const numbers = operand.filter((v) => typeof v === 'number').length;
    if (strings + numbers !== operand.length)
      fail(path, 'Inside anything but list, start|null|boolean is not supported.');
    if ((strings > 0 && numbers > 0) || operand.length === 0)
      fail(
        path,
        'Inside anything but list, either all values are number or string, mixed type is not supported',
      );
    for (const v of operand) if (typeof v === 'number') numericOperand(v, path);
    return;
  }
  if (typeof operand === 'number') {
    numericOperand(operand, path);
    return;
  }
  if (typeof operand !== 'string')
    fail(path, 'Value of anything-but must be an array or single string/number value.');
}

/** `numeric`: `[op, n]` or a range `[">" | ">=", n, "<" | "<=", m]` with n < m (event-ruler's Range). */
function validateNumeric(operand: unknown, path: string): void {
  if (!Array.isArray(operand)) fail(path, 'Value of numeric must be an array.');
  const [op, value, op2, value2, ...rest] = operand;
  if (typeof op !== 'string') fail(path, `Invalid member in numeric match: ${JSON.stringify(op)}`);
  if (!['=', '<', '<=', '>', '>='].includes(op)) fail(path, `Unrecognized numeric range operator: ${op}`);
  if (typeof value !== 'number') fail(path, `Value of ${op === '=' ? 'equals' : op} must be numeric`);
  numericOperand(value, path);
  if (operand.length === 2) return;
  if (op !== '>' && op !== '>=') fail(path, 'Too many elements in numeric expression');
  if (typeof op2 !== 'string') fail(path, `Bad value in numeric range: ${JSON.stringify(op2)}`);
  if (op2 !== '<' && op2 !== '<=') fail(path, `Bad numeric range operator: ${op2}`);
  if (typeof value2 !== 'number') fail(path, `Value of ${op2} must be numeric`);
  numericOperand(value2, path);
  if (rest.length > 0) fail(path, 'Too many terms in numeric range expression');
  if (!(value < value2)) fail(path, `Bottom must be less than top`);
}

function numericOperand(value: number, path: string): void {
  if (!Number.isFinite(value) || value < -numericLimit || value > numericLimit)
    fail(path, `Value must be between ${-numericLimit} and ${numericLimit}, inclusive`);
}

/** event-ruler's WildcardParser: `\*` and `\\` are the only escapes; `**` is refused. */
export function validateWildcard(wildcard: string, path = ''): void {
  let wildcards = 0;
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i];
    if (c === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') fail(path, `Invalid escape character at pos ${i}`);
      i++;
    } else if (c === '*') {
      if (wildcard[i + 1] === '*') fail(path, `Consecutive wildcard characters at pos ${i}`);
      wildcards++;
    }
  }
  if (wildcards > maxWildcardsPerValue)
    fail(
      path,
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
    );
}

export interface ParsedIp {
  v6: boolean;
  value: bigint;
}

/** A CIDR block as a network and prefix length; throws InvalidEventPatternError like event-ruler's CIDR. */
export function parseCidr(cidr: string, path = ''): { network: ParsedIp; bits: number } {
  const parts = cidr.split('/');
  if (parts.length !== 2) fail(path, `Malformed CIDR, one '/' required: ${cidr}`);
  const network = parseIp(parts[0]!);
  if (!network) fail(path, `Nonstandard IP address: ${parts[0]}`);
  const max = network.v6 ? 128 : 32;
  const bitsText = parts[1]!;
  const bits = Number(bitsText);
  if (!/^\d{1,3}$/.test(bitsText) || bits > max)
    fail(path, `CIDR mask bits must be between 0 and ${max}: ${cidr}`);
  return { network, bits };
}

/** A plain IPv4 (dotted quad) or IPv6 address (with `::`), else undefined. No zone ids. */
export function parseIp(text: string): ParsedIp | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { v6: false, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const [head = '', tail] = halves;
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  if (tail === undefined ? headParts.length !== 8 : missing < 1) return undefined;
  const groups = [...headParts, ...Array(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { v6: true, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

function fail(path: string, reason: string): never {
  throw new InvalidEventPatternError(path, reason);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
