import type { DteType, PurchaseOrder } from '@mtd/contracts';
import { AmountOutOfRangeError, type DteAmounts, documentAmounts, dteTypeFor } from './amounts';
import {
  buildDd,
  buildDteXml,
  buildTed,
  type DteDocument,
  type Issuer,
  maxDteXmlBytes,
  xmlBytes,
} from './dteXml';

/** The widest folio the SII's FolioType takes (10 digits), for sizing a document before it has one. */
const widestFolio = 9_999_999_999;

/**
 * Room for what a document gains when stamped and signed, beyond its unsigned XML: the CAF inside the
 * TED (≈ 0.7 KB for the SII's 512-bit CAF keys), the FRMT, and the XMLDSig Signature with the
 * certificate (≈ 3 KB for RSA 2048, ≈ 5.5 KB for RSA 4096). A bound, checked before a folio is taken,
 * so that a document that would not fit never consumes one.
 */
export const stampAndSignatureAllowanceBytes = 10 * 1024;

/** EventBridge's 256 KB entry limit (DESIGN §2), less room for the envelope metadata. */
export const maxDteIssuedDataBytes = 250 * 1024;

/** Why an accepted order cannot become a valid DTE: permanent for the order (DteIssuanceFailed). */
export class DteIssuanceProblemError extends Error {
  override readonly name = 'DteIssuanceProblemError';
  constructor(
    readonly orderId: string,
    readonly problems: readonly string[],
  ) {
    super(`the DTE of order ${orderId} cannot be issued: ${problems.join('; ')}`);
  }
}

/** A document ready for a folio: type and amounts decided, every schema limit checked. */
export interface IssuancePlan {
  dteType: DteType;
  amounts: DteAmounts;
  document: Omit<DteDocument, 'folio'>;
}

/** Line limits: DTE_v10.xsd (Detalle maxOccurs 60) and EnvioBOLETA_v11.xsd (Detalle maxOccurs 1000). */
const maxLines: Record<DteType, number> = { 33: 60, 39: 1000 };
/** PrcItem (Dec12_6Type / Dec5Type) stops at 999,999,999,999. */
const maxUnitPrice = 999_999_999_999;

/**
 * The issuance rule, in one pure place: which document an accepted order becomes (a factura 33 for a
 * buyer with a RUT, a boleta 39 otherwise), its amounts by the SII rule of its type (amounts.ts), and
 * every reason the SII's schema would refuse it — naming the field and the limit — including a signed
 * document too large for the DteIssued contract. Intake refuses such orders at the door; this is the
 * dte service's own guarantee, checked before a folio is taken.
 */
export function planIssuance(order: PurchaseOrder, issuer: Issuer, issuedAt: string): IssuancePlan {
  const dteType = dteTypeFor(order.customer);
  const problems: string[] = [];
  const lines = order.lines;
  if (lines.length > maxLines[dteType]) {
    problems.push(
      `the order has ${lines.length} lines; a ${dteType === 33 ? 'factura' : 'boleta'} takes at most ${maxLines[dteType]}`,
    );
  }
  if (order.customer.name.length > 100)
    problems.push(
      `customer.name has ${order.customer.name.length} characters; RznSocRecep takes at most 100`,
    );
  lines.forEach((line, i) => {
    if (line.sku.length > 35)
      problems.push(`lines[${i}].sku has ${line.sku.length} characters; VlrCodigo takes at most 35`);
    if (line.description.length > 80)
      problems.push(
        `lines[${i}].description has ${line.description.length} characters; NmbItem takes at most 80`,
      );
    if (line.unitPrice > maxUnitPrice)
      problems.push(`lines[${i}].unitPrice ${line.unitPrice} is over PrcItem's ${maxUnitPrice}`);
  });
  let amounts: DteAmounts | undefined;
  try {
    amounts = documentAmounts(dteType, lines);
  } catch (error) {
    if (!(error instanceof AmountOutOfRangeError)) throw error;
    problems.push(error.message);
  }
  if (problems.length > 0 || !amounts) throw new DteIssuanceProblemError(order.orderId, problems);
  const document: Omit<DteDocument, 'folio'> = {
    orderId: order.orderId,
    dteType,
    issuedAt,
    issuer,
    customer: order.customer,
    address: order.shipping.address,
    amounts,
  };
  const sizeProblem = oversize(order.orderId, { ...document, folio: widestFolio });
  if (sizeProblem) throw new DteIssuanceProblemError(order.orderId, [sizeProblem]);
  return { dteType, amounts, document };
}

/** The size limits, on a draft with the widest folio and the stamp-and-signature allowance. */
function oversize(orderId: string, draft: DteDocument): string | undefined {
  const unsigned = buildDteXml(draft, buildTed(buildDd(draft, '', draft.issuedAt), ''), draft.issuedAt);
  const xml = xmlBytes(unsigned) + stampAndSignatureAllowanceBytes;
  if (xml > maxDteXmlBytes) {
    return `the signed DTE XML of order ${orderId} would be about ${xml} bytes, over the ${maxDteXmlBytes}-byte limit`;
  }
  // The event carries the XML as a JSON string (escaped), the TED again (within one more allowance),
  // and the lines and the customer beside them.
  const rest = xmlBytes(JSON.stringify({ customer: draft.customer, lines: draft.amounts.lines }));
  const whole = xmlBytes(JSON.stringify(unsigned)) + 2 * stampAndSignatureAllowanceBytes + rest;
  if (whole > maxDteIssuedDataBytes) {
    return `the DteIssued event of order ${orderId} would be about ${whole} bytes, over the ${maxDteIssuedDataBytes}-byte limit`;
  }
  return undefined;
}
