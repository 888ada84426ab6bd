import { describe, expect, it } from 'vitest';
import { matchesPattern } from './eventPattern';

const event = {
  source: 'mtd.dte',
  'detail-type': 'DteBroadcastFailed',
  resources: [],
  detail: {
    metadata: { producer: 'mtd.dte', eventVersion: 1 },
    data: {
      orderId: 'PO-1',
      attempt: 3,
      final: false,
      tags: ['a', 'b'],
      note: null,
      empty: '',
      ip: '10.0.0.7',
      v6: '2001:db8::1',
    },
  },
};

describe('EventBridge pattern matching', () => {
  it.each([
    ['exact string', { source: ['mtd.dte'] }, true],
    ['exact string, no match', { source: ['mtd.intake'] }, false],
    ['any of several values', { source: ['mtd.intake', 'mtd.dte'] }, true],
    ['boolean', { detail: { data: { final: [false] } } }, true],
    ['boolean, no match', { detail: { data: { final: [true] } } }, false],
    ['number', { detail: { data: { attempt: [3] } } }, true],
    ['null', { detail: { data: { note: [null] } } }, true],
    ['empty string', { detail: { data: { empty: [''] } } }, true],
    ['array in the event matches any element', { detail: { data: { tags: ['b'] } } }, true],
    ['array in the event, no element matches', { detail: { data: { tags: ['c'] } } }, false],
    ['prefix', { source: [{ prefix: 'mtd.' }] }, true],
    ['prefix, no match', { source: [{ prefix: 'aws.' }] }, false],
    ['prefix ignoring case', { source: [{ prefix: { 'equals-ignore-case': 'MTD.' } }] }, true],
    ['suffix', { 'detail-type': [{ suffix: 'Failed' }] }, true],
    ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'dtebroadcastfailed' }] }, true],
    ['anything-but value', { source: [{ 'anything-but': 'mtd.intake' }] }, true],
    ['anything-but value, no match', { source: [{ 'anything-but': 'mtd.dte' }] }, false],
    ['anything-but list', { source: [{ 'anything-but': ['mtd.intake', 'mtd.dte'] }] }, false],
    ['anything-but prefix', { source: [{ 'anything-but': { prefix: 'aws.' } }] }, true],
    [
      'anything-but on a missing field does not match',
      { detail: { data: { missing: [{ 'anything-but': 'x' }] } } },
      false,
    ],
    ['numeric range', { detail: { data: { attempt: [{ numeric: ['>', 2, '<=', 3] }] } } }, true],
    ['numeric range, no match', { detail: { data: { attempt: [{ numeric: ['>', 3] }] } } }, false],
    ['numeric on a string does not match', { detail: { data: { orderId: [{ numeric: ['>', 0] }] } } }, false],
    ['exists true', { detail: { data: { orderId: [{ exists: true }] } } }, true],
    ['exists true on null', { detail: { data: { note: [{ exists: true }] } } }, false],
    ['exists false on a missing field', { detail: { data: { missing: [{ exists: false }] } } }, true],
    ['exists false on a present field', { detail: { data: { orderId: [{ exists: false }] } } }, false],
    ['exists false under a missing object', { detail: { nothing: { here: [{ exists: false }] } } }, true],
    ['exists on an empty array is false', { resources: [{ exists: true }] }, false],
    ['missing field never matches a value', { detail: { data: { missing: ['x'] } } }, false],
    ['wildcard', { detail: { data: { orderId: [{ wildcard: 'PO-*' }] } } }, true],
    ['wildcard, no match', { detail: { data: { orderId: [{ wildcard: 'X*' }] } } }, false],
    ['cidr IPv4', { detail: { data: { ip: [{ cidr: '10.0.0.0/24' }] } } }, true],
    ['cidr IPv4, no match', { detail: { data: { ip: [{ cidr: '10.0.1.0/24' }] } } }, false],
    ['cidr IPv6', { detail: { data: { v6: [{ cidr: '2001:db8::/32' }] } } }, true],
    ['$or', { $or: [{ source: ['x'] }, { detail: { data: { attempt: [3] } } }] }, true],
    ['$or, no alternative', { $or: [{ source: ['x'] }, { source: ['y'] }] }, false],
    ['all fields must match', { source: ['mtd.dte'], 'detail-type': ['DteIssued'] }, false],
  ])('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});
