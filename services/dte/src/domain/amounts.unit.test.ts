import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aLine } from '#src/testing/anAcceptedOrder';
import {
  AmountOutOfRangeError,
  documentAmounts,
  dteTypeFor,
  ivaOfNet,
  lineTotal,
  netOfGross,
} from './amounts';

/**
 * Reference arithmetic, written independently of amounts.ts: the nearest integer to p/q (q > 0), ties
 * up, found by comparing distances in exact integers (never a float, never the same formula).
 */
function nearest(p: bigint, q: bigint): bigint {
  const low = p / q; // p ≥ 0
  const high = low + 1n;
  const dLow = p - low * q;
  const dHigh = high * q - p;
  return dHigh <= dLow ? high : low;
}
/** The SII's definitions (Formato DTE v2.2 fields 107, 112, 124), as a reference. */
const referenceNet = (gross: number) => Number(nearest(BigInt(gross) * 100n, 119n));
const referenceIva = (net: number) => Number(nearest(BigInt(net) * 19n, 100n));

describe('amounts of an IVA-inclusive order, by the SII rule of each type', () => {
  it('holds for every total from 1 to 200,000, for both types', () => {
    let boletaIvaOffByOne = 0;
    let facturaTotalOffByOne = 0;
    for (let gross = 1; gross <= 200_000; gross++) {
      const line = [aLine({ quantity: 1, unitPrice: gross })];
      const boleta = documentAmounts(39, line);
      const factura = documentAmounts(33, line);
      const net = referenceNet(gross);
      // Boleta: MntTotal is what was paid; the IVA is the rest of it after MntNeto.
      if (
        boleta.net !== net ||
        boleta.total !== gross ||
        boleta.iva !== gross - net ||
        boleta.gross !== gross
      )
        expect.fail(`boleta of ${gross}: ${JSON.stringify(boleta)}`);
      if (boleta.iva !== referenceIva(net)) boletaIvaOffByOne++;
      // Factura with MntBruto=1: net and IVA by the format's definitions, the total is their sum.
      const iva = referenceIva(net);
      if (factura.net !== net || factura.iva !== iva || factura.total !== net + iva)
        expect.fail(`factura of ${gross}: ${JSON.stringify(factura)}`);
      if (Math.abs(factura.total - gross) > 1) expect.fail(`factura of ${gross} is more than a peso off`);
      if (factura.total !== gross) facturaTotalOffByOne++;
    }
    // The measurement: for 16% of totals no whole net gives net + round(19% net) = total. Those
    // are exactly the totals where the boleta's IVA and the factura's total take the rounding peso.
    expect(boletaIvaOffByOne).toBe(facturaTotalOffByOne);
    expect(boletaIvaOffByOne / 200_000).toBeCloseTo(0.16, 2);
  });

  it('for any order, a boleta totals what was paid and a factura is at most a peso from it', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            quantity: fc.integer({ min: 1, max: 1000 }),
            unitPrice: fc.integer({ min: 1, max: 5e6 }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (lines) => {
          const order = lines.map((l, i) => aLine({ sku: `SKU-${i}`, ...l }));
          const paid = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
          const boleta = documentAmounts(39, order);
          const factura = documentAmounts(33, order);
          expect(boleta.total).toBe(paid);
          expect(boleta.net + boleta.iva).toBe(boleta.total);
          expect(factura.iva).toBe(referenceIva(factura.net));
          expect(factura.net + factura.iva).toBe(factura.total);
          expect(Math.abs(factura.total - paid)).toBeLessThanOrEqual(1);
          expect(factura.lines.reduce((sum, l) => sum + l.lineTotal, 0)).toBe(paid);
        },
      ),
    );
  });

  it('matches the DESIGN §2 example and the one-peso cases', () => {
    expect(documentAmounts(39, [aLine({ quantity: 1, unitPrice: 19990 })])).toMatchObject({
      net: 16798,
      iva: 3192,
      total: 19990,
    });
    // 680 / 1.19 = 571.43 → 571; 571 × 0.19 = 108.49 → 108: no whole net gives 680.
    expect(documentAmounts(39, [aLine({ quantity: 1, unitPrice: 680 })])).toMatchObject({
      net: 571,
      iva: 109,
      total: 680,
    });
    expect(documentAmounts(33, [aLine({ quantity: 1, unitPrice: 680 })])).toMatchObject({
      net: 571,
      iva: 108,
      total: 679,
      gross: 680,
    });
    expect(ivaOfNet(50)).toBe(10); // 9.5, half up
    expect(ivaOfNet(150)).toBe(29); // 28.5, half up
  });

  it('rounds the net half up, exactly at the .5 boundary', () => {
    expect(netOfGross(59)).toBe(50); // 49.579… → 50 (up)
    expect(netOfGross(60)).toBe(50); // 50.420… → 50 (down)
    expect(netOfGross(0)).toBe(0);
    expect(netOfGross(119)).toBe(100); // exact
  });

  it('stays exact for totals far beyond what a float division keeps (bigint arithmetic)', () => {
    const total = Number.MAX_SAFE_INTEGER;
    expect(BigInt(netOfGross(total))).toBe((BigInt(total) * 200n + 119n) / 238n);
    const amounts = documentAmounts(39, [aLine({ quantity: 1_000_000, unitPrice: 9_000_000_000 })]);
    expect(amounts.total).toBe(9_000_000_000_000_000);
    expect(amounts.net + amounts.iva).toBe(amounts.total);
  });

  it('refuses a total that is not a safe integer instead of rounding it', () => {
    expect(() => lineTotal({ quantity: 1_000_000, unitPrice: Number.MAX_SAFE_INTEGER })).toThrow(
      AmountOutOfRangeError,
    );
    expect(() =>
      documentAmounts(39, [
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
