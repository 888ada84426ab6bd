import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sources } from '@mtd/contracts';
import { threadCpuSeconds } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxEmailSender } from '#adapters/outboxEmailSender';
import { inlinePdfRenderer, workerPdfRenderer } from '#adapters/pdfRenderer';
import { notifyCustomerOnDteIssued } from '#handlers/notifyCustomerOnDteIssued';
import { aDteIssued, aDteIssuedEvent } from '#src/testing/aDteIssuedEvent';
import { emlContent } from '#src/testing/parseEml';
import { readPdf417Barcodes } from '#src/testing/readPdfBarcodes';
import { pdf417Matrix } from './pdf417';

/**
 * A TED as the dte service writes it (DD with the CAF, FRMT), with the Latin-1 characters a customer
 * name brings. The barcode must carry it byte for byte.
 */
const ted =
  '<TED version="1.0"><DD><RE>76543210-3</RE><TD>39</TD><F>4711</F><FE>2026-11-24</FE><RR>66666666-6</RR>' +
  '<RSR>Ana Pérez Ñúñez &amp; Cía.</RSR><MNT>24990</MNT><IT1>Tijeras</IT1><CAF version="1.0"><DA><RE>76543210-3</RE>' +
  '<RS>Comercial MTD SpA</RS><TD>39</TD><RNG><D>1</D><H>100000</H></RNG><FA>2026-11-01</FA><RSAPK>' +
  `<M>${'q'.repeat(86)}==</M><E>Aw==</E></RSAPK><IDK>100</IDK></DA><FRMA algoritmo="SHA1withRSA">${'F'.repeat(170)}==</FRMA>` +
  `</CAF><TSTED>2026-11-24T07:00:01</TSTED></DD><FRMT algoritmo="SHA1withRSA">${'T'.repeat(86)}==</FRMT></TED>`;

const sixtyLines = Array.from({ length: 60 }, (_, i) => ({
  sku: `SKU-${i + 1}`,
  description: `Artículo número ${i + 1} con una descripción larga de ochenta caracteres como máximo`,
  quantity: 1,
  unitPrice: 1000 + i,
  lineTotal: 1000 + i,
}));

describe('the printed DTE (PDF with the TED as PDF417)', () => {
  const renderer = workerPdfRenderer();
  afterAll(() => renderer.close());

  it.skipIf(!existsSync('/proc/thread-self'))(
    'starts its worker and loads the renderer when warmed up, before the first render',
    async () => {
      const warmed = workerPdfRenderer();
      expect(warmed.threads()).toEqual([]);
      await warmed.warmUp();
      expect(warmed.threads()).toHaveLength(1);
      await warmed.close();
    },
  );

  it('carries the TED in a PDF417 barcode that a decoder reads back byte for byte (rendered in a worker)', async () => {
    const pdf = await renderer.render(aDteIssued({ ted }));
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(await readPdf417Barcodes(pdf)).toEqual([{ page: 1, text: ted, ecLevel: '5' }]);
  });

  it('carries TEDs of every length modulo 6 (byte compaction groups) and every Latin-1 letter', async () => {
    // The customer's name in the TED runs through the printable Latin-1 range; its length moves the
    // TED across each remainder of byte compaction's groups of six bytes.
    const latin1 = Array.from({ length: 96 }, (_, i) => String.fromCharCode(0xa0 + i))
      .join('')
      .repeat(2);
    for (let extra = 0; extra < 6; extra++) {
      const name = latin1.slice(16 * extra, 16 * extra + 34 + extra);
      const withName = ted.replace(/<RSR>[^<]*<\/RSR>/, `<RSR>${name}</RSR>`);
      const pdf = await renderer.render(aDteIssued({ ted: withName }));
      expect(await readPdf417Barcodes(pdf)).toEqual([{ page: 1, text: withName, ecLevel: '5' }]);
    }
  });

  it('carries TEDs from a short one to the longest the symbol holds, at level 5 in 12 columns', async () => {
    // RSR and IT1 are the TED's free text (40 characters each, XML-escaped: up to 200 bytes each), so they
    // set its length. 1,101 bytes is what byte compaction fits in 12 columns at level 5 (pdf417.ts).
    const withTexts = (rsr: string, it1: string) =>
      ted.replace(/<RSR>[^<]*<\/RSR>/, `<RSR>${rsr}</RSR>`).replace(/<IT1>[^<]*<\/IT1>/, `<IT1>${it1}</IT1>`);
    const short = withTexts('-', '-');
    const full = withTexts('Ñ'.repeat(40), 'Ü'.repeat(40));
    const ampersands = withTexts('&amp;'.repeat(40), '');
    const longest = withTexts(
      '&amp;'.repeat(40),
      'x'.repeat(1_101 - Buffer.byteLength(ampersands, 'latin1')),
    );
    expect([short, full, longest].map((t) => Buffer.byteLength(t, 'latin1'))).toEqual([797, 875, 1_101]);
    for (const text of [short, full, longest]) {
      const pdf = await renderer.render(aDteIssued({ ted: text }));
      expect(await readPdf417Barcodes(pdf)).toEqual([{ page: 1, text, ecLevel: '5' }]);
    }
  });

  it('carries a TED longer than byte compaction holds, in text compaction, at level 5 in 12 columns', async () => {
    // RSR and IT1 of 40 "&" each, as "&amp;": 200 bytes each, the most escaping makes of them.
    const ampersands = ted
      .replace(/<RSR>[^<]*<\/RSR>/, `<RSR>${'&amp;'.repeat(40)}</RSR>`)
      .replace(/<IT1>[^<]*<\/IT1>/, `<IT1>${'&amp;'.repeat(40)}</IT1>`);
    expect(Buffer.byteLength(ampersands, 'latin1')).toBe(1_195);
    const pdf = await renderer.render(aDteIssued({ ted: ampersands }));
    expect(await readPdf417Barcodes(pdf)).toEqual([{ page: 1, text: ampersands, ecLevel: '5' }]);
  });

  it('carries a TED just past what 12 columns hold in 13 columns, as the longest real ones need', async () => {
    // The longest real TEDs: both free texts all "&", ten-digit folio, amount and CAF range, and keys and
    // signatures as random as real ones (base64 costs text compaction about a codeword a character):
    // ~1,220 bytes, ~916 codewords, at the edge of the 919 that 12 columns hold at level 5.
    const base64 = (n: number, seed: number) =>
      Buffer.from(
        Array.from({ length: n }, (_, i) => (i * 167 + seed * 31 + ((i * i) % 251)) % 256),
      ).toString('base64');
    const longTed = (extra: number) =>
      '<TED version="1.0"><DD><RE>76543210-3</RE><TD>39</TD><F>9999999999</F><FE>2026-11-24</FE><RR>66666666-6</RR>' +
      `<RSR>${'&amp;'.repeat(40)}</RSR><MNT>9999999999</MNT><IT1>${'&amp;'.repeat(40)}</IT1><CAF version="1.0"><DA>` +
      '<RE>76543210-3</RE><RS>Comercial MTD SpA</RS><TD>39</TD><RNG><D>9999900000</D><H>9999999999</H></RNG>' +
      `<FA>2026-11-01</FA><RSAPK><M>${base64(64, 1)}</M><E>Aw==</E></RSAPK><IDK>100</IDK></DA>` +
      `<FRMA algoritmo="SHA1withRSA">${base64(128, 2)}</FRMA></CAF><TSTED>2026-11-24T07:00:01</TSTED></DD>` +
      `<FRMT algoritmo="SHA1withRSA">${base64(64, 3)}${'A'.repeat(extra)}</FRMT></TED>`;
    const holds = (text: string, columns: number) => {
      try {
        pdf417Matrix(Buffer.from(text, 'latin1'), { columns, ecLevel: 5 });
        return true;
      } catch {
        return false;
      }
    };
    expect(holds(longTed(0), 12)).toBe(true);
    // A few characters more (a longer signature, say) and 12 columns no longer hold it.
    const past12 = Array.from({ length: 16 }, (_, extra) => longTed(extra)).find((text) => !holds(text, 12));
    expect(past12).toBeDefined();
    const pdf = await renderer.render(aDteIssued({ ted: past12! }));
    expect(await readPdf417Barcodes(pdf)).toEqual([{ page: 1, text: past12, ecLevel: '5' }]);
  });

  it('puts 60 lines on two pages, with the totals and the timbre on the last', async () => {
    const pdf = await renderer.render(
      aDteIssued({
        dteType: 33,
        customer: { ...aDteIssued().customer, taxId: '76123456-7' },
        lines: sixtyLines,
        ted,
      }),
    );
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(2);
    expect(await readPdf417Barcodes(pdf)).toEqual([{ page: 2, text: ted, ecLevel: '5' }]);
  });

  it("names its worker's thread, whose CPU can be read apart (the bench's PDF part)", async () => {
    await renderer.render(aDteIssued({ ted }));
    const threads = renderer.threads();
    expect(threads).toHaveLength(1);
    expect(threads[0]).not.toBe(process.pid);
    expect(threadCpuSeconds(threads[0])).toBeGreaterThan(0);
    expect(inlinePdfRenderer().threads()).toEqual([]);
  });

  it('renders the same bytes in a worker and inline (deterministic, no clock)', async () => {
    const dte = aDteIssued({ ted });
    expect(
      Buffer.from(await renderer.render(dte)).equals(Buffer.from(await inlinePdfRenderer().render(dte))),
    ).toBe(true);
  });
});

describe('notifyCustomerOnDteIssued attaches the PDF', () => {
  let engine: TestEngine;
  let outbox: string;
  const renderer = workerPdfRenderer();
  beforeAll(async () => {
    engine = await startTestEngine();
    outbox = await mkdtemp(join(tmpdir(), 'mtd-outbox-'));
  });
  afterAll(async () => {
    await renderer.close();
    await engine.close();
    await rm(outbox, { recursive: true, force: true });
  });

  it('sends the document as a PDF whose barcode reads back to the TED of the event', async () => {
    const handler = notifyCustomerOnDteIssued({
      store: engine.storeFor(Sources.notification),
      clock: { now: () => new Date('2026-11-24T10:00:03.000Z') },
      ids: { next: () => '01KAT00000000000000000000A' },
      email: outboxEmailSender({ dir: outbox }),
      from: 'MTD Boletas <boletas@mtd.example.cl>',
      pdf: renderer,
      claims: engine.claims,
    });
    await handler(aDteIssuedEvent({ ted }), { subscription: 'notifyCustomerOnDteIssued', attempt: 1 });
    const [file] = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    const email = emlContent(readFileSync(join(outbox, file!), 'utf8'));
    const attachment = email.attachments.find((a) => a.contentType === 'application/pdf');
    expect(attachment?.filename).toBe('boleta-electronica-4711.pdf');
    expect(await readPdf417Barcodes(attachment!.content)).toEqual([{ page: 1, text: ted, ecLevel: '5' }]);
    expect(email.text).toContain('Adjuntamos el documento en PDF');
  });

  it('sends a document issued before DTEs were stamped (no TED) without an attachment', async () => {
    const handler = notifyCustomerOnDteIssued({
      store: engine.storeFor(Sources.notification),
      clock: { now: () => new Date('2026-11-24T10:00:03.000Z') },
      ids: { next: () => '01KAT00000000000000000000B' },
      email: outboxEmailSender({ dir: outbox }),
      from: 'MTD Boletas <boletas@mtd.example.cl>',
      pdf: renderer,
      claims: engine.claims,
    });
    await handler(aDteIssuedEvent({ orderId: 'PO-OLD', ted: null }), { subscription: 'n', attempt: 1 });
    const file = readdirSync(outbox).find((f) => f.startsWith('PO-OLD'));
    expect(emlContent(readFileSync(join(outbox, file!), 'utf8')).attachments).toEqual([]);
  });
});
