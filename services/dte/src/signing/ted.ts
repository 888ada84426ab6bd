import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { buildDd, buildTed, type DteDocument } from '#domain/dteXml';
import type { Caf } from './caf';

/**
 * The document's TED (timbre electrónico): its DD signed with the CAF's private key, RSA with SHA-1
 * (FRMT `algoritmo="SHA1withRSA"`, DTE_v10.xsd), over the DD element exactly as it appears in the
 * document — flat, no whitespace between tags — encoded ISO-8859-1, the documents' encoding (SII,
 * Formato DTE §2.1 F "Timbre Electrónico SII"; LibreDTE signs the same flattened DD). RSA PKCS#1 v1.5
 * signatures are deterministic: the same DD always gives the same FRMT.
 */
export function stampTed(document: DteDocument, caf: Caf, stampedAt: string): string {
  const dd = buildDd(document, caf.xml, stampedAt);
  const frmt = sign('RSA-SHA1', Buffer.from(dd, 'latin1'), cafKey(caf.privateKeyPem)).toString('base64');
  return buildTed(dd, frmt);
}

/** CAF keys parsed once (a process holds a few CAFs at a time), not once per document. */
const cafKeys = new Map<string, KeyObject>();
function cafKey(privateKeyPem: string): KeyObject {
  let key = cafKeys.get(privateKeyPem);
  if (!key) {
    key = createPrivateKey(privateKeyPem);
    if (cafKeys.size >= 16) cafKeys.delete(cafKeys.keys().next().value!);
    cafKeys.set(privateKeyPem, key);
  }
  return key;
}
