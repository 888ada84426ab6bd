import { pdf417Clusters } from './pdf417Clusters';

/**
 * A PDF417 symbol's modules, row by row: `modules[row * width + x]` is 1 for a bar, 0 for a space; each
 * row is one codeword high (the caller draws it as tall as it likes).
 */
export interface Pdf417Matrix {
  /** Modules in a row: 17 per codeword, start, left row indicator, data columns, right indicator, and 18 for stop. */
  width: number;
  rows: number;
  columns: number;
  modules: Uint8Array;
}

/**
 * The most the symbol length descriptor can count (it counts itself, the data and the padding; not the error
 * correction codewords): codewords are values below 929. BWIPP checks the same, and ZXing's reader.
 */
const maxDataCodewords = 928;

/**
 * `bytes` as a PDF417 symbol in byte compaction (every byte as it is, so any reader gives them back exactly),
 * at a fixed error correction level and number of data columns, with as few rows as hold them (at least 3).
 *
 * Why by hand: bwip-js (BWIPP through its PostScript emulation) spent ≈ 3 ms per TED, most of it on this
 * last step (Reed-Solomon over 700 codewords, row indicators, patterns), and no maintained npm encoder takes
 * codewords or bytes with a fixed level and column count (see docs/decisions.md, 2026-12-05). The step is
 * small and fully specified; the patterns are data (pdf417Clusters), and the tests check whole symbols
 * against BWIPP's, module for module, and read them back with ZXing.
 *
 * @example pdf417Matrix(Buffer.from(ted, 'latin1'), { columns: 12, ecLevel: 5 })
 */
export function pdf417Matrix(bytes: Uint8Array, options: { columns: number; ecLevel: number }): Pdf417Matrix {
  const { columns, ecLevel } = options;
  if (!Number.isInteger(columns) || columns < 1 || columns > 30)
    throw new RangeError(`PDF417 has 1 to 30 data columns, not ${columns}`);
  if (!Number.isInteger(ecLevel) || ecLevel < 0 || ecLevel > 8)
    throw new RangeError(`PDF417's error correction levels are 0 to 8, not ${ecLevel}`);
  const data = byteCompaction(bytes);
  const ecCount = 2 ** (ecLevel + 1);
  const rows = Math.max(3, Math.ceil((1 + data.length + ecCount) / columns));
  if (rows > 90 || rows * columns - ecCount > maxDataCodewords)
    throw new RangeError(
      `${bytes.length} bytes are too many for a PDF417 symbol of ${columns} columns at error correction ` +
        `level ${ecLevel}: ${data.length} codewords in byte compaction, and the symbol holds at most ` +
        `${Math.min(90 * columns - ecCount, maxDataCodewords) - 1} with the length descriptor and ${ecCount} ` +
        'error correction codewords',
    );

  // The length descriptor counts itself, the data and the padding (900, text latch) up to the EC codewords.
  const codewords = new Array<number>(rows * columns).fill(900);
  const dataCount = rows * columns - ecCount;
  codewords[0] = dataCount;
  for (let i = 0; i < data.length; i++) codewords[i + 1] = data[i] ?? 0;
  const ec = errorCorrection(codewords, dataCount, ecLevel);
  for (let i = 0; i < ecCount; i++) codewords[dataCount + i] = ec[i] ?? 0;

  const width = 17 * (columns + 4) + 1;
  const modules = new Uint8Array(width * rows);
  for (let row = 0; row < rows; row++) {
    const cluster = row % 3;
    const patterns = pdf417Clusters[cluster]!;
    const [left, right] = rowIndicators(row, rows, columns, ecLevel);
    let x = putBits(modules, row * width, startPattern, 17);
    x = putBits(modules, x, patterns[left]!, 17);
    for (let column = 0; column < columns; column++)
      x = putBits(modules, x, patterns[codewords[row * columns + column]!]!, 17);
    x = putBits(modules, x, patterns[right]!, 17);
    putBits(modules, x, stopPattern, 18);
  }
  return { width, rows, columns, modules };
}

/** Writes `bits`' lowest `length` bits, most significant first, one module each; returns where it stopped. */
function putBits(modules: Uint8Array, at: number, bits: number, length: number): number {
  for (let bit = length - 1; bit >= 0; bit--) modules[at++] = (bits >> bit) & 1;
  return at;
}

/** Start (8 1 1 1 1 1 1 3) and stop (7 1 1 3 1 1 1 2 1) patterns, as bits: 17 and 18 modules. */
const startPattern = 0b11111111010101000;
const stopPattern = 0b111111101000101001;

/**
 * The row indicators (ISO/IEC 15438 §5.3.1): each row's left and right codewords tell the reader the number of
 * rows, of data columns and the error correction level, a different two of the three by cluster.
 */
function rowIndicators(row: number, rows: number, columns: number, ecLevel: number): [number, number] {
  const base = Math.floor(row / 3) * 30;
  const rowCount = base + Math.floor((rows - 1) / 3);
  const level = base + ecLevel * 3 + ((rows - 1) % 3);
  const columnCount = base + columns - 1;
  switch (row % 3) {
    case 0:
      return [rowCount, columnCount];
    case 1:
      return [level, rowCount];
    default:
      return [columnCount, level];
  }
}

/**
 * Byte compaction (ISO/IEC 15438 §5.4.3): latch 924 when the bytes come in whole groups of six, else 901;
 * each group of six bytes is a 48-bit number written as five base-900 codewords (exact in a double, below
 * 2^53), and the bytes after the last whole group are one codeword each.
 */
function byteCompaction(bytes: Uint8Array): number[] {
  const codewords = [bytes.length % 6 === 0 ? 924 : 901];
  let i = 0;
  for (; i + 6 <= bytes.length; i += 6) {
    let group = 0;
    for (let b = i; b < i + 6; b++) group = group * 256 + (bytes[b] ?? 0);
    const at = codewords.length;
    for (let d = 4; d >= 0; d--) {
      codewords[at + d] = group % 900;
      group = Math.floor(group / 900);
    }
  }
  for (; i < bytes.length; i++) codewords.push(bytes[i] ?? 0);
  return codewords;
}

/**
 * The Reed-Solomon codewords over GF(929) for the first `count` codewords (ISO/IEC 15438 Annex F): the
 * remainder of the data polynomial times x^k divided by the generator g(x) = (x − 3)(x − 3²)…(x − 3^k),
 * negated, highest power first. A shift register, as the standard draws it; its products come from a table
 * (below), so the 700 × 64 steps of a TED's symbol take no division.
 */
function errorCorrection(codewords: readonly number[], count: number, ecLevel: number): number[] {
  const products = generatorProducts(ecLevel);
  const k = 2 ** (ecLevel + 1);
  const ec = new Int32Array(k);
  for (let i = 0; i < count; i++) {
    const t = ((codewords[i] ?? 0) + ec[k - 1]!) % 929;
    const row = t * k;
    for (let j = k - 1; j > 0; j--) {
      const v = ec[j - 1]! - products[row + j]!;
      ec[j] = v + (929 & (v >> 31)); // v mod 929, without a branch the data would make unpredictable
    }
    ec[0] = products[row] === 0 ? 0 : 929 - products[row]!;
  }
  return Array.from(ec, (c) => (c === 0 ? 0 : 929 - c)).reverse();
}

/**
 * For each t in 0…928, t · g_j mod 929 for every coefficient g_j of g(x) below its leading 1 (lowest power
 * first): `products[t * k + j]`. Computed once per level from g's definition, not copied from a table.
 */
const productTables = new Map<number, Uint16Array>();
function generatorProducts(ecLevel: number): Uint16Array {
  let products = productTables.get(ecLevel);
  if (!products) {
    const k = 2 ** (ecLevel + 1);
    let g = [1]; // lowest power first
    let root = 1;
    for (let i = 1; i <= k; i++) {
      root = (root * 3) % 929;
      const next = new Array<number>(g.length + 1).fill(0);
      for (let j = 0; j < g.length; j++) {
        next[j + 1] = (next[j + 1]! + g[j]!) % 929; // x · g
        next[j] = (next[j]! + 929 - ((root * g[j]!) % 929)) % 929; // − root · g
      }
      g = next;
    }
    products = new Uint16Array(929 * k);
    for (let t = 0; t < 929; t++) for (let j = 0; j < k; j++) products[t * k + j] = (t * g[j]!) % 929;
    productTables.set(ecLevel, products);
  }
  return products;
}
