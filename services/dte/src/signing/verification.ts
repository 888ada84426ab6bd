import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

/**
 * The checks a receiver of DTEs makes (the SII, the local tax-authority simulator, a buyer): every
 * XMLDSig signature holds with the certificate it carries, and every TED is a CAF stamp that matches
 * its document. Used by the local simulator; the tests verify with independent implementations too.
 */

const dsig = 'http://www.w3.org/2000/09/xmldsig#';

export interface SignatureCheck {
  /** The Reference URI: `#T33F12`, `#SetDoc`. */
  reference: string;
  valid: boolean;
  /** Why it does not verify. */
  reason?: string;
}

/** Verifies every XMLDSig signature in the document against the certificate in its KeyInfo. */
export function verifyXmlSignatures(xml: string): SignatureCheck[] {
  const text = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  const signatures = Array.from(doc.getElementsByTagNameNS(dsig, 'Signature'));
  return signatures.map((signature) => {
    const reference = signature.getElementsByTagNameNS(dsig, 'Reference')[0]?.getAttribute('URI') ?? '(none)';
    const checker = new SignedXml({ getCertFromKeyInfo: SignedXml.getCertFromKeyInfo });
    try {
      checker.loadSignature(signature as unknown as Node);
      return checker.checkSignature(text)
        ? { reference, valid: true }
        : { reference, valid: false, reason: 'does not verify' };
    } catch (error) {
      return { reference, valid: false, reason: (error as Error).message };
    }
  });
}

const field = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

/** What a TED check finds wrong, in the receiver's words (Spanish: they are the SII's reasons). */
export interface TedCheck {
  id: string;
  folio: number;
  dteType: number;
  problems: string[];
}

/**
 * Checks the TED of every `Documento` in `xml`: FRMT is the RSA-SHA1 signature of the DD's ISO-8859-1
 * text by the CAF's key (RSAPK); the CAF itself was signed by the authority (FRMA over DA, when
 * `authorityKey` is given); the folio lies in the CAF's range; and the DD states the document's issuer,
 * type, folio, date, receiver and total.
 */
export function verifyTeds(xml: string, authorityKey?: KeyObject): TedCheck[] {
  const documents = xml.match(/<Documento ID="[^"]+">[\s\S]*?<\/Documento>/g) ?? [];
  return documents.map((documento) => {
    const id = /ID="([^"]+)"/.exec(documento)?.[1] ?? '?';
    const folio = Number(field(documento, 'Folio'));
    const dteType = Number(field(documento, 'TipoDTE'));
    const problems: string[] = [];
    const dd = /<DD>[\s\S]*<\/DD>/.exec(documento)?.[0];
    const frmt = /<FRMT algoritmo="SHA1withRSA">([^<]+)<\/FRMT>/.exec(documento)?.[1];
    const da = dd && /<DA>[\s\S]*<\/DA>/.exec(dd)?.[0];
    const frma = dd && /<FRMA algoritmo="SHA1withRSA">([^<]+)<\/FRMA>/.exec(dd)?.[1];
    if (!dd || !frmt || !da) return { id, folio, dteType, problems: [`${id}: sin timbre electrónico (TED)`] };
    const m = field(dd, 'M');
    const e = field(dd, 'E');
    try {
      const cafKey = createPublicKey({
        key: {
          kty: 'RSA',
          n: Buffer.from(m ?? '', 'base64').toString('base64url'),
          e: Buffer.from(e ?? '', 'base64').toString('base64url'),
        },
        format: 'jwk',
      });
      if (!verify('RSA-SHA1', Buffer.from(dd, 'latin1'), cafKey, Buffer.from(frmt, 'base64'))) {
        problems.push(`${id}: la firma del timbre (FRMT) no corresponde al documento`);
      }
    } catch {
      problems.push(`${id}: el CAF del timbre no tiene una llave pública legible`);
    }
    if (
      authorityKey &&
      !(frma && verify('RSA-SHA1', Buffer.from(da, 'latin1'), authorityKey, Buffer.from(frma, 'base64')))
    ) {
      problems.push(`${id}: el CAF del timbre no fue autorizado por el SII (FRMA inválida)`);
    }
    const from = Number(field(da, 'D'));
    const to = Number(field(da, 'H'));
    if (!(from <= folio && folio <= to))
      problems.push(`${id}: folio ${folio} fuera del rango autorizado por el CAF (${from}-${to})`);
    if (field(da, 'TD') !== String(dteType))
      problems.push(`${id}: el CAF es de otro tipo de documento (${field(da, 'TD')})`);
    if (field(da, 'RE') !== field(documento, 'RUTEmisor'))
      problems.push(`${id}: el CAF es de otro emisor (${field(da, 'RE')})`);
    const pairs: [string, string | undefined, string | undefined][] = [
      ['RE', field(dd, 'RE'), field(documento, 'RUTEmisor')],
      ['TD', field(dd, 'TD'), String(dteType)],
      ['F', field(dd, 'F'), String(folio)],
      ['FE', field(dd, 'FE'), field(documento, 'FchEmis')],
      ['RR', field(dd, 'RR'), field(documento, 'RUTRecep')],
      ['MNT', field(dd, 'MNT'), field(documento, 'MntTotal')],
    ];
    for (const [name, inTed, inDocument] of pairs) {
      if (inTed !== inDocument)
        problems.push(`${id}: el timbre dice ${name}=${inTed} y el documento ${inDocument}`);
    }
    return { id, folio, dteType, problems };
  });
}
