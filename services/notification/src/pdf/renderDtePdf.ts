import { deflateSync } from 'node:zlib';
import type { DteIssuedV2, DteType } from '@mtd/contracts';
import {
  concatTransformationMatrix,
  drawObject,
  PDFContentStream,
  PDFDocument,
  type PDFFont,
  type PDFPage,
  type PDFRef,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  StandardFonts,
} from 'pdf-lib';
import { pdf417Matrix } from './pdf417';

/**
 * The printed form of a DTE (its "representación impresa"), as a PDF: the issuer, the red box with the
 * issuer's RUT, the document's name and folio, the receiver, the lines, the totals, and the TED printed
 * as a PDF417 barcode with "Timbre Electrónico SII", the resolution and where to verify it. The barcode
 * carries the TED exactly as signed (its ISO-8859-1 bytes), with error correction level 5, as the SII's
 * instructions for printed DTEs ask, so anyone can read it back and check the stamp.
 *
 * ≈ 2 ms of CPU a document here (`npx tsx bench/pdfCpu.ts` in local/): the notification service runs it in a
 * worker thread (pdfRenderer.ts).
 */
export async function renderDtePdf(dte: DteIssuedV2): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`${documentName(dte.dteType)} N° ${dte.folio}`);
  pdf.setProducer('MTD');
  pdf.setCreator('MTD');
  // Fixed dates: the same event renders the same bytes (pdf-lib would stamp the time of rendering).
  pdf.setCreationDate(new Date(dte.issuedAt));
  pdf.setModificationDate(new Date(dte.issuedAt));
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const layout = new Layout(pdf, regular, bold);

  header(layout, dte);
  receiver(layout, dte);
  lines(layout, dte);
  totals(layout, dte);
  if (dte.ted) timbre(layout, dte, dte.ted);
  deflatePageContents(pdf);
  return pdf.save({ useObjectStreams: false });
}

/**
 * The pages' content streams, Flate-compressed by node's zlib as raw streams in their place: pdf-lib would
 * compress them with pako (JavaScript) while saving, ≈ a sixth of a render's CPU. The same operators, the
 * same filter.
 */
function deflatePageContents(pdf: PDFDocument): void {
  for (const [ref, object] of pdf.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFContentStream)) continue;
    pdf.context.assign(
      ref,
      pdf.context.stream(deflateSync(object.getUnencodedContents()), { Filter: 'FlateDecode' }),
    );
  }
}

const names: Record<DteType, string> = { 33: 'FACTURA ELECTRÓNICA', 39: 'BOLETA ELECTRÓNICA' };
const documentName = (dteType: DteType) => names[dteType];

const pesos = new Intl.NumberFormat('es-CL', { style: 'currency', currency: 'CLP' });
const count = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 0 });
const longDate = new Intl.DateTimeFormat('es-CL', { timeZone: 'America/Santiago', dateStyle: 'long' });
const formatRut = (rut: string) => {
  const [number = '', dv = ''] = rut.toUpperCase().split('-');
  return `${number.replace(/\B(?=(\d{3})+(?!\d))/g, '.')}-${dv}`;
};

/** The standard fonts encode WinAnsi: Latin-1 and a few more; anything else prints as `?`. */
const winAnsiExtras = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
function printable(text: string): string {
  return Array.from(text, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || winAnsiExtras.has(c) ? c : '?';
  }).join('');
}

const red = rgb(0.8, 0, 0);
const grey = rgb(0.4, 0.4, 0.4);
const pageSize: [number, number] = [612, 792]; // carta, as the SII's printed facturas
const margin = 40;

/** Writes top to bottom, adding pages as the lines need them. */
class Layout {
  page: PDFPage;
  y: number;
  /** The page's current font: pdf-lib adds a font resource each time a font is set, so only on a change. */
  private font: PDFFont | undefined;
  constructor(
    readonly pdf: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.page = pdf.addPage(pageSize);
    this.y = pageSize[1] - margin;
  }
  need(height: number): void {
    if (this.y - height >= margin) return;
    this.page = this.pdf.addPage(pageSize);
    this.font = undefined;
    this.y = pageSize[1] - margin;
  }
  text(
    value: string,
    x: number,
    options: {
      size?: number;
      bold?: boolean;
      color?: ReturnType<typeof rgb>;
      width?: number;
      align?: 'left' | 'right' | 'center';
    } = {},
  ): void {
    const font = options.bold ? this.bold : this.regular;
    const size = options.size ?? 9;
    let text = printable(value);
    if (options.width !== undefined) {
      while (text.length > 1 && font.widthOfTextAtSize(text, size) > options.width)
        text = `${text.slice(0, -2)}…`;
    }
    const width = font.widthOfTextAtSize(text, size);
    const left =
      options.align === 'right' && options.width !== undefined
        ? x + options.width - width
        : options.align === 'center' && options.width !== undefined
          ? x + (options.width - width) / 2
          : x;
    if (font !== this.font) {
      this.page.setFont(font);
      this.font = font;
    }
    // No `font` here: drawText given one sets it, then sets the previous one back (two resources a line).
    this.page.drawText(text, { x: left, y: this.y, size, color: options.color ?? rgb(0, 0, 0) });
  }
}

function header(l: Layout, dte: DteIssuedV2): void {
  const issuer = dte.issuer;
  const boxWidth = 200;
  const boxX = pageSize[0] - margin - boxWidth;
  const top = l.y;
  // The red box: RUT, the document's name and its folio (SII, printed DTEs).
  l.page.drawRectangle({
    x: boxX,
    y: top - 70,
    width: boxWidth,
    height: 78,
    borderColor: red,
    borderWidth: 2,
  });
  l.y = top - 12;
  l.text(`R.U.T.: ${formatRut(issuer?.rut ?? '')}`, boxX, {
    size: 11,
    bold: true,
    color: red,
    width: boxWidth,
    align: 'center',
  });
  l.y -= 20;
  l.text(documentName(dte.dteType), boxX, {
    size: 11,
    bold: true,
    color: red,
    width: boxWidth,
    align: 'center',
  });
  l.y -= 20;
  l.text(`N° ${dte.folio}`, boxX, { size: 11, bold: true, color: red, width: boxWidth, align: 'center' });
  l.y = top - 84;
  l.text(`S.I.I. - ${(issuer?.comuna ?? '').toUpperCase()}`, boxX, {
    size: 8,
    bold: true,
    color: red,
    width: boxWidth,
    align: 'center',
  });

  l.y = top - 4;
  const width = boxX - margin - 12;
  l.text(issuer?.name ?? '', margin, { size: 13, bold: true, width });
  l.y -= 16;
  l.text(issuer?.giro ?? '', margin, { width });
  l.y -= 12;
  l.text(`${issuer?.address ?? ''}${issuer?.comuna ? `, ${issuer.comuna}` : ''}`, margin, { width });
  l.y = top - 110;
}

function receiver(l: Layout, dte: DteIssuedV2): void {
  l.text(`Fecha de emisión: ${longDate.format(new Date(dte.issuedAt))}`, margin, { bold: true });
  l.y -= 14;
  if (dte.dteType === 33) {
    l.text(`Señor(es): ${dte.customer.name}`, margin, { width: 360 });
    l.text(`R.U.T.: ${formatRut(dte.customer.taxId ?? '')}`, 420, { width: 150 });
    l.y -= 12;
    l.text(`Correo: ${dte.customer.email}`, margin, { width: 360 });
  } else {
    l.text(`Cliente: ${dte.customer.name}`, margin, { width: 500 });
  }
  l.y -= 12;
  l.text(`Pedido: ${dte.orderId}`, margin, { color: grey });
  l.y -= 20;
}

const columns = { code: margin, description: margin + 70, quantity: 340, price: 400, total: 480 };

function lineHeader(l: Layout): void {
  l.page.drawLine({
    start: { x: margin, y: l.y + 10 },
    end: { x: pageSize[0] - margin, y: l.y + 10 },
    thickness: 0.5,
  });
  l.text('Código', columns.code, { bold: true });
  l.text('Descripción', columns.description, { bold: true });
  l.text('Cantidad', columns.quantity, { bold: true, width: 50, align: 'right' });
  l.text('Precio', columns.price, { bold: true, width: 70, align: 'right' });
  l.text('Total', columns.total, { bold: true, width: pageSize[0] - margin - columns.total, align: 'right' });
  l.y -= 6;
  l.page.drawLine({ start: { x: margin, y: l.y }, end: { x: pageSize[0] - margin, y: l.y }, thickness: 0.5 });
  l.y -= 12;
}

function lines(l: Layout, dte: DteIssuedV2): void {
  lineHeader(l);
  for (const line of dte.lines) {
    if (l.y - 12 < margin) {
      l.need(pageSize[1]);
      lineHeader(l);
    }
    l.text(line.sku, columns.code, { width: 66 });
    l.text(line.description, columns.description, { width: columns.quantity - columns.description - 6 });
    l.text(count.format(line.quantity), columns.quantity, { width: 50, align: 'right' });
    l.text(pesos.format(line.unitPrice), columns.price, { width: 70, align: 'right' });
    l.text(pesos.format(line.lineTotal), columns.total, {
      width: pageSize[0] - margin - columns.total,
      align: 'right',
    });
    l.y -= 12;
  }
  l.page.drawLine({
    start: { x: margin, y: l.y + 8 },
    end: { x: pageSize[0] - margin, y: l.y + 8 },
    thickness: 0.5,
  });
  l.y -= 8;
}

function totals(l: Layout, dte: DteIssuedV2): void {
  const rows: [string, number][] =
    dte.dteType === 33
      ? [
          ['Monto neto', dte.net],
          ['IVA (19%)', dte.iva],
          ['Total', dte.total],
        ]
      : [['Total', dte.total]];
  l.need(rows.length * 14 + 20);
  for (const [label, amount] of rows) {
    l.text(label, 380, { bold: label === 'Total', width: 90 });
    l.text(pesos.format(amount), columns.total, {
      bold: label === 'Total',
      width: pageSize[0] - margin - columns.total,
      align: 'right',
    });
    l.y -= 14;
  }
  // A boleta shows the tax it includes (Ley 21.210: boletas desglosan el IVA).
  if (dte.dteType === 39) {
    l.text(`El IVA incluido en esta boleta es de ${pesos.format(dte.iva)}`, 300, { color: grey });
    l.y -= 14;
  }
  l.y -= 10;
}

/** The TED as a PDF417 barcode (error correction level 5), and the SII's legend under it. */
function timbre(l: Layout, dte: DteIssuedV2, ted: string): void {
  const image = pdf417Image(l.pdf, ted);
  // About 7 cm wide: within the SII's 2–4 cm × 5–9 cm for the printed timbre.
  const width = 200;
  const height = (image.height / image.width) * width;
  l.need(height + 50);
  const x = margin;
  const name = l.page.node.newXObject('Timbre', image.ref);
  l.page.pushOperators(
    pushGraphicsState(),
    concatTransformationMatrix(width, 0, 0, height, x, l.y - height),
    drawObject(name),
    popGraphicsState(),
  );
  l.y -= height + 12;
  l.text('Timbre Electrónico SII', x, { bold: true, width, align: 'center' });
  l.y -= 11;
  const resolution = dte.issuer?.resolution;
  if (resolution) {
    l.text(`Res. ${resolution.number} de ${resolution.date.slice(0, 4)}`, x, {
      size: 8,
      width,
      align: 'center',
    });
    l.y -= 10;
  }
  l.text('Verifique documento: www.sii.cl', x, { size: 8, width, align: 'center' });
  l.y -= 12;
}

/** White modules around the symbol (its quiet zone), as the PNG rendering had. */
const quietZone = 6;
/** Each row of modules is drawn this many pixels high: rows twice as tall as a module is wide. */
const rowHeight = 2;

/**
 * The TED's symbol: 12 data columns, or 13 for the few TEDs that 12 cannot hold (both free texts full of
 * characters XML escapes, ten-digit folio, amount and CAF range: ~1,220 bytes). A symbol counts at most
 * 928 data codewords; 12 columns round that down to 919 at level 5, 13 to 923. A TED that not even 13
 * columns hold fails the render with the reason.
 */
function tedSymbol(bytes: Uint8Array) {
  try {
    return pdf417Matrix(bytes, { columns: 12, ecLevel: 5 });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return pdf417Matrix(bytes, { columns: 13, ecLevel: 5 });
  }
}

/**
 * The TED as a PDF417 symbol (pdf417.ts: the TED's ISO-8859-1 bytes in byte compaction, error correction level
 * 5, fixed, as the SII's instructions for printed DTEs ask; 12 data columns, see tedSymbol), drawn into the PDF as a 1-bit grey
 * image, one pixel per module, each row `rowHeight` pixels high.
 */
function pdf417Image(pdf: PDFDocument, ted: string): { ref: PDFRef; width: number; height: number } {
  const symbol = tedSymbol(Buffer.from(ted, 'latin1'));
  const width = symbol.width + 2 * quietZone;
  const height = symbol.rows * rowHeight + 2 * quietZone;
  // One bit per pixel, 1 = white, each image row padded to whole bytes (PDF 32000-1 §8.9.3), compressed by
  // node's zlib rather than pdf-lib's pako (≈ 3 ms per page for an 8-bit image).
  const stride = Math.ceil(width / 8);
  const bits = new Uint8Array(stride * height).fill(255);
  for (let row = 0; row < symbol.rows; row++) {
    const line = (quietZone + row * rowHeight) * stride;
    for (let x = 0; x < symbol.width; x++) {
      if (!symbol.modules[row * symbol.width + x]) continue;
      const column = x + quietZone;
      bits[line + (column >> 3)]! &= ~(0x80 >> (column & 7));
    }
    for (let copy = 1; copy < rowHeight; copy++) bits.copyWithin(line + copy * stride, line, line + stride);
  }
  const stream = pdf.context.stream(deflateSync(bits), {
    Type: 'XObject',
    Subtype: 'Image',
    Width: width,
    Height: height,
    ColorSpace: 'DeviceGray',
    BitsPerComponent: 1,
    Filter: 'FlateDecode',
  });
  return { ref: pdf.context.register(stream), width, height };
}
