/**
 * Chilean RUT check digit (módulo 11, as published by the Servicio de Impuestos Internos): the body's
 * digits from the right are weighted 2,3,4,5,6,7,2,3,…; the check digit is 11 - (sum mod 11), with
 * 11 written `0` and 10 written `K`. A typo in a RUT would issue a factura to the wrong taxpayer, so
 * intake refuses it rather than letting DTE fail later.
 *
 * @example rutCheckDigit('76123456') // '0'
 */
export function rutCheckDigit(body: string): string {
  let sum = 0;
  let weight = 2;
  for (let i = body.length - 1; i >= 0; i--) {
    sum += Number(body[i]) * weight;
    weight = weight === 7 ? 2 : weight + 1;
  }
  const digit = 11 - (sum % 11);
  if (digit === 11) return '0';
  if (digit === 10) return 'K';
  return String(digit);
}

/** Splits `76123456-0` into body and check digit; undefined when it is not shaped like a RUT. */
export function splitRut(taxId: string): { body: string; checkDigit: string } | undefined {
  const match = /^(\d{1,8})-([\dkK])$/.exec(taxId);
  if (!match) return undefined;
  return { body: match[1]!, checkDigit: match[2]!.toUpperCase() };
}
