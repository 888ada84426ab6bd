import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  BinaryBitmap,
  DecodeHintType,
  HybridBinarizer,
  PDF417Reader,
  ResultMetadataType,
  RGBLuminanceSource,
  ZXingStringEncoding,
} from '@zxing/library';
import bwipjs from 'bwip-js/node';
import { describe, expect, it } from 'vitest';
import { type Pdf417Matrix, pdf417Matrix } from './pdf417';
import { pdf417Clusters } from './pdf417Clusters';

const require = createRequire(import.meta.url);

// ZXing's Node fallback decodes ISO-8859-1 through decodeURIComponent, which fails on bytes over 0x7F.
ZXingStringEncoding.customDecoder = (bytes, encoding) =>
  /8859-1|latin1/i.test(encoding)
    ? Buffer.from(bytes).toString('latin1')
    : new TextDecoder(encoding).decode(bytes);

/** A seeded generator (mulberry32): the same "random" inputs on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same bytes as BWIPP (bwip-js) draws them, given the same byte-compacted codewords. */
function bwippModules(
  bytes: Uint8Array,
  columns: number,
  ecLevel: number,
): { width: number; modules: number[] } {
  const codewords = [bytes.length % 6 === 0 ? 924 : 901];
  let i = 0;
  for (; i + 6 <= bytes.length; i += 6) {
    let group = 0;
    for (let b = i; b < i + 6; b++) group = group * 256 + bytes[b]!;
    const digits: number[] = [];
    for (let d = 0; d < 5; d++) {
      digits.unshift(group % 900);
      group = Math.floor(group / 900);
    }
    codewords.push(...digits);
  }
  for (; i < bytes.length; i++) codewords.push(bytes[i]!);
  return bwippRaw(codewords, columns, ecLevel);
}

/** The symbol BWIPP draws for these data codewords (it adds the length descriptor, padding and EC). */
function bwippRaw(codewords: readonly number[], columns: number, ecLevel: number) {
  const [symbol] = bwipjs.raw({
    bcid: 'pdf417',
    text: codewords.map((codeword) => `^${String(codeword).padStart(3, '0')}`).join(''),
    ...({ raw: true, eclevel: ecLevel, fixedeclevel: true, columns } as Partial<bwipjs.RenderOptions>),
  });
  if (!symbol || !('pixs' in symbol)) throw new Error('bwip-js gave no matrix');
  return { width: symbol.pixx, modules: symbol.pixs };
}

/** What ZXing's PDF417 reader reads from the symbol drawn 1 pixel per module, rows 2 high, a quiet zone of 6. */
function zxingRead(symbol: Pdf417Matrix): { text: string; ecLevel: string } {
  const quiet = 6;
  const width = symbol.width + 2 * quiet;
  const height = 2 * symbol.rows + 2 * quiet;
  const luminance = new Uint8ClampedArray(width * height).fill(255);
  for (let y = 0; y < 2 * symbol.rows; y++)
    for (let x = 0; x < symbol.width; x++)
      if (symbol.modules[(y >> 1) * symbol.width + x]) luminance[(y + quiet) * width + x + quiet] = 0;
  const result = new PDF417Reader().decode(
    new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height))),
    new Map([[DecodeHintType.CHARACTER_SET, 'ISO-8859-1']]),
  );
  return {
    text: result.getText(),
    ecLevel: String(result.getResultMetadata().get(ResultMetadataType.ERROR_CORRECTION_LEVEL)),
  };
}

/** A codeword pattern's cluster from its bar widths (ISO/IEC 15438 §5.3.1): (b1 − b2 + b3 − b4 + 9) mod 9. */
function clusterOf(pattern: number): number {
  const widths: number[] = [];
  let run = 0;
  for (let bit = 16; bit >= 0; bit--) {
    run++;
    if (bit === 0 || ((pattern >> bit) & 1) !== ((pattern >> (bit - 1)) & 1)) {
      widths.push(run);
      run = 0;
    }
  }
  const [b1 = 0, , b2 = 0, , b3 = 0, , b4 = 0] = widths;
  return (b1 - b2 + b3 - b4 + 9) % 9;
}

/** The most bytes byte compaction puts in 12 columns at level 5 (a length descriptor of at most 928). */
const capacity = 1_101;

describe('pdf417Matrix', () => {
  it("holds BWIPP's codeword patterns, which ZXing's reader reads as the same codewords of the same clusters", () => {
    const barcodePs = readFileSync(join(dirname(require.resolve('bwip-js')), '..', 'barcode.ps'), 'latin1');
    const start = barcodePs.indexOf('/pdf417.clusters [');
    const table = barcodePs.slice(start, barcodePs.indexOf('] readonly def', start));
    const bwippClusters = table
      .split('[')
      .slice(2)
      .map((cluster) => cluster.split(']')[0]!.trim().split(/\s+/).map(Number));
    expect(pdf417Clusters).toEqual(bwippClusters);

    const zxing: { getCodeword(symbol: number): number } =
      require('@zxing/library/cjs/core/pdf417/PDF417Common.js').default;
    pdf417Clusters.forEach((patterns, cluster) => {
      expect(patterns).toHaveLength(929);
      patterns.forEach((pattern, codeword) => {
        expect(zxing.getCodeword(pattern)).toBe(codeword);
        expect(clusterOf(pattern)).toBe(3 * cluster);
      });
    });
  });

  it("draws the symbol BWIPP draws, module for module, for random bytes up to the symbol's capacity", () => {
    const random = seeded(417);
    const drawn = new Set<string>();
    for (let n = 0; n < 250; n++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * capacity) }, () =>
        Math.floor(random() * 256),
      );
      const ours = pdf417Matrix(bytes, { columns: 12, ecLevel: 5, compaction: 'byte' });
      const theirs = bwippModules(bytes, 12, 5);
      expect(ours.width).toBe(theirs.width);
      expect(Array.from(ours.modules)).toEqual(theirs.modules);
      for (let row = 0; row < ours.rows; row++)
        for (let x = row * ours.width; x < (row + 1) * ours.width - 18; x += 17)
          drawn.add(ours.modules.subarray(x, x + 17).join(''));
    }
    // Every pattern of every cluster appeared in some symbol: the whole table was compared with BWIPP's.
    const everyPattern = new Set(pdf417Clusters.flat().map((p) => p.toString(2).padStart(17, '0')));
    expect([...everyPattern].filter((pattern) => !drawn.has(pattern))).toEqual([]);
  });

  it('draws what BWIPP draws at other levels and column counts (its row indicators say them)', () => {
    const random = seeded(15438);
    for (let n = 0; n < 40; n++) {
      const columns = 1 + Math.floor(random() * 30);
      const ecLevel = Math.floor(random() * 9);
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 300) }, () =>
        Math.floor(random() * 256),
      );
      let ours: Pdf417Matrix;
      try {
        ours = pdf417Matrix(bytes, { columns, ecLevel, compaction: 'byte' });
      } catch {
        expect(() => bwippModules(bytes, columns, ecLevel)).toThrow(); // too big for the symbol: both refuse
        continue;
      }
      expect(Array.from(ours.modules)).toEqual(bwippModules(bytes, columns, ecLevel).modules);
    }
  });

  it('gives back every byte of random Latin-1 texts to ZXing, at level 5 in 12 columns', () => {
    const random = seeded(929);
    const lengths = [1, 2, 3, 4, 5, 6, 7, 812, 813, 814, 815, 816, 817, capacity];
    for (let n = 0; n < 20; n++) lengths.push(1 + Math.floor(random() * capacity));
    for (const length of lengths) {
      const text = Array.from({ length }, () => String.fromCharCode(0x20 + Math.floor(random() * 0xe0))).join(
        '',
      );
      const symbol = pdf417Matrix(Buffer.from(text, 'latin1'), { columns: 12, ecLevel: 5 });
      expect(symbol.columns).toBe(12);
      expect(symbol.width).toBe(17 * (12 + 4) + 1);
      expect(symbol.rows).toBe(
        Math.max(3, Math.ceil((1 + 1 + 5 * Math.floor(length / 6) + (length % 6) + 64) / 12)),
      );
      expect(zxingRead(symbol)).toEqual({ text, ecLevel: '5' });
    }
  });

  it('carries random texts in text compaction, Latin-1 letters in byte runs between, as ZXing reads them', () => {
    const random = seeded(900);
    const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    const alphabets = [
      `${ascii}\r\n\t`, // every text character, each submode and switch
      'abcdefghijklmnopqrstuvwxyz', // long runs in one submode
      '<TED><DD>Ana Pérez Ñúñez &amp; Cía. 76543210-3</DD></TED>', // what a TED is made of
      `${ascii}áéíóúñÑÜ\u00a0\u00ff\u0001\u007f`, // bytes text compaction cannot carry, alone and in runs
    ];
    let carried = 0;
    for (let n = 0; n < 80; n++) {
      const alphabet = alphabets[n % alphabets.length]!;
      const length = 1 + Math.floor(random() * 1_300);
      const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      let symbol: Pdf417Matrix;
      try {
        symbol = pdf417Matrix(Buffer.from(text, 'latin1'), { columns: 12, ecLevel: 5, compaction: 'text' });
      } catch (error) {
        expect(String(error)).toMatch(/too many for a PDF417 symbol/);
        continue;
      }
      expect(zxingRead(symbol)).toEqual({ text, ecLevel: '5' });
      expect(Array.from(symbol.modules)).toEqual(bwippRaw(symbol.codewords, 12, 5).modules);
      carried++;
    }
    expect(carried).toBeGreaterThan(60);
  });

  it('uses byte compaction while the symbol holds it, text compaction beyond', () => {
    const latin1 = Buffer.from('Ñ'.repeat(capacity), 'latin1');
    expect(pdf417Matrix(latin1, { columns: 12, ecLevel: 5 }).codewords[0]).toBe(901);
    const xml = `<TED version="1.0"><DD><RSR>${'&amp;'.repeat(40)}</RSR>${'<IT1>Tijeras</IT1>'.repeat(50)}</DD></TED>`;
    expect(xml.length).toBeGreaterThan(capacity);
    const symbol = pdf417Matrix(Buffer.from(xml, 'latin1'), { columns: 12, ecLevel: 5 });
    expect(symbol.codewords[0]).not.toBe(901);
    expect(zxingRead(symbol)).toEqual({ text: xml, ecLevel: '5' });
  });

  it('refuses, saying why, bytes the symbol cannot hold and options PDF417 does not have', () => {
    expect(() =>
      pdf417Matrix(new Uint8Array(capacity + 1), { columns: 12, ecLevel: 5, compaction: 'byte' }),
    ).toThrow(
      /1102 bytes are too many for a PDF417 symbol of 12 columns at error correction level 5: 920 codewords in byte/,
    );
    // Zero bytes are no text: text compaction carries them in byte compaction too, and no better.
    expect(() => pdf417Matrix(new Uint8Array(capacity + 1), { columns: 12, ecLevel: 5 })).toThrow(
      /1102 bytes are too many .* 920 codewords in text compaction/,
    );
    expect(() => pdf417Matrix(new Uint8Array(10), { columns: 31, ecLevel: 5 })).toThrow(
      /1 to 30 data columns/,
    );
    expect(() => pdf417Matrix(new Uint8Array(10), { columns: 12, ecLevel: 9 })).toThrow(/levels are 0 to 8/);
  });
});
