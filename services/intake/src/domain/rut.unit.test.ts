import { describe, expect, it } from 'vitest';
import { rutCheckDigit, splitRut } from '#domain/rut';

describe('RUT check digit (módulo 11)', () => {
  it.each([
    ['76123456', '0'],
    ['12345678', '5'],
    ['11111111', '1'],
    ['10000013', 'K'],
    ['7', '8'],
  ])('%s -> %s', (body, digit) => {
    expect(rutCheckDigit(body)).toBe(digit);
  });

  it('splits a RUT and upper-cases a k check digit', () => {
    expect(splitRut('10000013-k')).toEqual({ body: '10000013', checkDigit: 'K' });
    expect(splitRut('76.123.456-0')).toBeUndefined();
  });
});
