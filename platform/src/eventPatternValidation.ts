import type { EventPattern } from '@mtd/contracts';

/**
 * A pattern EventBridge would refuse. `path` says where (`detail.data.total`, `$or[1].source`), the
 * reason follows the wording of aws/event-ruler (EventBridge's engine) where it has one.
 */
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
/** event-ruler's GenericMachine.MAXIMUM_RULE_SIZE: fields in one rule, after `$or` is expanded. */
export const maxFieldsPerRule = 256;
/**
 * EventBridge refuses wildcard patterns that make its automaton too large ("Rule is too complex").
 * Its exact budget is not documented; like moto's emulation we refuse more than 5 wildcards in one
 * value, on top of event-ruler's own rule that two wildcards may never be consecutive.
 */
export const maxWildcardsPerValue = 5;

export type Leaf = string | number | boolean | null;

/**
 * What one leaf of the event looks like to event-ruler's ByteMachine (ByteMachine.transitionOn):
 * a number is read as a number only when its field has a numeric matcher ("numeric mode"); a string
 * holding an IP address is also read as its address when its field has an IP matcher (`hex`).
 */
export interface SeenLeaf {
  leaf: Leaf;
  numeric: boolean;
  hex: string | undefined;
}

export type Matcher =
  | { kind: 'exists'; exists: boolean }
  | {
      kind: 'value';
      numeric: boolean;
      ip: boolean;
      test: (seen: SeenLeaf) => boolean;
      /** Passes the compiler but fails when the rule is added to the machine, if it survives to then. */
      broken?: InvalidEventPatternError;
    }
  | { kind: 'anything-but'; numeric: boolean; excludes: (seen: SeenLeaf) => boolean };

/** One field of a rule: the leaves at `path` (nested keys joined with `.`, as event-ruler does). */
export interface RuleStep {
  path: string;
  matchers: Matcher[];
  /** event-ruler shares one ByteMachine between rules that reach this field the same way. */
  numeric: boolean;
  ip: boolean;
}

/** A pattern as event-ruler's JsonRuleCompiler leaves it: `$or` expanded into rules, each sorted by path. */
export interface CompiledPattern {
  rules: RuleStep[][];
  /** Every path, and every prefix of one, that the rules read: the rest of an event is never looked at. */
  paths: Set<string>;
}

/**
 * Throws {@link InvalidEventPatternError} when EventBridge would refuse the pattern (PutRule /
 * TestEventPattern), e.g. an unknown operator, a bad numeric range, a bad CIDR, a wildcard that is
 * too complex, an empty array, a leaf that is not an array, or a pattern over 2048 characters.
 *
 * @example validateEventPattern({ source: [{ prefix: 'mtd.' }] }) // ok
 */
export function validateEventPattern(pattern: unknown): asserts pattern is EventPattern {
  compileEventPattern(pattern);
}

/**
 * Compiles a pattern the way event-ruler's GenericMachine.addRule does: JsonRuleCompiler first and,
 * when it refuses, the older RuleCompiler, which reads `$or` as a plain field name and knows no
 * `anything-but` lists of prefixes, suffixes or wildcards. A pattern only the older compiler takes is
 * accepted with its meaning; a pattern both refuse is refused with JsonRuleCompiler's reason, which
 * speaks of the grammar EventBridge documents.
 */
export function compileEventPattern(pattern: unknown): CompiledPattern {
  if (!isObject(pattern)) throw new InvalidEventPatternError('', 'Filter is not an object');
  const length = JSON.stringify(pattern).length;
  if (length > maxEventPatternLength) {
    throw new InvalidEventPatternError(
      '',
      `Event pattern is ${length} characters long; the maximum is ${maxEventPatternLength}`,
    );
  }
  let rules: Rules;
  try {
    rules = new Compiler(true).compile(pattern);
  } catch (error) {
    if (!(error instanceof InvalidEventPatternError)) throw error;
    try {
      rules = new Compiler(false).compile(pattern);
    } catch {
      throw error;
    }
  }
  return finish(rules);
}

/**
 * Reads a pattern as PutRule and TestEventPattern receive it, a JSON string, and validates it like
 * {@link validateEventPattern}. On top of that it sees what JSON.parse hides: the pattern's length
 * as sent, and number literals with more digits than a double holds (`0.30000000000000001`), which
 * event-ruler refuses as a `numeric` bound or an `anything-but` value ("Cannot compare number").
 * Elsewhere such a literal is read as its nearest double.
 */
export function parseEventPattern(text: string): EventPattern {
  if (text.length > maxEventPatternLength) {
    throw new InvalidEventPatternError(
      '',
      `Event pattern is ${text.length} characters long; the maximum is ${maxEventPatternLength}`,
    );
  }
  const lossy: string[] = [];
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) => {
    if (token.startsWith('"')) return token;
    const n = Number(token);
    if (Number.isFinite(n) && sameDecimal(token, numberText(n))) return token;
    lossy.push(token);
    return JSON.stringify(`${lossyMark}${lossy.length - 1}`);
  });
  let pattern: unknown;
  try {
    pattern = JSON.parse(marked);
  } catch (error) {
    throw new InvalidEventPatternError('', `Event pattern is not JSON: ${(error as Error).message}`);
  }
  if (lossy.length > 0) pattern = restoreLossy(pattern, lossy, '', false);
  validateEventPattern(pattern);
  return pattern;
}

const lossyMark = '\u0000mtd-lossy-number:';

function restoreLossy(value: unknown, lossy: string[], where: string, strict: boolean): unknown {
  if (typeof value === 'string' && value.startsWith(lossyMark)) {
    const literal = lossy[Number(value.slice(lossyMark.length))]!;
    if (strict) fail(where, `Cannot compare number : ${literal}`);
    return Number(literal);
  }
  if (Array.isArray(value)) return value.map((v) => restoreLossy(v, lossy, where, strict));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      restoreLossy(
        inner,
        lossy,
        where ? `${where}.${key}` : key,
        strict || key === 'numeric' || key === 'anything-but',
      ),
    ]),
  );
}

type RawStep = { matchers: Matcher[]; raw: unknown[] };
type Rules = Map<string, RawStep>[];

class Compiler {
  /** @param current JsonRuleCompiler (with `$or`); false for the legacy RuleCompiler. */
  constructor(private readonly current: boolean) {}

  compile(pattern: Record<string, unknown>): Rules {
    const rules: Rules = [];
    this.object(rules, pattern, '', '', false);
    return rules;
  }

  /** JsonRuleCompiler.parseObject / parseObjectInsideOrRelationship. */
  private object(
    rules: Rules,
    pattern: Record<string, unknown>,
    path: string,
    where: string,
    insideOr: boolean,
  ): void {
    const entries = Object.entries(pattern);
    if (entries.length === 0) fail(where, 'Empty objects are not allowed');
    for (const [key, value] of entries) {
      const here = where ? `${where}.${key}` : key;
      if (this.current && key === '$or') {
        this.or(rules, value, path, here);
        continue;
      }
      if (this.current && insideOr && reservedInsideOr.has(key)) {
        fail(here, `${key} is Ruler reserved fieldName which cannot be used inside $or.`);
      }
      const fieldPath = path ? `${path}.${key}` : key;
      if (isObject(value)) this.object(rules, value, fieldPath, here, insideOr);
      else if (Array.isArray(value)) this.leaf(rules, value, fieldPath, here);
      else fail(here, `"${key}" must be an object or an array`);
    }
  }

  /** JsonRuleCompiler.parseIntoOrRelationship: every alternative forks the rules built so far. */
  private or(rules: Rules, value: unknown, path: string, where: string): void {
    if (!Array.isArray(value)) fail(where, 'It must be an Array followed with $or.');
    const before = rules.map((rule) => new Map(rule));
    rules.length = 0;
    for (const [i, alternative] of value.entries()) {
      if (!isObject(alternative))
        fail(`${where}[${i}]`, 'Only JSON object is allowed in array of $or relationship.');
      const forked = before.length === 0 ? [new Map()] : before.map((rule) => new Map(rule));
      this.object(forked, alternative, path, `${where}[${i}]`, true);
      rules.push(...forked);
    }
    if (value.length < 2) fail(where, 'There must have at least 2 Objects in $or relationship.');
  }

  /** JsonRuleCompiler.writeRules: a later field with the same path overrides an earlier one. */
  private leaf(rules: Rules, values: unknown[], path: string, where: string): void {
    const matchers = values.map((value) => this.matcher(value, where));
    if (matchers.length === 0) fail(where, 'Empty arrays are not allowed');
    if (rules.length === 0) rules.push(new Map());
    for (const rule of rules) rule.set(path, { matchers, raw: values });
  }

  private matcher(value: unknown, where: string): Matcher {
    if (typeof value === 'string') {
      // writeRules: a string holding an IP address becomes the address (CIDR.ipToRangeIfPossible).
      const hex = ipToHex(value);
      return hex === undefined ? exactly(value) : rangeMatcher(ipRange(hex));
    }
    if (typeof value === 'number') return numberMatcher(value);
    if (value === null || typeof value === 'boolean') {
      return { kind: 'value', numeric: false, ip: false, test: ({ leaf }) => leaf === value };
    }
    if (!isObject(value)) fail(where, 'Match value must be String, number, true, false, or null');
    return this.expression(value, where);
  }

  /** JsonRuleCompiler.processMatchExpression. */
  private expression(expression: Record<string, unknown>, where: string): Matcher {
    const [name, operand, ...extra] = Object.entries(expression).flat();
    if (name === undefined) fail(where, 'Match expression name not found');
    const here = `${where}.${name as string}`;
    const single = () => {
      if (extra.length > 0) fail(here, 'Only one key allowed in match expression');
    };
    switch (name) {
      case 'exactly':
        if (typeof operand !== 'string') fail(here, 'exact match pattern must be a string');
        single();
        return exactly(operand);
      case 'prefix':
      case 'suffix': {
        const text = isObject(operand) ? ignoreCaseOperand(operand, name as string, here) : operand;
        if (typeof text !== 'string') fail(here, `${name} match pattern must be a string`);
        single();
        const ignoreCase = isObject(operand);
        return stringMatcher((s) =>
          ignoreCase
            ? caseFoldedRegExp(text, name === 'prefix' ? '^' : '', name === 'suffix' ? '$' : '').test(s)
            : name === 'prefix'
              ? s.startsWith(text)
              : s.endsWith(text),
        );
      }
      case 'equals-ignore-case': {
        if (typeof operand !== 'string') fail(here, 'equals-ignore-case match pattern must be a string');
        single();
        const regExp = caseFoldedRegExp(operand, '^', '$');
        return stringMatcher((s) => regExp.test(s));
      }
      case 'wildcard': {
        if (typeof operand !== 'string') fail(here, 'wildcard match pattern must be a string');
        const regExp = wildcardRegExp(operand, here);
        single();
        return stringMatcher((s) => regExp.test(s));
      }
      case 'exists':
        if (typeof operand !== 'boolean') fail(here, 'exists match pattern must be either true or false.');
        single();
        return { kind: 'exists', exists: operand };
      case 'cidr': {
        if (typeof operand !== 'string') fail(here, 'prefix match pattern must be a string');
        const range = cidrRange(operand, here);
        single();
        return rangeMatcher(range);
      }
      case 'numeric': {
        if (!Array.isArray(operand)) fail(here, 'Value of numeric must be an array.');
        const { test, broken } = numericRange(operand, here);
        if (extra.length > 0) fail(here, 'Too many elements in numeric expression');
        return {
          kind: 'value',
          numeric: true,
          ip: false,
          test: ({ leaf, numeric }) => numeric && test(leaf as number),
          ...(broken && { broken: new InvalidEventPatternError(here, broken) }),
        };
      }
      case 'anything-but': {
        const matcher = this.anythingBut(operand, here);
        if (extra.length > 0) fail(here, 'Too many elements in numeric expression');
        return matcher;
      }
      default:
        fail(here, `Unrecognized match type ${name as string}`);
    }
  }

  /** JsonRuleCompiler.processMatchExpression's anything-but branch (and RuleCompiler's, when legacy). */
  private anythingBut(operand: unknown, where: string): Matcher {
    if (isObject(operand)) {
      const [name, inner, ...extra] = Object.entries(operand).flat();
      if (name === undefined) fail(where, 'Anything-But expression name not found');
      const here = `${where}.${name as string}`;
      const supported = this.current
        ? ['equals-ignore-case', 'prefix', 'suffix', 'wildcard']
        : ['equals-ignore-case', 'prefix', 'suffix'];
      if (!supported.includes(name as string))
        fail(here, `Unsupported anything-but pattern: ${name as string}`);
      if (
        !Array.isArray(inner) &&
        typeof inner !== 'string' &&
        (typeof inner !== 'number' || (!this.current && name !== 'equals-ignore-case'))
      ) {
        if (this.current || name === 'equals-ignore-case')
          fail(here, 'Value of anything-but must be an array or single string/number value.');
        fail(here, 'prefix/suffix match pattern must be a string');
      }
      if (Array.isArray(inner) && !this.current && name !== 'equals-ignore-case')
        fail(here, 'prefix/suffix match pattern must be a string');
      const list = Array.isArray(inner) ? inner : [inner];
      for (const value of list) {
        if (typeof value === 'string') {
          if (value === '' && (name === 'prefix' || name === 'suffix'))
            fail(here, 'Null prefix/suffix not allowed');
          continue;
        }
        if (name === 'equals-ignore-case')
          fail(
            here,
            'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
          );
        if (name === 'wildcard') fail(here, 'wildcard match pattern must be a string');
        fail(here, 'prefix/suffix match pattern must be a string');
      }
      // An empty list passes JsonRuleCompiler, then breaks the machine (a NullPointerException).
      if (list.length === 0) fail(here, `anything-but/${name as string} needs at least one value`);
      if (extra.length > 0) fail(here, 'Too many elements in numeric expression');
      const texts = list as string[];
      let test: (s: string) => boolean;
      switch (name) {
        case 'prefix':
          test = (s) => texts.some((p) => s.startsWith(p));
          break;
        case 'suffix':
          test = (s) => texts.some((p) => s.endsWith(p));
          break;
        case 'equals-ignore-case': {
          const regExps = texts.map((t) => caseFoldedRegExp(t, '^', '$'));
          test = (s) => regExps.some((r) => r.test(s));
          break;
        }
        default: {
          const regExps = texts.map((t) => wildcardRegExp(t, here));
          test = (s) => regExps.some((r) => r.test(s));
        }
      }
      return {
        kind: 'anything-but',
        numeric: false,
        excludes: ({ leaf }) => typeof leaf === 'string' && test(leaf),
      };
    }
    if (Array.isArray(operand)) {
      const strings = operand.filter((v) => typeof v === 'string').length;
      const numbers = operand.filter((v) => typeof v === 'number').length;
      if (strings + numbers !== operand.length)
        fail(where, 'Inside anything but list, start|null|boolean is not supported.');
      if (strings > 0 === numbers > 0)
        fail(
          where,
          'Inside anything but list, either all values are number or string, mixed type is not supported',
        );
      return anythingButValues(operand as string[] | number[], where);
    }
    if (typeof operand === 'string' || typeof operand === 'number')
      return anythingButValues([operand] as string[] | number[], where);
    fail(where, 'Value of anything-but must be an array or single string/number value.');
  }
}

/** `exactly` and plain strings that are no IP address: the whole string, case and all. */
function exactly(value: string): Matcher {
  return { kind: 'value', numeric: false, ip: false, test: ({ leaf }) => leaf === value };
}

function stringMatcher(test: (s: string) => boolean): Matcher {
  return {
    kind: 'value',
    numeric: false,
    ip: false,
    test: ({ leaf }) => typeof leaf === 'string' && test(leaf),
  };
}

/**
 * A number in a pattern (JsonRuleCompiler.writeRules) matches two ways: as a number equal to the
 * event's (Patterns.numericEquals, so 5 matches 5.0), and as its literal text, which only an event read as text can meet (an IP address read as
 * hex digits, or a number that is not comparable).
 */
function numberMatcher(value: number): Matcher {
  const text = numberText(value);
  const asNumber = comparable(value);
  return {
    kind: 'value',
    numeric: asNumber,
    ip: false,
    test: ({ leaf, numeric, hex }) =>
      numeric
        ? asNumber && leaf === value
        : hex === text || (typeof leaf === 'number' && numberText(leaf) === text),
  };
}

/** The text event-ruler sees for a number. JSON gives it the literal; here JS's shortest form stands in. */
export function numberText(value: number): string {
  return String(value);
}

function anythingButValues(values: string[] | number[], where: string): Matcher {
  if (typeof values[0] === 'number') {
    for (const n of values as number[]) comparableOperand(n, where);
    return {
      kind: 'anything-but',
      numeric: true,
      excludes: ({ leaf, numeric }) => numeric && (values as number[]).some((n) => n === leaf),
    };
  }
  const set = new Set(values as string[]);
  return {
    kind: 'anything-but',
    numeric: false,
    excludes: ({ leaf }) => typeof leaf === 'string' && set.has(leaf),
  };
}

function ignoreCaseOperand(operand: Record<string, unknown>, name: string, where: string): unknown {
  const [key, value, ...extra] = Object.entries(operand).flat();
  if (key === undefined) fail(where, `${name === 'prefix' ? 'Prefix' : 'Suffix'} expression name not found`);
  if (key !== 'equals-ignore-case') fail(where, `Unsupported ${name} pattern: ${key as string}`);
  if (typeof value !== 'string') fail(where, 'equals-ignore-case match pattern must be a string');
  if (extra.length > 0) fail(where, 'Only one key allowed in match expression');
  return value;
}

/**
 * event-ruler compares numbers as IEEE-754 doubles over their whole range (ComparableNumber since
 * 1.8: the double's bits, sign-flipped so that their order is the numbers' order). The literal goes
 * through BigDecimal first, which has no -0, so -0 is 0.
 */
function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * ComparableNumber.generate takes a number only when Java's `BigDecimal.valueOf(double)` gives back
 * its literal: finite, and no more digits than the double holds (`0.30000000000000001` is refused;
 * JSON.parse rounds such a literal before we see it, so it passes here). Java's Double.toString
 * writes at least two significant digits, choosing the two-digit decimal nearest the double, so a
 * subnormal such as `5e-324` (written `4.9E-324`) is not comparable either. (That is the JDK 19+
 * contract of Double.toString; JDK 17's older algorithm refuses a few more subnormals.)
 */
export function comparable(n: number): boolean {
  if (!Number.isFinite(n)) return false;
  if (n === 0 || Math.abs(n) >= 2.2250738585072014e-308) return true;
  const shortest = numberText(n);
  if (significantDigits(shortest).length > 1) return true;
  return sameDecimal(n.toPrecision(2), shortest);
}

function significantDigits(text: string): string {
  const mantissa = text.replace(/^-/, '').split(/e/i)[0]!;
  return mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
}

function sameDecimal(a: string, b: string): boolean {
  const scale = (text: string) => {
    const [mantissa = '', exponent = '0'] = text.replace(/^-/, '').split(/e/i);
    const [whole = '', fraction = ''] = mantissa.split('.');
    const digits = (whole + fraction).replace(/^0+/, '');
    if (digits === '') return '0';
    const leadingZeros = (whole + fraction).length - digits.length;
    return `${digits.replace(/0+$/, '')}@${Number(exponent) + whole.length - leadingZeros}`;
  };
  return scale(a) === scale(b);
}

function comparableOperand(n: number, where: string): void {
  if (!comparable(n)) fail(where, `Cannot compare number : ${numberText(n)}`);
}

/** `numeric`: `[op, n]` or a range `[">" | ">=", n, "<" | "<=", m]` (JsonRuleCompiler.processNumericMatchExpression). */
function numericRange(operand: unknown[], where: string): { test: (n: number) => boolean; broken?: string } {
  const [op, value, op2, value2, ...rest] = operand;
  if (typeof op !== 'string') fail(where, `Invalid member in numeric match: ${tokenText(operand, 0)}`);
  const isNumber = (v: unknown): v is number => typeof v === 'number';
  switch (op) {
    case '=':
    case '<':
    case '<=': {
      if (!isNumber(value)) fail(where, `Value of ${op === '=' ? 'equals' : op} must be numeric`);
      if (operand.length > 2) fail(where, 'Too many elements in numeric expression');
      comparableOperand(value, where);
      if (op === '=') return { test: (n) => n === value };
      // Range.lessThan: [-Double.MAX_VALUE, value).
      return {
        test: op === '<' ? (n) => compareNumbers(n, value) < 0 : (n) => compareNumbers(n, value) <= 0,
        broken: oneAddress(-Number.MAX_VALUE, value),
      };
    }
    case '>':
    case '>=': {
      if (!isNumber(value)) fail(where, `Value of ${op} must be numeric`);
      const openBottom = op === '>';
      const above = (n: number) =>
        openBottom ? compareNumbers(n, value) > 0 : compareNumbers(n, value) >= 0;
      if (operand.length === 2) {
        comparableOperand(value, where);
        return { test: above, broken: oneAddress(value, Number.MAX_VALUE) };
      }
      if (typeof op2 !== 'string') fail(where, `Bad value in numeric range: ${tokenText(operand, 2)}`);
      if (op2 !== '<' && op2 !== '<=') fail(where, `Bad numeric range operator: ${op2}`);
      if (!isNumber(value2)) fail(where, `Value of ${op2} must be numeric`);
      if (rest.length > 0) fail(where, 'Too many terms in numeric range expression');
      comparableOperand(value, where);
      comparableOperand(value2, where);
      // Range.ensureValidRange: the bottom must be strictly below the top, whatever the bounds' openness.
      if (compareNumbers(value, value2) >= 0) fail(where, 'Bottom must be less than top');
      const below = (n: number) =>
        op2 === '<' ? compareNumbers(n, value2) < 0 : compareNumbers(n, value2) <= 0;
      return { test: (n) => above(n) && below(n) };
    }
    default:
      fail(where, `Unrecognized numeric range operator: ${op}`);
  }
}

/**
 * One-sided ranges end at ±Double.MAX_VALUE and skip Range.ensureValidRange; one whose bound is that
 * end (`[">", 1.7976931348623157e308]`) makes ByteMachine.addRangePattern fail (an index out of
 * bounds) when the rule is added, unless a later field of the same path overrides it.
 */
function oneAddress(bottom: number, top: number): string | undefined {
  return compareNumbers(bottom, top) >= 0 ? 'Bottom must be less than top' : undefined;
}

function tokenText(operand: unknown[], index: number): string {
  if (index >= operand.length) return ']';
  const value = operand[index];
  if (Array.isArray(value)) return '[';
  if (isObject(value)) return '{';
  return typeof value === 'string' ? value : String(value);
}

/** event-ruler's WildcardParser: `\*` and `\\` are the only escapes; `**` is refused. */
function wildcardRegExp(wildcard: string, where: string): RegExp {
  let wildcards = 0;
  let source = '';
  // Positions are UTF-8 bytes of the quoted value, as WildcardParser counts them.
  const position = (i: number) => Buffer.byteLength(`"${wildcard.slice(0, i)}`);
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i]!;
    if (c === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') fail(where, `Invalid escape character at pos ${position(i)}`);
      source += escapeRegExp(next);
      i++;
    } else if (c === '*') {
      if (wildcard[i + 1] === '*') fail(where, `Consecutive wildcard characters at pos ${position(i)}`);
      wildcards++;
      source += '.*';
    } else source += escapeRegExp(c);
  }
  if (wildcards > maxWildcardsPerValue)
    fail(
      where,
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
    );
  return new RegExp(`^${source}$`, 's');
}

/**
 * event-ruler's EqualsIgnoreCaseParser: each UTF-16 unit of the pattern matches its lower or its upper
 * case (Locale.ROOT); the event's text is not folded. A lone surrogate half has no UTF-8 form, so
 * Java encodes it as `?`, which is all such a unit then matches.
 */
function caseFoldedRegExp(text: string, start: string, end: string): RegExp {
  let source = '';
  for (const unit of text.split('')) {
    const surrogate = unit >= '\ud800' && unit <= '\udfff';
    const forms = surrogate ? ['?'] : [...new Set([unit.toLowerCase(), unit.toUpperCase()])];
    source += forms.length === 1 ? escapeRegExp(forms[0]!) : `(?:${forms.map(escapeRegExp).join('|')})`;
  }
  return new RegExp(`${start}${source}${end}`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * An address range over the hex digits of an address (event-ruler's Range with isCIDR), matched the
 * way ByteMachine walks it: digit by digit, a match as soon as the digits seen decide it. So a range
 * of one address family can match an address of the other when the shorter one's digits decide.
 */
export interface HexRange {
  bottom: string;
  openBottom: boolean;
  top: string;
  openTop: boolean;
}

const hexDigits = '0123456789ABCDEF';

function rangeMatcher(range: HexRange): Matcher {
  return {
    kind: 'value',
    numeric: false,
    ip: true,
    // An IP address is read as its hex digits; a number read as text walks the same digits.
    test: ({ leaf, numeric, hex }) =>
      (hex !== undefined && hexRangeMatches(hex, range)) ||
      (!numeric && typeof leaf === 'number' && hexRangeMatches(numberText(leaf), range)),
  };
}

/** ByteMachine.addRangePattern's automaton, run over `value` (see there for the construction). */
export function hexRangeMatches(value: string, range: HexRange): boolean {
  const { bottom, top } = range;
  const last = bottom.length - 1;
  const digit = (i: number) => (i < value.length ? hexDigits.indexOf(value[i]!) : -1);
  const of = (s: string, i: number) => hexDigits.indexOf(s[i]!);
  let fork = 0;
  while (bottom[fork] === top[fork]) {
    if (value[fork] !== bottom[fork]) return false;
    fork++;
  }
  const first = digit(fork);
  if (first < 0) return false;
  if (first > of(bottom, fork) && first < of(top, fork)) return true;
  const alongBottom = first === of(bottom, fork);
  if (!alongBottom && first !== of(top, fork)) return false;
  const edge = alongBottom ? bottom : top;
  if (fork === last) return alongBottom ? !range.openBottom : !range.openTop;
  // Past the fork, any digit beyond the edge's digit (above the bottom, below the top) decides a match.
  const beyond = (d: number, e: number) => (alongBottom ? d > e : d < e);
  for (let i = fork + 1; i < last; i++) {
    const d = digit(i);
    const e = of(edge, i);
    if (d < 0) return false;
    if (beyond(d, e)) return true;
    if (d !== e) return false;
  }
  const d = digit(last);
  if (d < 0) return false;
  return (
    beyond(d, of(edge, last)) || (d === of(edge, last) && !(alongBottom ? range.openBottom : range.openTop))
  );
}

/** CIDR.ipToRangeIfPossible: the one address, as a range one digit wide at its last digit. */
function ipRange(hex: string): HexRange {
  const lastDigit = hexDigits.indexOf(hex.at(-1)!);
  const head = hex.slice(0, -1);
  if (lastDigit === 15) return { bottom: `${head}E`, openBottom: true, top: hex, openTop: false };
  return { bottom: hex, openBottom: false, top: head + hexDigits[lastDigit + 1], openTop: true };
}

/**
 * CIDR.cidr: `address/bits`. Java's split drops trailing empty parts, and Integer.parseInt takes a
 * sign. A /32 (IPv4) or /128 (IPv6) block is refused: it is one address, which a plain string says.
 */
function cidrRange(cidr: string, where: string): HexRange {
  const parts = cidr.split('/');
  while (parts.length > 0 && parts.at(-1) === '') parts.pop();
  if (parts.length !== 2) fail(where, "Malformed CIDR, one '/' required");
  const [address, bitsText] = parts as [string, string];
  if (!/^[+-]?\d+$/.test(bitsText) || Math.abs(Number(bitsText)) > 2 ** 31 - 1)
    fail(where, 'Malformed CIDR, mask bits must be an integer');
  const bits = Number(bitsText);
  if (bits < 0) fail(where, 'Malformed CIDR, mask bits must not be negative');
  const bytes = ipBytes(address);
  if (!bytes) {
    fail(
      where,
      ipv4Shape.test(address) || ipv6Shape.test(address)
        ? `Invalid IP address: ${address}`
        : `Nonstandard IP address: ${address}`,
    );
  }
  if (bytes.length === 4 && bits > 31) fail(where, 'IPv4 mask bits must be < 32');
  if (bytes.length === 16 && bits > 127) fail(where, 'IPv6 mask bits must be < 128');
  const low = bytes.map((byte, i) => byte & ~(0xff >> Math.min(8, Math.max(0, bits - 8 * i))) & 0xff);
  const high = bytes.map((byte, i) => byte | (0xff >> Math.min(8, Math.max(0, bits - 8 * i))));
  // The masks above keep the first `bits` bits: 0xff >> kept is the host part of byte i.
  return { bottom: toHex(low), openBottom: false, top: toHex(high), openTop: false };
}

const ipv4Shape = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const ipv6Shape = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/**
 * The hex digits event-ruler reads for a string holding an IP address (CIDR.ipToString), else
 * undefined. Only strings shaped like event-ruler's IPv4/IPv6 regexes are tried, then parsed as
 * Java's InetAddress does: IPv4 as four decimal parts ≤ 255 (leading zeros allowed, 15 characters at
 * most); IPv6 with `::` and groups of any number of leading zeros; an IPv4-mapped IPv6 address
 * (`::ffff:102:304`) becomes its IPv4 address.
 */
export function ipToHex(text: string): string | undefined {
  const bytes = ipBytes(text);
  return bytes && toHex(bytes);
}

function ipBytes(text: string): number[] | undefined {
  if (ipv4Shape.test(text)) {
    if (text.length > 15) return undefined;
    const parts = text.split('.').map(Number);
    return parts.every((p) => p <= 255) ? parts : undefined;
  }
  if (!ipv6Shape.test(text)) return undefined;
  const bytes = ipv6Bytes(text);
  if (!bytes) return undefined;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/** sun.net.util.IPAddressUtil.textToNumericFormatV6, for text of hex digits and colons only. */
function ipv6Bytes(text: string): number[] | undefined {
  if (text.length < 2) return undefined;
  let i = 0;
  if (text[0] === ':') {
    if (text[1] !== ':') return undefined;
    i = 1;
  }
  const bytes: number[] = new Array(16).fill(0);
  let j = 0;
  let gap = -1;
  let sawDigit = false;
  let value = 0;
  while (i < text.length) {
    const c = text[i++]!;
    if (c !== ':') {
      value = (value << 4) | Number.parseInt(c, 16);
      if (value > 0xffff) return undefined;
      sawDigit = true;
      continue;
    }
    if (!sawDigit) {
      if (gap !== -1) return undefined;
      gap = j;
      continue;
    }
    if (i === text.length || j + 2 > 16) return undefined;
    bytes[j++] = value >> 8;
    bytes[j++] = value & 0xff;
    sawDigit = false;
    value = 0;
  }
  if (sawDigit) {
    if (j + 2 > 16) return undefined;
    bytes[j++] = value >> 8;
    bytes[j++] = value & 0xff;
  }
  if (gap !== -1) {
    if (j === 16) return undefined;
    const moved = j - gap;
    for (let k = 1; k <= moved; k++) {
      bytes[16 - k] = bytes[gap + moved - k]!;
      bytes[gap + moved - k] = 0;
    }
    j = 16;
  }
  return j === 16 ? bytes : undefined;
}

function toHex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
}

/** Sorts each rule's fields (GenericMachine.addPatternRule) and works out what shares a ByteMachine. */
function finish(rules: Rules): CompiledPattern {
  const paths = new Set<string>();
  const shared = new Map<string, { numeric: boolean; ip: boolean }>();
  const sorted = rules.map((rule) => {
    if (rule.size > maxFieldsPerRule)
      fail('', `Size of rule exceeds max value of ${maxFieldsPerRule} fields`);
    const keys = [...rule.keys()].sort();
    let reachedBy = '';
    return keys.map((path) => {
      const { matchers, raw } = rule.get(path)!;
      const machine = `${reachedBy}\u0000${path}`;
      reachedBy = `${machine}\u0000${JSON.stringify(raw)}`;
      const flags = shared.get(machine) ?? { numeric: false, ip: false };
      for (const m of matchers) {
        if (m.kind === 'value' && m.broken) throw m.broken;
        if (m.kind !== 'exists') flags.numeric ||= m.numeric;
        if (m.kind === 'value') flags.ip ||= m.ip;
      }
      shared.set(machine, flags);
      const segments = path.split('.');
      for (let i = 1; i <= segments.length; i++) paths.add(segments.slice(0, i).join('.'));
      return { path, matchers, machine };
    });
  });
  return {
    paths,
    rules: sorted.map((rule) =>
      rule.map(({ path, matchers, machine }) => ({ path, matchers, ...shared.get(machine)! })),
    ),
  };
}

const reservedInsideOr = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

function fail(path: string, reason: string): never {
  throw new InvalidEventPatternError(path, reason);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
