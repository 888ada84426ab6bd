import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Streams, streamKeyOf } from './streams';

describe('Streams', () => {
  it('keeps the stream id of every well-formed order id, so stored streams still resolve', () => {
    expect(Streams.order('PO-1001')).toBe('order-PO-1001');
    expect(Streams.dte('a.b_c-D')).toBe('dte-a.b_c-D');
    expect(Streams.order('x'.repeat(64))).toBe(`order-${'x'.repeat(64)}`);
  });

  it('escapes any other order id into a range no well-formed id reaches', () => {
    expect(streamKeyOf('PO 1')).toBe('~PO%201');
    expect(streamKeyOf('~PO%201')).toBe('~%7EPO%25201');
    expect(streamKeyOf('')).toBe('~');
    expect(streamKeyOf('-x')).toBe('~-x');
    expect(streamKeyOf('Pé')).toBe('~P%C3%A9');
    expect(streamKeyOf('\uD800')).not.toBe(streamKeyOf('\uFFFD'));
    expect(streamKeyOf('\uD800')).toBe('~!D800');
  });

  it('is injective over every string, and no prefix of one kind reaches another', () => {
    const kinds = Object.entries(Streams);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii' }),
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }),
        ),
        (a, b) => {
          fc.pre(a !== b);
          for (const [, streamOf] of kinds) expect(streamOf(a)).not.toBe(streamOf(b));
          for (const [kindA, ofA] of kinds) {
            for (const [kindB, ofB] of kinds) {
              if (kindA !== kindB) expect(ofA(a)).not.toBe(ofB(b));
            }
          }
        },
      ),
      { numRuns: 2_000 },
    );
    // Ids built to collide with a separator or with another kind's prefix still don't.
    expect(Streams.order('dte-PO-1')).not.toBe(Streams.dte('PO-1'));
    expect(Streams.order('PO-1%2')).not.toBe(Streams.order('PO-1~2'));
  });
});
