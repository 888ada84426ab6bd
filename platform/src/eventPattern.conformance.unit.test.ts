import { describe, expect, it } from 'vitest';
import {
  InvalidEventPatternError,
  matchesPattern,
  parseEventPattern,
  validateEventPattern,
} from './eventPattern';

/**
 * Conformance with aws/event-ruler 2.0.1 (EventBridge's engine), one table per class where the local
 * matcher used to disagree with it. Every verdict here was checked against event-ruler itself
 * (Machine.addRule + rulesForJSONEvent, JDK 17); rows taken from event-ruler's own tests name them.
 */
type Row = [name: string, pattern: Record<string, unknown>, event: Record<string, unknown>, match: boolean];

function table(rows: Row[]): void {
  it.each(rows)('%s', (_name, pattern, event, expected) => {
    validateEventPattern(pattern);
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
}

describe('numbers compare as IEEE doubles over the whole range (ComparableNumber)', () => {
  table([
    // ComparableNumberTest.WHEN_EventHasVaryingPrecision_THEN_MatchRuleWithDecimalAsString
    ['every digit counts', { x: [27.807807921694092] }, { x: 27.807807921694092 }, true],
    ['one digit fewer is another number', { x: [27.807807921694092] }, { x: 27.80780792169409 }, false],
    // ComparableNumberTest.WHEN_EventHasVaryingPrecision_THEN_MatchWithSixDecimals
    ['37.80780 is 37.8078', { x: [37.8078] }, { x: 37.8078 }, true],
    ['agreeing to six decimals is not enough', { x: [37.8078] }, { x: 37.807807 }, false],
    ['3.0000001 is not 3', { x: [3.0000001] }, { x: 3 }, false],
    ['5 is 5.0', { x: [5] }, { x: 5.0 }, true],
    ['-0 is 0 (the literal goes through BigDecimal)', { x: [0] }, { x: -0 }, true],
    ['beyond ±5e9, equal', { x: [9e15] }, { x: 9e15 }, true],
    ['beyond ±5e9, a range', { x: [{ numeric: ['>', 5e9] }] }, { x: 7e9 }, true],
    [
      'a range near the top of the doubles',
      { x: [{ numeric: ['>', 1e300, '<=', 1e308] }] },
      { x: 1.5e300 },
      true,
    ],
    [
      'a range of negative doubles',
      { x: [{ numeric: ['<', -1e300] }] },
      { x: -1.7976931348623157e308 },
      true,
    ],
    [
      'integers beyond 2^53 stay apart',
      { x: [{ numeric: ['>', 9007199254740992] }] },
      { x: 9007199254740994 },
      true,
    ],
    // ComparableNumberTest.tinyNumberTest
    ['tiny numbers, closed range', { a: [{ numeric: ['>=', 2e-6, '<=', 4e-6] }] }, { a: 4e-6 }, true],
    ['tiny numbers, open range', { a: [{ numeric: ['>', 2e-6, '<', 4e-6] }] }, { a: 4e-6 }, false],
    ['a tiny difference is seen', { a: [{ numeric: ['>', 1e-7] }] }, { a: 1.0000001e-7 }, true],
    ['-0 sits at 0 in a range', { a: [{ numeric: ['<', 0] }] }, { a: -0 }, false],
  ]);

  it.each<[string, unknown, string]>([
    [
      'a bound that is no double',
      { x: [{ numeric: ['>', Number.POSITIVE_INFINITY] }] },
      'Cannot compare number',
    ],
    ['a subnormal Java writes otherwise', { x: [{ numeric: ['>', 5e-324] }] }, 'Cannot compare number'],
    [
      'a range with nothing above its bound',
      { x: [{ numeric: ['>', Number.MAX_VALUE] }] },
      'Bottom must be less',
    ],
    ['an empty range', { x: [{ numeric: ['>', 1, '<', 1] }] }, 'Bottom must be less than top'],
  ])('refuses %s', (_name, pattern, reason) => {
    expect(() => validateEventPattern(pattern)).toThrow(reason);
  });

  it('accepts a one-sided range at the end of the doubles when a later field of its path overrides it', () => {
    // JsonRuleCompiler.writeRules overrides before the machine ever sees the range.
    const pattern = { b: { $or: [{ z: [1] }, { z: [{ numeric: ['>', Number.MAX_VALUE] }] }], z: [2] } };
    expect(matchesPattern(pattern, { b: { z: 2 } })).toBe(true);
  });
});

describe('anything-but takes lists of prefixes, suffixes, wildcards and case-insensitive values', () => {
  table([
    // ACMachineTest.testAnythingButPrefixSet
    ['prefix list, neither', { a: [{ 'anything-but': { prefix: ['$', '%'] } }] }, { a: 'value$' }, true],
    [
      'prefix list, the second',
      { a: [{ 'anything-but': { prefix: ['$', '%'] } }] },
      { a: '%notvalue' },
      false,
    ],
    [
      'prefix list, the first',
      { a: [{ 'anything-but': { prefix: ['$', '%'] } }] },
      { a: '$notvalue' },
      false,
    ],
    // ACMachineTest.testAnythingButSuffixSet
    ['suffix list, the first', { a: [{ 'anything-but': { suffix: ['$', '%'] } }] }, { a: 'value$' }, false],
    [
      'suffix list, the second',
      { a: [{ 'anything-but': { suffix: ['$', '%'] } }] },
      { a: 'notvalue%' },
      false,
    ],
    ['suffix list, neither', { a: [{ 'anything-but': { suffix: ['$', '%'] } }] }, { a: '$notvalue' }, true],
    [
      'case-insensitive list',
      { a: [{ 'anything-but': { 'equals-ignore-case': ['X', 'Yes'] } }] },
      { a: 'yES' },
      false,
    ],
    ['wildcard list', { a: [{ 'anything-but': { wildcard: ['a*', '*z'] } }] }, { a: 'bus' }, true],
    ['a number is no string prefix', { a: [{ 'anything-but': { prefix: ['3'] } }] }, { a: 3 }, true],
    ['null is a leaf no prefix excludes', { a: [{ 'anything-but': { prefix: 'n' } }] }, { a: null }, true],
  ]);

  it.each<[string, unknown, string]>([
    [
      'an empty prefix in a list',
      { a: [{ 'anything-but': { prefix: ['a', ''] } }] },
      'Null prefix/suffix not allowed',
    ],
    [
      'a number in a suffix list',
      { a: [{ 'anything-but': { suffix: ['a', 1] } }] },
      'prefix/suffix match pattern must',
    ],
    [
      'an empty list (event-ruler fails on it)',
      { a: [{ 'anything-but': { prefix: [] } }] },
      'needs at least one value',
    ],
    [
      'a bad wildcard in a list',
      { a: [{ 'anything-but': { wildcard: ['a', 'b**'] } }] },
      'Consecutive wildcard',
    ],
    [
      'numeric',
      { a: [{ 'anything-but': { numeric: ['>', 1] } }] },
      'Unsupported anything-but pattern: numeric',
    ],
  ])('refuses %s', (_name, pattern, reason) => {
    expect(() => validateEventPattern(pattern)).toThrow(reason);
  });
});

describe('a plain string holding an IP address matches the address (CIDR.ipToRangeIfPossible)', () => {
  table([
    // MachineTest.testIpExactMatch
    [
      'IPv6 written another way',
      { a: ['2001:db8::ff00:42:8329'] },
      { a: '2001:0DB8:0:0:0:ff00:42:8329' },
      true,
    ],
    ['IPv6, the next address', { a: ['2001:db8::ff00:42:8329'] }, { a: '2001:db8::ff00:42:832a' }, false],
    ['IPv6 ending in f', { a: ['::f'] }, { a: '0::000f' }, true],
    ['IPv4 ending in 255', { a: ['255.255.255.255'] }, { a: '255.255.255.255' }, true],
    ['IPv4 with leading zeros', { a: ['10.0.0.1'] }, { a: '010.000.000.001' }, true],
    ['IPv4, another address', { a: ['10.0.0.1'] }, { a: '10.0.0.2' }, false],
    ['an IPv4-mapped IPv6 address is the IPv4 address', { a: ['10.0.0.1'] }, { a: '::ffff:a00:1' }, true],
    ['not an address: compared as text', { a: ['10.0.0.256'] }, { a: '10.0.0.256' }, true],
    // CIDRTest.testInvalidIPMatchedByIPv6Regex
    ['IPv6-shaped but invalid: compared as text', { a: ['08:23'] }, { a: '08:23' }, true],
    ['`exactly` keeps the text', { a: [{ exactly: '10.0.0.1' }] }, { a: '010.0.0.1' }, false],
    ['anything-but keeps the text', { a: [{ 'anything-but': '10.0.0.1' }] }, { a: '010.0.0.1' }, true],
    // ByteMachine walks hex digits: an IPv4 address is a prefix of the IPv6 addresses it begins.
    ['an IPv4 address matches IPv6 addresses it begins', { a: ['10.0.0.1'] }, { a: 'a00:1::' }, true],
    ['an IPv6 address never matches IPv4', { a: ['a00:1::'] }, { a: '10.0.0.1' }, false],
    ['a number written like the hex digits', { a: ['16.0.0.1'] }, { a: 10000001 }, true],
  ]);
});

describe('CIDR blocks (CIDR.cidr) refuse /32 and /128 and walk hex digits', () => {
  table([
    // MachineTest.testIPAddressOfCIDRIsEqualToMaximumOfRange
    ['/31, lower address', { ip: [{ cidr: '220.160.153.171/31' }] }, { ip: '220.160.153.170' }, true],
    ['/31, upper address', { ip: [{ cidr: '220.160.153.171/31' }] }, { ip: '220.160.153.171' }, true],
    ['/31, next address', { ip: [{ cidr: '220.160.153.171/31' }] }, { ip: '220.160.153.172' }, false],
    ['/24, first address', { ip: [{ cidr: '220.160.154.255/24' }] }, { ip: '220.160.154.0' }, true],
    ['/24, before it', { ip: [{ cidr: '220.160.154.255/24' }] }, { ip: '220.160.153.255' }, false],
    ['IPv6 /127', { ip: [{ cidr: '2001:db8::/127' }] }, { ip: '2001:db8::1' }, true],
    ['an address written with leading zeros', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '010.0.0.07' }, true],
    [
      'an IPv4 block covers IPv6 addresses whose first 32 bits are in it',
      { ip: [{ cidr: '10.0.0.0/8' }] },
      { ip: 'a00::1' },
      true,
    ],
    ['0.0.0.0/0 covers every IPv6 address', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '2001:db8::1' }, true],
    [
      'an IPv6 block covers IPv4 addresses its digits decide',
      { ip: [{ cidr: 'a00::/8' }] },
      { ip: '10.1.0.1' },
      true,
    ],
    ['Java drops the trailing empty part', { ip: [{ cidr: '10.0.0.0/8/' }] }, { ip: '10.9.9.9' }, true],
    ['a mask with a sign', { ip: [{ cidr: '10.0.0.0/+8' }] }, { ip: '10.9.9.9' }, true],
  ]);

  // CIDRTest.SpotMalformedCIDRs, and the /32 and /128 that CIDR.cidr refuses.
  it.each<[string, string]>([
    ['10.0.0.7/32', 'IPv4 mask bits must be < 32'],
    ['2001:db8::1/128', 'IPv6 mask bits must be < 128'],
    ['::ffff:a00:0/32', 'IPv4 mask bits must be < 32'],
    ['192.168.0.1/33', 'IPv4 mask bits must be < 32'],
    ['foo', "Malformed CIDR, one '/' required"],
    ['foo/bar/baz', "Malformed CIDR, one '/' required"],
    ['192.168.0.1/foo', 'Malformed CIDR, mask bits must be an integer'],
    ['192.168.0.1/-3424', 'Malformed CIDR, mask bits must not be negative'],
    ['snorkle/3', 'Nonstandard IP address: snorkle'],
    ['10.10.10.10.10/3', 'Nonstandard IP address'],
    ['2.1.0.-1/3', 'Nonstandard IP address'],
    ['1.2.3.400/8', 'Invalid IP address: 1.2.3.400'],
    ['2400:6500:3:3:3:3:3:3:3:3FF00::36FB:1F80/122', 'Invalid IP address'],
    ['2400:6500:3:3:-5:3:3:3:3:3FF00::36FB:1F80/122', 'Nonstandard IP address'],
    ['2400:6500:FF00::36FB:1F80/222', 'IPv6 mask bits must be < 128'],
  ])('refuses %s', (cidr, reason) => {
    const attempt = () => validateEventPattern({ detail: { ip: [{ cidr }] } });
    expect(attempt).toThrow(InvalidEventPatternError);
    expect(attempt).toThrow(`at detail.ip.cidr: ${reason}`);
  });
});

describe('exists: false looks across every element of an array of objects (NameState.getNameTransitions)', () => {
  table([
    // correctness-cases.json: "exists-false: absent" and "exists-false: present"
    ['absent', { d: { a: [{ exists: true }], b: [{ exists: false }] } }, { d: [{ a: 1 }] }, true],
    ['present', { d: { a: [{ exists: true }], b: [{ exists: false }] } }, { d: [{ a: 1, b: 2 }] }, false],
    ['present in another element', { d: { a: [{ exists: false }] } }, { d: [{ a: 1 }, { b: 2 }] }, false],
    ['absent from every element', { d: { a: [{ exists: false }] } }, { d: [{ b: 1 }, { b: 2 }] }, true],
    [
      'with a value in the element lacking it',
      { d: { a: [{ exists: false }], b: [2] } },
      { d: [{ a: 1 }, { b: 2 }] },
      false,
    ],
    ['in nested arrays', { d: { a: [{ exists: false }] } }, { d: [[{ a: 1 }], [{ b: 1 }]] }, false],
    ['an empty array', { d: { a: [{ exists: false }] } }, { d: [] }, true],
    // Fields are taken in path order; only fields before it narrow the elements it looks at.
    [
      'after a field that chose an element',
      { d: { z: [{ exists: false }], b: [1] } },
      { d: [{ z: 1, b: 2 }, { b: 1 }] },
      true,
    ],
    [
      'before a field that chooses an element',
      { d: { a: [{ exists: false }], b: [1] } },
      { d: [{ a: 1, b: 2 }, { b: 1 }] },
      false,
    ],
  ]);
});

describe('array consistency (ArrayMembership), from correctness-cases.json', () => {
  table([
    [
      'objarray: split',
      { d: { a: [{ exists: true }], b: [{ exists: true }] } },
      { d: [{ a: 1 }, { b: 2 }] },
      false,
    ],
    [
      'nested: inner split',
      { u: { t: { k: ['color'], v: ['blue'] } } },
      { u: [{ t: [{ k: 'color' }, { v: 'blue' }] }] },
      false,
    ],
    [
      'anything-but array',
      { u: { s: [{ 'anything-but': 'banned' }], n: [{ exists: true }] } },
      {
        u: [
          { n: 'alice', s: 'banned' },
          { n: 'bob', s: 'active' },
        ],
      },
      true,
    ],
  ]);
});

describe('what only the older RuleCompiler takes (GenericMachine.addRule falls back to it)', () => {
  table([
    ['$or that is not an array is a field', { $or: { a: ['x'] } }, { $or: { a: 'x' } }, true],
    ['$or of one match expression is a field', { $or: [{ prefix: 'x' }] }, { $or: 'xy' }, true],
    ['nested keys and dotted keys are one path', { a: { b: [1] } }, { 'a.b': 1 }, true],
  ]);

  it("refuses what both compilers refuse, with JsonRuleCompiler's reason", () => {
    expect(() => validateEventPattern({ $or: [{ a: ['x'] }] })).toThrow(
      'at $or: There must have at least 2 Objects in $or relationship.',
    );
  });
});

describe('a pattern as PutRule and TestEventPattern receive it: JSON text', () => {
  it('refuses a numeric bound or anything-but value with more digits than a double holds', () => {
    expect(() => parseEventPattern('{"a": [{"numeric": [">", 0.30000000000000001]}]}')).toThrow(
      'at a.numeric: Cannot compare number : 0.30000000000000001',
    );
    expect(() => parseEventPattern('{"a": [{"anything-but": [1, 1e400]}]}')).toThrow(
      'at a.anything-but: Cannot compare number : 1e400',
    );
  });

  it('reads such a literal elsewhere as its nearest double, and every other literal as written', () => {
    expect(parseEventPattern('{"a": [0.30000000000000001, -0, 1e2, "0.1"]}')).toEqual({
      a: [0.3, -0, 100, '0.1'],
    });
  });

  it('measures the text as sent, and says where JSON breaks', () => {
    expect(() => parseEventPattern(`{"a": ["x"]${' '.repeat(2048)}}`)).toThrow('the maximum is 2048');
    expect(() => parseEventPattern('{"a": [1,]}')).toThrow('Event pattern is not JSON');
  });
});
