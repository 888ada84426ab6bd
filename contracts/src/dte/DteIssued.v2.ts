import { z } from 'zod';
import { defineEvent, Money, Sources, Timestamp } from '../envelope';
import { Customer } from '../intake/PurchaseOrder';
import { DteType } from './DteIssued.v1';

/** A calendar date, `YYYY-MM-DD`. */
const CalendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

/**
 * v2: the document is the SII's — stamped with its TED (signed with the CAF key) and signed with
 * XMLDSig by the issuer's certificate — and the event says so: the TED (what the printed barcode
 * carries), the CAF range that authorised the folio, the certificate that signed, and the emitter as
 * printed. `total` is the document's MntTotal (on a factura MntNeto + IVA, which can be a peso off the
 * order's gross sum; `gross` keeps the latter). Upcast from v1 by `DteIssued.v1-to-v2.ts`: a v1 document
 * was neither stamped nor signed, so its `ted`, `caf` and `signature` are null.
 */
export const DteIssuedV2 = defineEvent({
  detailType: 'DteIssued',
  version: 2,
  source: Sources.dte,
  description:
    'The electronic tax document was issued: folio taken from a CAF range, amounts computed by the SII rule of its type, XML built to the SII schema, stamped (TED) and signed (XMLDSig).',
  data: z.object({
    orderId: z.string().min(1),
    dteType: DteType,
    folio: z.number().int().positive(),
    issuedAt: Timestamp,
    /** MntNeto. */
    net: Money,
    /** IVA. */
    iva: Money,
    /** MntTotal: what the document totals. */
    total: Money,
    /** Σ lineTotal, IVA included: what the customer was charged (equal to `total` on a boleta). */
    gross: Money,
    customer: Customer,
    lines: z.array(
      z.object({
        sku: z.string(),
        description: z.string(),
        quantity: z.number().int().positive(),
        unitPrice: Money,
        lineTotal: Money,
      }),
    ),
    /** The emitter as the document prints it; null on an upcast v1 event. */
    issuer: z
      .object({
        rut: z.string().min(1),
        name: z.string().min(1),
        giro: z.string(),
        address: z.string(),
        comuna: z.string(),
        resolution: z.object({ date: CalendarDate, number: z.number().int().nonnegative() }),
      })
      .nullable(),
    /** The signed DTE, ISO-8859-1 declared (as a string; the claim-check limit is the contract's). */
    xml: z.string().max(128 * 1024),
    /** The TED element as signed (flattened): the printed PDF417 barcode carries exactly this. */
    ted: z
      .string()
      .max(8 * 1024)
      .nullable(),
    /** The CAF whose range holds the folio and whose key signed the TED. */
    caf: z
      .object({
        from: z.number().int().positive(),
        to: z.number().int().positive(),
        authorizedOn: CalendarDate,
        keyId: z.number().int(),
      })
      .nullable(),
    /** The issuer certificate that signed the document (the certificate itself is in the XML). */
    signature: z
      .object({
        signedAt: Timestamp,
        certificateSha256: z.string().regex(/^[0-9a-f]{64}$/),
        certificateSubject: z.string(),
        certificateNotAfter: Timestamp,
      })
      .nullable(),
  }),
  example: {
    orderId: 'PO-1001',
    dteType: 33,
    folio: 4711,
    issuedAt: '2026-11-24T10:00:01.123Z',
    net: 16790,
    iva: 3190,
    total: 19980,
    gross: 19980,
    customer: { id: 'C-77', taxId: '76123456-0', name: 'Ana Pérez', email: 'ana@example.cl' },
    lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990, lineTotal: 19980 }],
    issuer: {
      rut: '76543210-3',
      name: 'Comercial MTD SpA',
      giro: 'Venta al por menor por correo y por internet',
      address: 'Av. Providencia 1234',
      comuna: 'Providencia',
      resolution: { date: '2026-01-15', number: 0 },
    },
    xml: '<?xml version="1.0" encoding="ISO-8859-1"?>\n<DTE xmlns="http://www.sii.cl/SiiDte" version="1.0">…</DTE>',
    ted: '<TED version="1.0"><DD>…</DD><FRMT algoritmo="SHA1withRSA">…</FRMT></TED>',
    caf: { from: 4001, to: 5000, authorizedOn: '2026-11-01', keyId: 100 },
    signature: {
      signedAt: '2026-11-24T10:00:01.123Z',
      certificateSha256: 'a'.repeat(64),
      certificateSubject: 'CN=MTD Test Signer, serialNumber=11111111-1',
      certificateNotAfter: '2027-11-24T10:00:00.000Z',
    },
  },
});
export type DteIssuedV2 = z.infer<typeof DteIssuedV2.data>;
