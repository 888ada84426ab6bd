import { webcrypto } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import forge from 'node-forge';
import * as xmldsig from 'xmldsigjs';

/**
 * Verifiers that share no code with the signers: XMLDSig with xmldsigjs (its own C14N and XMLDSig
 * engine, on WebCrypto) where the signer uses xml-crypto, and the TED with node-forge's RSA where the
 * stamp uses Node's OpenSSL. For tests: if both sides had the same bug, an independent implementation
 * is what notices.
 */

xmldsig.Application.setEngine('NodeJS', webcrypto as unknown as Crypto);
// xmldsigjs parses with the platform's DOMParser; Node has none, so lend it xmldom's.
Object.assign(globalThis, { DOMParser, XMLSerializer });

const dsig = 'http://www.w3.org/2000/09/xmldsig#';

/** Every XMLDSig signature in the document: the reference it signs, and whether it verifies. */
export async function verifyXmlSignatures(
  xml: string,
): Promise<{ reference: string; valid: boolean; error?: string }[]> {
  const doc = xmldsig.Parse(xml.replace(/^<\?xml[^>]*\?>\s*/, ''));
  const signatures = Array.from(doc.getElementsByTagNameNS(dsig, 'Signature'));
  const results = [];
  for (const element of signatures) {
    const reference =
      (element.getElementsByTagNameNS(dsig, 'Reference')[0] as Element | undefined)?.getAttribute('URI') ??
      '(none)';
    const signed = new xmldsig.SignedXml(doc);
    signed.LoadXml(element as Element);
    try {
      results.push({ reference, valid: await signed.Verify() });
    } catch (error) {
      results.push({ reference, valid: false, error: (error as Error).message });
    }
  }
  return results;
}

const text = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

/**
 * Checks every TED in the document as a verifier of a printed DTE would: FRMT is an RSA-SHA1 signature
 * of the DD (its ISO-8859-1 text, as it stands) by the CAF key in RSAPK; and the DD states the same
 * issuer, type, folio, date and total as the document around it. Returns the problems found.
 */
export function verifyTeds(xml: string): { folio: string | undefined; problems: string[] }[] {
  const documents = xml.match(/<Documento ID="[^"]+">[\s\S]*?<\/Documento>/g) ?? [];
  return documents.map((documento) => {
    const problems: string[] = [];
    const dd = /<DD>[\s\S]*<\/DD>/.exec(documento)?.[0];
    const frmt = /<FRMT algoritmo="SHA1withRSA">([^<]+)<\/FRMT>/.exec(documento)?.[1];
    const folio = text(documento, 'Folio');
    if (!dd || !frmt) return { folio, problems: ['no TED (DD and FRMT)'] };
    const modulus = text(dd, 'M');
    const exponent = text(dd, 'E');
    if (!modulus || !exponent) return { folio, problems: ['the TED has no CAF public key'] };
    const toBig = (b64: string) => new forge.jsbn.BigInteger(Buffer.from(b64, 'base64').toString('hex'), 16);
    const key = forge.pki.setRsaPublicKey(toBig(modulus), toBig(exponent));
    const digest = forge.md.sha1.create();
    digest.update(Buffer.from(dd, 'latin1').toString('binary'));
    let valid = false;
    try {
      valid = key.verify(digest.digest().bytes(), Buffer.from(frmt, 'base64').toString('binary'));
    } catch {
      valid = false;
    }
    if (!valid) problems.push('FRMT does not verify against the DD with the CAF key');
    const pairs: [string, string | undefined, string | undefined][] = [
      ['RE/RUTEmisor', text(dd, 'RE'), text(documento, 'RUTEmisor')],
      ['TD/TipoDTE', text(dd, 'TD'), text(documento, 'TipoDTE')],
      ['F/Folio', text(dd, 'F'), folio],
      ['FE/FchEmis', text(dd, 'FE'), text(documento, 'FchEmis')],
      ['RR/RUTRecep', text(dd, 'RR'), text(documento, 'RUTRecep')],
      ['MNT/MntTotal', text(dd, 'MNT'), text(documento, 'MntTotal')],
    ];
    for (const [what, inTed, inDocument] of pairs) {
      if (inTed !== inDocument) problems.push(`${what}: the TED says ${inTed}, the document ${inDocument}`);
    }
    const from = Number(text(dd, 'D'));
    const to = Number(text(dd, 'H'));
    if (!(from <= Number(folio) && Number(folio) <= to))
      problems.push(`folio ${folio} is outside the CAF ${from}-${to}`);
    return { folio, problems };
  });
}
