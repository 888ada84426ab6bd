import type { EventPattern } from '@mtd/contracts';
import { numericLimit, parseCidr, parseIp } from './eventPatternValidation';

export {
  InvalidEventPatternError,
  maxEventPatternLength,
  validateEventPattern,
} from './eventPatternValidation';

/**
 * EventBridge event-pattern matching, so a subscription matches locally exactly what its rule
 * matches in AWS (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html);
 * where the documentation is silent it follows aws/event-ruler, EventBridge's open-source engine.
 *
 * - Every field named in the pattern must match (AND); a leaf is an array of matchers, any of which
 *   may match (OR); `$or` (at any level) takes alternative sub-patterns.
 * - The event is seen as event-ruler sees it, as leaves: an array in the event matches when any of
 *   its elements matches (nested arrays flattened); a nested pattern under an array of objects must
 *   match within one element (event-ruler's array consistency).
 * - Values are typed: `"5"` never matches `5`. Numbers compare as event-ruler's ComparableNumber
 *   does: doubles in [-5e9, 5e9], six digits after the decimal point (so `5` matches `5.0`).
 * - `exists` asks whether a leaf is at that path: `null` is a leaf, an object or an empty array is
 *   not ("Exists matching only works on leaf nodes"). Every other matcher needs a leaf, so a missing
 *   field matches only `{ "exists": false }`; `anything-but` needs one too.
 *
 * Assumes a valid pattern ({@link validateEventPattern}); an unknown operator simply never matches.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

type Leaf = string | number | boolean | null;

function matchObject(pattern: Record<string, unknown>, node: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as Record<string, unknown>[]).some((alternative) => matchObject(alternative, node)))
        return false;
      continue;
    }
    const field = isObject(node) ? node[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, leavesOf(field))) return false;
    } else if (isObject(sub)) {
      const objects = objectsOf(field);
      // No object there: the sub-pattern sees every one of its fields absent.
      if (objects.length === 0 ? !matchObject(sub, undefined) : !objects.some((o) => matchObject(sub, o)))
        return false;
    }
  }
  return true;
}

function leavesOf(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  if (value === undefined || isObject(value)) return [];
  return [value as Leaf];
}

function objectsOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objectsOf);
  return isObject(value) ? [value] : [];
}

function matchLeaf(matchers: unknown[], values: Leaf[]): boolean {
  return matchers.some((matcher) => {
    if (isObject(matcher) && 'exists' in matcher) return matcher.exists === values.length > 0;
    return values.some((v) => matchValue(matcher, v));
  });
}

function matchValue(matcher: unknown, value: Leaf): boolean {
  if (!isObject(matcher)) return exactEquals(matcher, value);
  if ('anything-but' in matcher) return !anythingButOperand(matcher['anything-but'], value);
  return positive(matcher, value);
}

/** The matchers that ask a yes/no question of one value (everything but exists and anything-but). */
function positive(matcher: Record<string, unknown>, value: Leaf): boolean {
  if ('prefix' in matcher) return affix(matcher.prefix, value, (v, p) => v.startsWith(p));
  if ('suffix' in matcher) return affix(matcher.suffix, value, (v, s) => v.endsWith(s));
  if ('equals-ignore-case' in matcher) return ignoreCaseEquals(matcher['equals-ignore-case'], value);
  if ('wildcard' in matcher)
    return typeof value === 'string' && wildcardRegExp(String(matcher.wildcard)).test(value);
  if ('numeric' in matcher) return numericTest(matcher.numeric as unknown[], value);
  if ('cidr' in matcher) return typeof value === 'string' && cidrContains(String(matcher.cidr), value);
  return false;
}

/** True when the value is one of what anything-but excludes (so anything-but does NOT match it). */
function anythingButOperand(operand: unknown, value: Leaf): boolean {
  if (Array.isArray(operand)) return operand.some((o) => exactEquals(o, value));
  if (!isObject(operand)) return exactEquals(operand, value);
  const [name, inner] = Object.entries(operand)[0] ?? [];
  const list = Array.isArray(inner) ? inner : [inner];
  switch (name) {
    case 'prefix':
    case 'suffix':
      return positive({ [name]: inner }, value);
    case 'equals-ignore-case':
      return list.some((o) => ignoreCaseEquals(o, value));
    case 'wildcard':
      return list.some((w) => typeof value === 'string' && wildcardRegExp(String(w)).test(value));
    default:
      return false;
  }
}

function affix(operand: unknown, value: Leaf, test: (value: string, operand: string) => boolean): boolean {
  if (typeof value !== 'string') return false;
  if (isObject(operand)) {
    return test(foldCase(value), foldCase(String(operand['equals-ignore-case'])));
  }
  return test(value, String(operand));
}

function ignoreCaseEquals(operand: unknown, value: Leaf): boolean {
  return typeof value === 'string' && typeof operand === 'string' && foldCase(value) === foldCase(operand);
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

function exactEquals(expected: unknown, value: Leaf): boolean {
  if (typeof expected === 'number' && typeof value === 'number') {
    const a = comparable(expected);
    const b = comparable(value);
    // Outside ComparableNumber's range event-ruler still matches the literal text.
    return a !== undefined && b !== undefined ? a === b : expected === value;
  }
  return expected === value;
}

/**
 * event-ruler's ComparableNumber: `(long)(1e6 · (5e9 + n))`, computed in doubles exactly as Java
 * does, so two numbers are equal when they agree to six decimal places. Undefined outside range.
 */
export function comparable(n: number): number | undefined {
  if (!Number.isFinite(n) || n < -numericLimit || n > numericLimit) return undefined;
  return Math.trunc(1e6 * (numericLimit + n));
}

function numericTest(conditions: unknown[], value: Leaf): boolean {
  if (typeof value !== 'number') return false;
  const v = comparable(value);
  if (v === undefined) return false;
  for (let i = 0; i < conditions.length; i += 2) {
    const operand = comparable(Number(conditions[i + 1]));
    if (operand === undefined) return false;
    switch (conditions[i]) {
      case '=':
        if (!(v === operand)) return false;
        break;
      case '>':
        if (!(v > operand)) return false;
        break;
      case '>=':
        if (!(v >= operand)) return false;
        break;
      case '<':
        if (!(v < operand)) return false;
        break;
      case '<=':
        if (!(v <= operand)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const wildcardCache = new Map<string, RegExp>();
/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
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
    if (wildcardCache.size > 1_000) wildcardCache.clear();
    wildcardCache.set(wildcard, regExp);
  }
  return regExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cidrContains(cidr: string, ip: string): boolean {
  let block: ReturnType<typeof parseCidr>;
  try {
    block = parseCidr(cidr);
  } catch {
    return false;
  }
  const addr = parseIp(ip);
  if (!addr || block.network.v6 !== addr.v6) return false;
  const shift = BigInt((addr.v6 ? 128 : 32) - block.bits);
  return block.network.value >> shift === addr.value >> shift;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
