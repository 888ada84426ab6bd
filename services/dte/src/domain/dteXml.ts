import type { Customer, DteType } from '@mtd/contracts';
import { XMLBuilder } from 'fast-xml-parser';
import type { DteAmounts } from './amounts';

/**
 * The generic RUT the SII assigns to an unidentified final consumer (SII, Formato Boleta
 * Electrónica, field RUTRecep: "66.666.666-6" when the buyer is not identified).
 */
export const genericConsumerRut = '66666666-6';

/** The contract limit of `DteIssued.xml` (claim check beyond it, DESIGN §2). */
export const maxDteXmlBytes = 128 * 1024;

export interface Issuer {
  /** The emitter's RUT, e.g. `76543210-3`. */
  rut: string;
  /** Razón social. */
  name: string;
}

export interface DteDocument {
  dteType: DteType;
  folio: number;
  /** ISO timestamp; FchEmis is its calendar date in Chile. */
  issuedAt: string;
  issuer: Issuer;
  customer: Customer;
  amounts: DteAmounts;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: false,
  // Escapes &, <, >, ' and " in text and attributes: descriptions come from partners.
  processEntities: true,
  suppressEmptyNode: false,
});

// FchEmis is the emission date where the document is issued (Chile), not the UTC date: an order
// issued at 22:00 in Santiago on the 24th is dated the 24th even though it is the 25th in UTC.
const chileanDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Santiago',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** YYYY-MM-DD of an instant in America/Santiago. */
export function emissionDate(issuedAt: string): string {
  return chileanDate.format(new Date(issuedAt));
}

/** The SII-style document id: `T<type>F<folio>`, unique per emitter. */
export function documentId(dteType: DteType, folio: number): string {
  return `T${dteType}F${folio}`;
}

/**
 * A simplified SII-style DTE document (Formato DTE: Encabezado with IdDoc, Emisor, Receptor,
 * Totales; one Detalle per line). Unsigned: the signature (and the CAF) belongs to the tax
 * authority integration, not to MTD's local model. Amounts are whole pesos.
 */
export function buildDteXml(document: DteDocument): string {
  const { dteType, folio, issuer, customer, amounts } = document;
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    DTE: {
      '@_version': '1.0',
      Documento: {
        '@_ID': documentId(dteType, folio),
        Encabezado: {
          IdDoc: {
            TipoDTE: dteType,
            Folio: folio,
            FchEmis: emissionDate(document.issuedAt),
            // Factura detail lines carry IVA-inclusive (gross) prices: MntBruto=1 tells the SII so.
            // A boleta's detail is always gross, so the field does not apply to it.
            ...(dteType === 33 ? { MntBruto: 1 } : {}),
          },
          Emisor: { RUTEmisor: issuer.rut, RznSoc: issuer.name },
          Receptor: {
            RUTRecep: customer.taxId ?? genericConsumerRut,
            RznSocRecep: customer.name,
          },
          Totales: { MntNeto: amounts.net, IVA: amounts.iva, MntTotal: amounts.total },
        },
        Detalle: amounts.lines.map((line, i) => ({
          NroLinDet: i + 1,
          CdgItem: { TpoCodigo: 'INT1', VlrCodigo: line.sku },
          NmbItem: line.description,
          QtyItem: line.quantity,
          PrcItem: line.unitPrice,
          MontoItem: line.lineTotal,
        })),
      },
    },
  });
}

/** UTF-8 size of a document, for the contract limit. */
export function xmlBytes(xml: string): number {
  return new TextEncoder().encode(xml).length;
}
