import type { Customer, DteType } from '@mtd/contracts';
import type { DteAmounts } from './amounts';

/** The SII's namespace: every DTE, envelope and TED element lives in it (DTE_v10.xsd, EnvioBOLETA_v11.xsd). */
export const siiNamespace = 'http://www.sii.cl/SiiDte';

/** The SII's documents are ISO-8859-1 (every published schema and example declares it). */
export const xmlDeclaration = '<?xml version="1.0" encoding="ISO-8859-1"?>';

/**
 * The generic RUT the SII assigns to an unidentified final consumer (Formato Boleta Electrónica,
 * RUTRecep: 66.666.666-6 when the buyer is not identified).
 */
export const genericConsumerRut = '66666666-6';

/** The contract limit of `DteIssued.xml` (claim check beyond it, DESIGN §2). */
export const maxDteXmlBytes = 128 * 1024;

/** The emitter, as every document and envelope prints it. */
export interface Issuer {
  /** RUTEmisor, e.g. `76543210-3`. */
  rut: string;
  /** Razón social (RznSoc / RznSocEmisor, ≤ 100). */
  name: string;
  /** Giro (GiroEmis / GiroEmisor, ≤ 80). */
  giro: string;
  /** Código de actividad económica (Acteco, 6 digits), required on a factura. */
  acteco: number;
  /** DirOrigen (≤ 60). */
  address: string;
  /** CmnaOrigen (≤ 20). */
  comuna: string;
  /** RUT of the person whose certificate signs and sends the envelopes (Carátula RutEnvia). */
  senderRut: string;
  /** The SII resolution authorising the issuer (Carátula FchResol / NroResol; number 0 in certification). */
  resolution: { date: string; number: number };
}

/** Everything the document states, before it has a TED and a signature. */
export interface DteDocument {
  /** The order the document is issued for. */
  orderId: string;
  dteType: DteType;
  folio: number;
  /** ISO timestamp; FchEmis is its calendar date in Chile. */
  issuedAt: string;
  issuer: Issuer;
  customer: Customer;
  /** The shipping address, printed as DirRecep when present. */
  address?: string;
  amounts: DteAmounts;
}

// FchEmis is the emission date where the document is issued (Chile), not the UTC date: an order
// issued at 22:00 in Santiago on the 24th is dated the 24th even though it is the 25th in UTC.
const chileanDateTime = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Santiago',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/**
 * The parts of the last few instants formatted: a document asks for the same instant three or four
 * times (FchEmis, the TED's FE and TSTED, TmstFirma), and formatToParts was ~3% of the signing thread's
 * CPU. Read only by the two formatters below.
 */
const recentParts = new Map<string, Readonly<Record<string, string>>>();
function chileanParts(at: string): Readonly<Record<string, string>> {
  let parts = recentParts.get(at);
  if (!parts) {
    parts = Object.fromEntries(
      chileanDateTime.formatToParts(new Date(at)).map((part) => [part.type, part.value]),
    ) as Record<string, string>;
    if (recentParts.size >= 8) recentParts.delete(recentParts.keys().next().value!);
    recentParts.set(at, parts);
  }
  return parts;
}

/** YYYY-MM-DD of an instant in America/Santiago. */
export function emissionDate(issuedAt: string): string {
  const p = chileanParts(issuedAt);
  return `${p.year}-${p.month}-${p.day}`;
}

/**
 * `AAAA-MM-DDTHH:MI:SS` in America/Santiago: the SII's FechaHoraType (TSTED, TmstFirma, TmstFirmaEnv)
 * is a dateTime with no zone, compared against zone-less bounds, so it carries Chile's civil time.
 */
export function siiTimestamp(at: string): string {
  const p = chileanParts(at);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** The document's `ID`: `T<type>F<folio>`, unique per emitter, the target of its signature's Reference. */
export function documentId(dteType: DteType, folio: number): string {
  return `T${dteType}F${folio}`;
}

/** The SII writes a RUT without dots and with an upper-case check digit (RUTType: `[0-9]+-([0-9]|K)`). */
export function siiRut(rut: string): string {
  return rut.replace(/\./g, '').toUpperCase();
}

/**
 * Element content: `&`, `<` and `>` escaped (exactly what an XML serializer escapes in text, so the text
 * survives a parse and re-serialisation unchanged — the TED's signature depends on it), and every
 * character outside ISO-8859-1 (the documents' declared encoding) written as a character reference, so
 * the document can be sent as Latin-1 bytes without loss.
 */
export function xmlText(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '&') out += '&amp;';
    else if (char === '<') out += '&lt;';
    else if (char === '>') out += '&gt;';
    else if (code > 0xff) out += `&#${code};`;
    else out += char;
  }
  return out;
}

/**
 * The same document with every character outside ISO-8859-1 as a character reference: a serializer
 * (the signer's) writes them as characters, which Latin-1 bytes cannot carry. Canonical XML sees the
 * same characters either way, so signatures are unaffected.
 */
export function latin1Safe(xml: string): string {
  return xml.replace(/[\u0100-\u{10ffff}]/gu, (char) => `&#${char.codePointAt(0)};`);
}

/**
 * Text of a TED field: what the PDF417 barcode carries is read back as ISO-8859-1 text, so a character
 * outside it becomes `?` (a character reference would not survive a reader re-serialising the DD), and
 * the field is cut to the schema's length.
 */
export function tedText(value: string, maxLength: number): string {
  const latin1 = Array.from(value, (char) => ((char.codePointAt(0) ?? 0) > 0xff ? '?' : char));
  return xmlText(latin1.slice(0, maxLength).join('').trim() || '-');
}

/** `<name>text</name>`, or nothing when the value is absent. */
function element(name: string, value: string | number | undefined): string {
  return value === undefined
    ? ''
    : `<${name}>${typeof value === 'number' ? value : xmlText(value)}</${name}>`;
}

function receptorXml(document: DteDocument): string {
  const { customer, dteType } = document;
  const rut = dteType === 33 && customer.taxId ? siiRut(customer.taxId) : genericConsumerRut;
  // Optional fields are written when the order has them and they fit the schema; they are internal
  // references or contact data, never worth refusing a document for.
  const code = customer.id.length <= 20 ? customer.id : undefined;
  const address = document.address && document.address.length <= 70 ? document.address : undefined;
  const email = dteType === 33 && customer.email.length <= 80 ? customer.email : undefined;
  return `<Receptor>${element('RUTRecep', rut)}${element('CdgIntRecep', code)}${element('RznSocRecep', customer.name)}${element('CorreoRecep', email)}${element('DirRecep', address)}</Receptor>`;
}

function emisorXml({ dteType, issuer }: DteDocument): string {
  // A boleta's Emisor (EnvioBOLETA_v11.xsd) names its fields RznSocEmisor / GiroEmisor and has no Acteco.
  return dteType === 33
    ? `<Emisor>${element('RUTEmisor', siiRut(issuer.rut))}${element('RznSoc', issuer.name)}${element('GiroEmis', issuer.giro)}${element('Acteco', issuer.acteco)}${element('DirOrigen', issuer.address)}${element('CmnaOrigen', issuer.comuna)}</Emisor>`
    : `<Emisor>${element('RUTEmisor', siiRut(issuer.rut))}${element('RznSocEmisor', issuer.name)}${element('GiroEmisor', issuer.giro)}${element('DirOrigen', issuer.address)}${element('CmnaOrigen', issuer.comuna)}</Emisor>`;
}

function idDocXml({ dteType, folio, issuedAt }: DteDocument): string {
  const head = `<TipoDTE>${dteType}</TipoDTE><Folio>${folio}</Folio><FchEmis>${emissionDate(issuedAt)}</FchEmis>`;
  // Factura: the detail lines carry IVA-inclusive prices (MntBruto 1), and the order is paid when
  // placed (FmaPago 1, contado; Formato DTE: a factura must state it, 2 = crédito is assumed otherwise).
  // Boleta: IndServicio 3, "boletas de venta y servicios" (required by EnvioBOLETA_v11.xsd).
  return dteType === 33
    ? `<IdDoc>${head}<MntBruto>1</MntBruto><FmaPago>1</FmaPago></IdDoc>`
    : `<IdDoc>${head}<IndServicio>3</IndServicio></IdDoc>`;
}

function totalesXml({ dteType, amounts }: DteDocument): string {
  const { net, iva, total } = amounts;
  return dteType === 33
    ? `<Totales><MntNeto>${net}</MntNeto><TasaIVA>19</TasaIVA><IVA>${iva}</IVA><MntTotal>${total}</MntTotal></Totales>`
    : `<Totales><MntNeto>${net}</MntNeto><IVA>${iva}</IVA><MntTotal>${total}</MntTotal></Totales>`;
}

function detalleXml({ amounts }: DteDocument): string {
  return amounts.lines
    .map(
      (line, i) =>
        `<Detalle><NroLinDet>${i + 1}</NroLinDet><CdgItem><TpoCodigo>INT1</TpoCodigo>${element('VlrCodigo', line.sku)}</CdgItem>${element('NmbItem', line.description)}<QtyItem>${line.quantity}</QtyItem>${
          // PrcItem must be > 0 (Dec12_6Type); a free line states only its MontoItem of 0.
          line.unitPrice > 0 ? `<PrcItem>${line.unitPrice}</PrcItem>` : ''
        }<MontoItem>${line.lineTotal}</MontoItem></Detalle>`,
    )
    .join('');
}

/**
 * The TED's DD ("datos del documento"): what the timbre signs and the printed barcode carries. RSR and
 * IT1 are cut to 40 characters (DTE_v10.xsd). `cafXml` is the CAF element exactly as the SII issued it
 * (flattened): it is signed by the SII and must not change by a byte.
 */
export function buildDd(document: DteDocument, cafXml: string, stampedAt: string): string {
  const { dteType, folio, issuer, customer, amounts, issuedAt } = document;
  const rr = dteType === 33 && customer.taxId ? siiRut(customer.taxId) : genericConsumerRut;
  const first = amounts.lines[0]?.description ?? '-';
  return `<DD><RE>${siiRut(issuer.rut)}</RE><TD>${dteType}</TD><F>${folio}</F><FE>${emissionDate(issuedAt)}</FE><RR>${rr}</RR><RSR>${tedText(customer.name, 40)}</RSR><MNT>${amounts.total}</MNT><IT1>${tedText(first, 40)}</IT1>${cafXml}<TSTED>${siiTimestamp(stampedAt)}</TSTED></DD>`;
}

/** The TED element: the DD and FRMT, its RSA-SHA1 signature with the CAF key (base64). */
export function buildTed(dd: string, frmt: string): string {
  return `<TED version="1.0">${dd}<FRMT algoritmo="SHA1withRSA">${frmt}</FRMT></TED>`;
}

/**
 * The DTE element of one document, stamped (TED) but not yet signed: Encabezado (IdDoc, Emisor,
 * Receptor, Totales), one Detalle per line, the TED and TmstFirma. The XMLDSig signature of the
 * `Documento` is appended after it, inside `DTE`, by the signer. No XML declaration: the same element
 * goes into the envelope unchanged. Facturas follow DTE_v10.xsd, boletas EnvioBOLETA_v11.xsd.
 */
export function buildDteXml(document: DteDocument, ted: string, signedAt: string): string {
  const id = documentId(document.dteType, document.folio);
  return `<DTE xmlns="${siiNamespace}" version="1.0"><Documento ID="${id}"><Encabezado>${idDocXml(document)}${emisorXml(document)}${receptorXml(document)}${totalesXml(document)}</Encabezado>${detalleXml(document)}${ted}<TmstFirma>${siiTimestamp(signedAt)}</TmstFirma></Documento></DTE>`;
}

/** A standalone document: the XML declaration and the signed DTE. */
export function standaloneXml(signedDte: string): string {
  return `${xmlDeclaration}\n${signedDte}`;
}

/** The DTE element of a standalone document (without its XML declaration), to put into an envelope. */
export function dteElementOf(xml: string): string {
  return xml.replace(/^<\?xml[^>]*\?>\s*/, '');
}

/** UTF-8 size of a document, for the contract limit (the event is JSON, UTF-8). */
export function xmlBytes(xml: string): number {
  return new TextEncoder().encode(xml).length;
}
