import type { EventPattern } from '@mtd/contracts';
import {
  type CompiledPattern,
  comparable,
  compileEventPattern,
  ipToHex,
  type Leaf,
  type RuleStep,
  type SeenLeaf,
} from './eventPatternValidation';

export {
  InvalidEventPatternError,
  maxEventPatternLength,
  parseEventPattern,
  validateEventPattern,
} from './eventPatternValidation';

/**
 * EventBridge event-pattern matching, so a subscription matches locally exactly what its rule
 * matches in AWS. EventBridge's engine is aws/event-ruler; this follows its source (2.0.1: classes
 * named in the comments) wherever the documentation
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html) is silent.
 *
 * - The pattern is compiled as JsonRuleCompiler does: `$or` forks it into rules, any of which may
 *   match; a rule is a list of fields (paths, nested keys joined with `.`), each with matchers any
 *   of which may match, and every field must match (GenericMachine.addPatternRule).
 * - The event is seen as Event does: as leaves at paths; an array's elements are all leaves of its
 *   path. A rule must match within one element of an array of objects (array consistency,
 *   ArrayMembership), its fields taken in path order. `exists: false` holds when no leaf at that path
 *   is consistent with the elements the fields before it chose (NameState.getNameTransitions): so it
 *   looks across every element, not element by element.
 * - Values are typed: `"5"` never matches `5`. Numbers compare as IEEE doubles over their whole range
 *   (ComparableNumber): `5` matches `5.0`, `3.0000001` does not match `3`.
 * - A plain string holding an IP address matches that address however it is written (`10.0.0.01`,
 *   `::ffff:a00:1`), like `cidr` (CIDR.ipToRangeIfPossible).
 * - `exists` asks whether a leaf is at that path: `null` is a leaf, an object or an empty array is
 *   not. Every other matcher needs a leaf, `anything-but` too.
 *
 * @throws InvalidEventPatternError when EventBridge would refuse the pattern.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    compiled = compileEventPattern(pattern);
    compiledPatterns.set(pattern, compiled);
  }
  if (!isObject(event)) return false;
  const fields = leavesOf(event, compiled.paths);
  return compiled.rules.some((rule) => matchesRule(rule, fields));
}

const compiledPatterns = new WeakMap<object, CompiledPattern>();

/** The array elements (array id → index) a leaf lies in: event-ruler's ArrayMembership. */
type Membership = ReadonlyMap<number, number>;
const noMembership: Membership = new Map();
interface Field {
  leaf: Leaf;
  membership: Membership;
}

/**
 * Event's traversal: leaves by path. Elements of an array that are objects or arrays record which
 * element they are; a scalar element does not (so `[1, 2]` never conflicts with anything).
 */
function leavesOf(event: Record<string, unknown>, paths: Set<string>): Map<string, Field[]> {
  const fields = new Map<string, Field[]>();
  const membership = new Map<number, number>();
  let arrays = 0;
  const add = (path: string, leaf: Leaf) => {
    const list = fields.get(path) ?? [];
    // Most leaves lie in no array of objects: they share one empty membership.
    list.push({ leaf, membership: membership.size === 0 ? noMembership : new Map(membership) });
    fields.set(path, list);
  };
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      const id = arrays++;
      value.forEach((element, index) => {
        if (typeof element === 'object' && element !== null) {
          membership.set(id, index);
          visit(element, path);
          membership.delete(id);
        } else if (element !== undefined) add(path, element as Leaf);
      });
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) {
        const innerPath = path ? `${path}.${key}` : key;
        if (paths.has(innerPath)) visit(value[key], innerPath);
      }
    } else if (value !== undefined) add(path, value as Leaf);
  };
  visit(event, '');
  return fields;
}

/**
 * One rule, field by field in path order, keeping every way (set of array elements) the fields so
 * far can match: ACFinder / StructuredFinder's search, without its automaton.
 */
function matchesRule(rule: RuleStep[], fields: Map<string, Field[]>): boolean {
  let ways: Membership[] = [noMembership];
  for (const step of rule) {
    const candidates = fields.get(step.path) ?? [];
    const matching = candidates.filter((field) => leafMatches(step, field.leaf));
    const absent = step.matchers.some((m) => m.kind === 'exists' && !m.exists);
    const next = new Map<string, Membership>();
    for (const way of ways) {
      if (absent && !candidates.some((field) => consistent(way, field.membership))) next.set(keyOf(way), way);
      for (const field of matching) {
        const merged = merge(way, field.membership);
        if (merged) next.set(keyOf(merged), merged);
      }
    }
    if (next.size === 0) return false;
    ways = [...next.values()];
  }
  return true;
}

/**
 * ByteMachine.transitionOn: a number is read as a number only where the field has a numeric matcher
 * (else as its text); a string that is an IP address is also read as the address where the field
 * has an IP matcher. `anything-but` matches unless the leaf, as read, is one it excludes.
 */
function leafMatches(step: RuleStep, leaf: Leaf): boolean {
  const seen: SeenLeaf = {
    leaf,
    numeric: step.numeric && typeof leaf === 'number' && comparable(leaf),
    hex: step.ip && typeof leaf === 'string' ? ipToHex(leaf) : undefined,
  };
  return step.matchers.some((m) => {
    if (m.kind === 'exists') return m.exists;
    return m.kind === 'value' ? m.test(seen) : !m.excludes(seen);
  });
}

function consistent(way: Membership, membership: Membership): boolean {
  for (const [array, index] of membership) {
    const chosen = way.get(array);
    if (chosen !== undefined && chosen !== index) return false;
  }
  return true;
}

/** ArrayMembership.checkArrayConsistency: the union, or undefined when two elements of one array clash. */
function merge(way: Membership, membership: Membership): Membership | undefined {
  if (!consistent(way, membership)) return undefined;
  if (membership.size === 0) return way;
  return new Map([...way, ...membership]);
}

function keyOf(way: Membership): string {
  if (way.size === 0) return '';
  return [...way].sort(([a], [b]) => a - b).join(';');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
