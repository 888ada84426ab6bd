import { describe, expect, it } from 'vitest';
import { aLine } from '#src/testing/anAcceptedOrder';
import { AmountOutOfRangeError, dteAmounts, dteTypeFor, lineTotal, netOfGross } from './amounts';

describe('amounts of an IVA-inclusive order', () => {
  it('matches the DESIGN §2 example: total 19990 → net 16798, IVA 3192', () => {
    expect(dteAmounts([aLine({ quantity: 1, unitPrice: 19990 })])).toMatchObject({
      net: 16798,
      iva: 3192,
      total: 19990,
    });
  });

  it('sums line totals (quantity × unit price) into the total', () => {
    const amounts = dteAmounts([
      aLine({ quantity: 2, unitPrice: 9990 }),
      aLine({ sku: 'SKU-2', quantity: 3, unitPrice: 1000 }),
    ]);
    expect(amounts.lines.map((l) => l.lineTotal)).toEqual([19980, 3000]);
    expect(amounts.total).toBe(22980);
    expect(amounts.net + amounts.iva).toBe(amounts.total);
  });

  it('rounds the net half up, exactly at the .5 boundary', () => {
    // An exact half would need 200·total = 119·(2k+1): even = odd, impossible. So the rule is
    // tested on the nearest neighbours of the half, either side, and against a reference over a range.
    expect(netOfGross(59)).toBe(50); // 49.579… → 50 (up)
    expect(netOfGross(60)).toBe(50); // 50.420… → 50 (down)
    expect(netOfGross(1)).toBe(1); // 0.840… → 1
    expect(netOfGross(0)).toBe(0);
    expect(netOfGross(119)).toBe(100); // exact
    for (let total = 0; total < 5000; total++) {
      expect(netOfGross(total)).toBe(Math.round((total * 100) / 119));
    }
  });

  it('stays exact for totals far beyond what a float division keeps (bigint arithmetic)', () => {
    const total = Number.MAX_SAFE_INTEGER; // 9007199254740991
    const expected = (BigInt(total) * 200n + 119n) / 238n;
    expect(BigInt(netOfGross(total))).toBe(expected);
    const amounts = dteAmounts([aLine({ quantity: 1_000_000, unitPrice: 9_000_000_000 })]);
    expect(amounts.total).toBe(9_000_000_000_000_000);
    expect(amounts.net + amounts.iva).toBe(amounts.total);
  });

  it('refuses a total that is not a safe integer instead of rounding it', () => {
    expect(() => lineTotal({ quantity: 1_000_000, unitPrice: Number.MAX_SAFE_INTEGER })).toThrow(
      AmountOutOfRangeError,
    );
    expect(() =>
      dteAmounts([
        aLine({ unitPrice: Number.MAX_SAFE_INTEGER, quantity: 1 }),
        aLine({ unitPrice: 1, quantity: 1 }),
      ]),
    ).toThrow(AmountOutOfRangeError);
    expect(() => netOfGross(1.5)).toThrow(AmountOutOfRangeError);
  });

  it('issues a factura (33) to a customer with a RUT and a boleta (39) otherwise', () => {
    expect(dteTypeFor({ taxId: '76123456-7' })).toBe(33);
    expect(dteTypeFor({})).toBe(39);
  });
});
