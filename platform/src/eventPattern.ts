import type { EventPattern } from '@mtd/contracts';

/**
 * EventBridge event-pattern matching, so a subscription matches locally exactly what its rule
 * matches in AWS (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html).
 *
 * Semantics: every field named in the pattern must match (AND); a leaf is an array of matchers, any
 * of which may match (OR); an array in the event matches when any of its elements matches; a field
 * missing from the event matches only `{ "exists": false }`; `$or` takes alternative sub-patterns.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

/** A pattern EventBridge would refuse. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Event pattern is not valid at ${path || '(root)'}: ${reason}`);
  }
}

function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as Record<string, unknown>[]).some((alternative) => matchObject(alternative, value)))
        return false;
      continue;
    }
    const field = isObject(value) ? value[key] : undefined;
    const present = isObject(value) && key in value;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, field, present)) return false;
    } else if (isObject(sub)) {
      if (!present || !isObject(field)) {
        // A nested pattern on a missing object can still hold only `exists: false` leaves.
        if (!matchesAbsent(sub)) return false;
      } else if (!matchObject(sub, field)) return false;
    }
  }
  return true;
}

function matchesAbsent(pattern: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === '$or') return (sub as Record<string, unknown>[]).some(matchesAbsent);
    if (Array.isArray(sub)) return sub.some((m) => isObject(m) && m.exists === false);
    return isObject(sub) && matchesAbsent(sub);
  });
}

function matchLeaf(matchers: unknown[], field: unknown, present: boolean): boolean {
  const values = Array.isArray(field) ? field : [field];
  return matchers.some((matcher) => {
    if (isObject(matcher) && 'exists' in matcher) {
      // exists: true needs a present, non-null leaf; an empty array counts as absent.
      const exists = present && field !== null && !(Array.isArray(field) && field.length === 0);
      return matcher.exists === exists;
    }
    if (!present) return false;
    return values.some((v) => matchValue(matcher, v));
  });
}

function matchValue(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) return exactEquals(matcher, value);
  if ('prefix' in matcher) return stringTest(matcher.prefix, value, (v, p) => v.startsWith(p));
  if ('suffix' in matcher) return stringTest(matcher.suffix, value, (v, s) => v.endsWith(s));
  if ('equals-ignore-case' in matcher) {
    return (
      typeof value === 'string' && value.toLowerCase() === String(matcher['equals-ignore-case']).toLowerCase()
    );
  }
  if ('wildcard' in matcher)
    return typeof value === 'string' && wildcardRegExp(String(matcher.wildcard)).test(value);
  if ('numeric' in matcher)
    return typeof value === 'number' && numericTest(matcher.numeric as unknown[], value);
  if ('cidr' in matcher) return typeof value === 'string' && cidrContains(String(matcher.cidr), value);
  if ('anything-but' in matcher) return anythingBut(matcher['anything-but'], value);
  throw new InvalidEventPatternError('', `Unrecognized match type ${Object.keys(matcher)[0]}`);
}

function stringTest(
  operand: unknown,
  value: unknown,
  test: (value: string, operand: string) => boolean,
): boolean {
  if (typeof value !== 'string') return false;
  if (isObject(operand) && 'equals-ignore-case' in operand) {
    return test(value.toLowerCase(), String(operand['equals-ignore-case']).toLowerCase());
  }
  return test(value, String(operand));
}

function anythingBut(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return !operand.some((o) => exactEquals(o, value));
  if (isObject(operand)) {
    if ('prefix' in operand)
      return typeof value === 'string' && !stringTest(operand.prefix, value, (v, p) => v.startsWith(p));
    if ('suffix' in operand)
      return typeof value === 'string' && !stringTest(operand.suffix, value, (v, s) => v.endsWith(s));
    if ('wildcard' in operand) {
      const patterns = Array.isArray(operand.wildcard) ? operand.wildcard : [operand.wildcard];
      return typeof value === 'string' && !patterns.some((w) => wildcardRegExp(String(w)).test(value));
    }
    if ('equals-ignore-case' in operand) {
      const list = Array.isArray(operand['equals-ignore-case'])
        ? operand['equals-ignore-case']
        : [operand['equals-ignore-case']];
      return typeof value === 'string' && !list.some((o) => String(o).toLowerCase() === value.toLowerCase());
    }
    if ('numeric' in operand)
      return typeof value === 'number' && !numericTest(operand.numeric as unknown[], value);
  }
  return !exactEquals(operand, value);
}

function exactEquals(expected: unknown, value: unknown): boolean {
  if (typeof expected === 'number' && typeof value === 'number') return expected === value;
  return expected === value;
}

function numericTest(conditions: unknown[], value: number): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const operator = conditions[i];
    const operand = Number(conditions[i + 1]);
    const ok =
      operator === '='
        ? value === operand
        : operator === '>'
          ? value > operand
          : operator === '>='
            ? value >= operand
            : operator === '<'
              ? value < operand
              : operator === '<='
                ? value <= operand
                : false;
    if (!ok) return false;
  }
  return true;
}

const wildcardCache = new Map<string, RegExp>();
function wildcardRegExp(wildcard: string): RegExp {
  let regExp = wildcardCache.get(wildcard);
  if (!regExp) {
    let source = '';
    for (let i = 0; i < wildcard.length; i++) {
      const c = wildcard[i]!;
      if (c === '\\' && i + 1 < wildcard.length) source += escapeRegExp(wildcard[++i]!);
      else if (c === '*') source += '.*';
      else source += escapeRegExp(c);
    }
    regExp = new RegExp(`^${source}$`, 's');
    wildcardCache.set(wildcard, regExp);
  }
  return regExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cidrContains(cidr: string, ip: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const net = parseIp(network ?? '');
  const addr = parseIp(ip);
  if (!net || !addr || net.v6 !== addr.v6) return false;
  const total = net.v6 ? 128 : 32;
  const bits = bitsText === undefined ? total : Number(bitsText);
  const shift = BigInt(total - bits);
  return net.value >> shift === addr.value >> shift;
}

function parseIp(text: string): { v6: boolean; value: bigint } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { v6: false, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (!text.includes(':')) return undefined;
  const [head = '', tail] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  if (tail === undefined ? headParts.length !== 8 : missing < 0) return undefined;
  const groups = [...headParts, ...Array(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { v6: true, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
