import { inflateSync } from 'node:zlib';
import {
  BinaryBitmap,
  DecodeHintType,
  HybridBinarizer,
  PDF417Reader,
  ResultMetadataType,
  RGBLuminanceSource,
  ZXingStringEncoding,
} from '@zxing/library';
import { PDFDict, PDFDocument, PDFName, type PDFNumber, PDFRawStream } from 'pdf-lib';

// ZXing's Node fallback decodes ISO-8859-1 through decodeURIComponent, which fails on bytes over 0x7F.
ZXingStringEncoding.customDecoder = (bytes, encoding) =>
  /8859-1|latin1/i.test(encoding)
    ? Buffer.from(bytes).toString('latin1')
    : new TextDecoder(encoding).decode(bytes);

/**
 * Every image in the PDF that a PDF417 reader (ZXing) can read, decoded, page by page: what someone
 * scanning the printed document would get, with the error correction level the symbol declares in its
 * row indicators. Images are read as pdf-lib stores PNGs (Flate-compressed 8-bit RGB or grey pixels,
 * alpha in a separate mask) and as renderDtePdf draws the TED (Flate-compressed 1-bit grey).
 */
export async function readPdf417Barcodes(
  pdfBytes: Uint8Array,
): Promise<{ page: number; text: string; ecLevel: string }[]> {
  const pdf = await PDFDocument.load(pdfBytes);
  const found: { page: number; text: string; ecLevel: string }[] = [];
  pdf.getPages().forEach((page, index) => {
    const xObjects = page.node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict);
    for (const [, ref] of xObjects?.entries() ?? []) {
      const stream = pdf.context.lookup(ref);
      if (!(stream instanceof PDFRawStream)) continue;
      const dict = stream.dict;
      if (dict.get(PDFName.of('Subtype'))?.toString() !== '/Image') continue;
      const width = (dict.get(PDFName.of('Width')) as PDFNumber).asNumber();
      const height = (dict.get(PDFName.of('Height')) as PDFNumber).asNumber();
      const gray = dict.get(PDFName.of('ColorSpace'))?.toString() === '/DeviceGray';
      const bitsPerComponent = (dict.get(PDFName.of('BitsPerComponent')) as PDFNumber).asNumber();
      const pixels = inflateSync(stream.contents);
      const luminance = new Uint8ClampedArray(width * height);
      if (bitsPerComponent === 1) {
        // One bit per pixel (1 = white), each row padded to whole bytes.
        const stride = Math.ceil(width / 8);
        for (let y = 0; y < height; y++)
          for (let x = 0; x < width; x++)
            luminance[y * width + x] =
              ((pixels[y * stride + (x >> 3)] ?? 255) >> (7 - (x & 7))) & 1 ? 255 : 0;
      } else {
        const channels = gray ? 1 : 3;
        for (let i = 0; i < luminance.length; i++) {
          let sum = 0;
          for (let c = 0; c < channels; c++) sum += pixels[i * channels + c] ?? 255;
          luminance[i] = sum / channels;
        }
      }
      try {
        const bitmap = new BinaryBitmap(
          new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)),
        );
        const hints = new Map([[DecodeHintType.CHARACTER_SET, 'ISO-8859-1']]);
        const result = new PDF417Reader().decode(bitmap, hints);
        const ecLevel = String(result.getResultMetadata().get(ResultMetadataType.ERROR_CORRECTION_LEVEL));
        found.push({ page: index + 1, text: result.getText(), ecLevel });
      } catch {
        // Not a PDF417 image (or an unreadable one): nothing to report for it.
      }
    }
  });
  return found;
}
