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
  /** The data codewords, in the compaction chosen (without the length descriptor, padding and EC). */
  codewords: readonly number[];
  modules: Uint8Array;
}

/**
 * How the bytes become codewords: `byte` compaction carries every byte as it is (6 bytes in 5 codewords);
 * `text` compaction carries printable ASCII 2 characters a codeword (through its submodes), and the bytes
 * it cannot (Latin-1 letters, other controls) in byte compaction runs between. `auto`: byte compaction,
 * unless the symbol cannot hold it, then text.
 */
export type Pdf417Compaction = 'auto' | 'byte' | 'text';

/**
 * The most the symbol length descriptor can count (it counts itself, the data and the padding; not the error
 * correction codewords): codewords are values below 929. BWIPP checks the same, and ZXing's reader.
 */
const maxDataCodewords = 928;

/**
 * `bytes` as a PDF417 symbol (every byte given back exactly by a reader), at a fixed error correction level and
 * number of data columns, with as few rows as hold them (at least 3). By default in byte compaction, and in
 * text compaction when byte compaction does not fit (see `Pdf417Compaction`).
 *
 * Why by hand: bwip-js (BWIPP through its PostScript emulation) spent ≈ 3 ms per TED, most of it on this
 * last step (Reed-Solomon over 700 codewords, row indicators, patterns), and no maintained npm encoder takes
 * codewords or bytes with a fixed level and column count (see docs/decisions.md, 2026-12-05). The step is
 * small and fully specified; the patterns are data (pdf417Clusters), and the tests check whole symbols
 * against BWIPP's, module for module, and read them back with ZXing. Text compaction is here for the TEDs
 * that byte compaction cannot fit (BWIPP's own optimal one is what cost ≈ 12 ms a TED through its
 * emulation): a shortest path over its submodes, checked by ZXing reading random texts back.
 *
 * @example pdf417Matrix(Buffer.from(ted, 'latin1'), { columns: 12, ecLevel: 5 })
 */
export function pdf417Matrix(
  bytes: Uint8Array,
  options: { columns: number; ecLevel: number; compaction?: Pdf417Compaction },
): Pdf417Matrix {
  const { columns, ecLevel, compaction = 'auto' } = options;
  if (!Number.isInteger(columns) || columns < 1 || columns > 30)
    throw new RangeError(`PDF417 has 1 to 30 data columns, not ${columns}`);
  if (!Number.isInteger(ecLevel) || ecLevel < 0 || ecLevel > 8)
    throw new RangeError(`PDF417's error correction levels are 0 to 8, not ${ecLevel}`);
  const ecCount = 2 ** (ecLevel + 1);
  const rowsFor = (data: readonly number[]) => Math.max(3, Math.ceil((1 + data.length + ecCount) / columns));
  const fits = (data: readonly number[]) => {
    const rows = rowsFor(data);
    return rows <= 90 && rows * columns - ecCount <= maxDataCodewords;
  };
  let data = compaction === 'text' ? textCompaction(bytes) : byteCompaction(bytes);
  if (compaction === 'auto' && !fits(data)) data = textCompaction(bytes);
  const rows = rowsFor(data);
  if (!fits(data))
    throw new RangeError(
      `${bytes.length} bytes are too many for a PDF417 symbol of ${columns} columns at error correction ` +
        `level ${ecLevel}: ${data.length} codewords in ${compaction === 'byte' ? 'byte' : 'text'} compaction, ` +
        'and the symbol holds at most ' +
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
  return { width, rows, columns, codewords: data, modules };
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
 * Text compaction (ISO/IEC 15438 §5.4.2) for the printable ASCII runs (and CR, LF, HT), byte compaction for
 * the bytes between them. A symbol starts in text compaction, alpha submode; a byte run latches with 901/924
 * and text comes back with the 900 latch, which also resets the submode to alpha.
 */
function textCompaction(bytes: Uint8Array): number[] {
  const codewords: number[] = [];
  let inText = true;
  for (let i = 0; i < bytes.length; ) {
    const text = isText(bytes[i]!);
    let end = i;
    while (end < bytes.length && isText(bytes[end]!) === text) end++;
    if (text) {
      if (!inText) codewords.push(900);
      textCodewords(bytes.subarray(i, end), codewords);
    } else {
      for (const codeword of byteCompaction(bytes.subarray(i, end))) codewords.push(codeword);
    }
    inText = text;
    i = end;
  }
  return codewords;
}

/** Text compaction's four submodes: each character's value (0–29) in each, -1 where it has none. */
const alpha = submode('ABCDEFGHIJKLMNOPQRSTUVWXYZ ');
const lower = submode('abcdefghijklmnopqrstuvwxyz ');
const mixed = submode('0123456789&\r\t,:#-.$/+%*=^', { 32: 26 });
const punctuation = submode(';<>@[\\]_`~!\r\t,:\n-.$/"|*()?{}\'');
function submode(characters: string, more: Record<number, number> = {}): Int8Array {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < characters.length; i++) values[characters.charCodeAt(i)] = i;
  for (const [code, value] of Object.entries(more)) values[Number(code)] = value;
  return values;
}
const isText = (byte: number) =>
  byte < 128 && (alpha[byte]! >= 0 || lower[byte]! >= 0 || mixed[byte]! >= 0 || punctuation[byte]! >= 0);

/** The submodes, by index: what each character's value is in each (`submodes[mode][byte]`). */
const submodes = [alpha, lower, mixed, punctuation];
const alphaMode = 0;
const lowerMode = 1;
const punctuationMode = 3;
/**
 * The values that latch from one submode to another (`latches[from][to]`), the shortest: alpha→lower LL,
 * alpha→mixed ML, lower→alpha ML AL (there is no direct latch), mixed→alpha AL, mixed→punctuation PL,
 * punctuation→alpha AL, and the rest through mixed or alpha.
 */
const latches: readonly (readonly number[])[][] = [
  [[], [27], [28], [28, 25]],
  [[28, 28], [], [28], [28, 25]],
  [[28], [27], [], [25]],
  [[29], [29, 27], [29, 28], []],
];
/** Shifts for one character: PS (29) to punctuation from alpha, lower and mixed; AS (27) to alpha from lower. */
const shiftToPunctuation = 29;
const shiftToAlpha = 27;

/**
 * A run of text characters as codewords, two values each (30 × first + second), starting in the alpha
 * submode, with the fewest values: a shortest path over the four submodes, each character either in the
 * current one, after a latch to another that has it, or shifted in (a punctuation mark, or a capital among
 * lower-case letters). An odd count ends with a shift, which readers ignore at the end.
 */
function textCodewords(text: Uint8Array, codewords: number[]): void {
  const n = text.length;
  // cost[i * 4 + m]: fewest values for the first i characters ending in submode m; from[] and shifted[] say
  // how the last of them was written: the submode before it, and the shift it came in with (0: none).
  const cost = new Float64Array((n + 1) * 4).fill(Number.POSITIVE_INFINITY);
  const from = new Int8Array((n + 1) * 4);
  const shifted = new Uint8Array((n + 1) * 4);
  cost[alphaMode] = 0;
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    for (let m = 0; m < 4; m++) {
      const before = cost[i * 4 + m]!;
      if (before === Number.POSITIVE_INFINITY) continue;
      const relax = (to: number, value: number, shift: number) => {
        const at = (i + 1) * 4 + to;
        if (value < cost[at]!) {
          cost[at] = value;
          from[at] = m;
          shifted[at] = shift;
        }
      };
      for (let to = 0; to < 4; to++)
        if (submodes[to]![c]! >= 0) relax(to, before + latches[m]![to]!.length + 1, 0);
      if (m !== punctuationMode && punctuation[c]! >= 0) relax(m, before + 2, shiftToPunctuation);
      if (m === lowerMode && alpha[c]! >= 0) relax(m, before + 2, shiftToAlpha);
    }
  }
  let mode = 0;
  for (let m = 1; m < 4; m++) if (cost[n * 4 + m]! < cost[n * 4 + mode]!) mode = m;
  const values: number[] = [];
  for (let i = n; i > 0; i--) {
    const at = i * 4 + mode;
    const c = text[i - 1]!;
    const previous = from[at]!;
    if (shifted[at]) {
      const inPunctuation =
        punctuation[c]! >= 0 && !(mode === lowerMode && alpha[c]! >= 0 && punctuation[c]! < 0);
      values.push(
        inPunctuation ? punctuation[c]! : alpha[c]!,
        inPunctuation ? shiftToPunctuation : shiftToAlpha,
      );
    } else {
      values.push(submodes[mode]![c]!);
      const latch = latches[previous]![mode]!;
      for (let v = latch.length - 1; v >= 0; v--) values.push(latch[v]!);
    }
    mode = previous;
  }
  values.reverse();
  if (values.length % 2 === 1) values.push(shiftToPunctuation);
  for (let i = 0; i < values.length; i += 2) codewords.push(30 * values[i]! + values[i + 1]!);
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
