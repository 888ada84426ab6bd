import {
  createHash,
  createPublicKey,
  type KeyObject,
  timingSafeEqual,
  verify,
  X509Certificate,
} from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { C14nCanonicalization, SignedXml } from 'xml-crypto';
import { ancestorNamespaces } from './c14nScope';
import { parseWellFormed } from './wellFormedXml';

/**
 * The checks a receiver of DTEs makes (the SII, the local tax-authority simulator, a buyer): every
 * XMLDSig signature holds with the certificate it carries, and every TED is a CAF stamp that matches
 * its document. Used by the local simulator; the tests verify with independent implementations too.
 */

const dsig = 'http://www.w3.org/2000/09/xmldsig#';
// The algorithms the SII's xmldsignature_v10.xsd fixes (inclusive C14N, RSA-SHA1, SHA-1 digests), and
// the enveloped-signature transform of its token request. Anything else does not verify.
const c14n = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const rsaSha1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const sha1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const envelopedSignature = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
/** The attribute names an `#id` reference may point at, as xml-crypto counts them. */
const idAttributes = new Set(['Id', 'ID', 'id']);

export interface SignatureCheck {
  /** The Reference URI: `#T33F12`, `#SetDoc`. */
  reference: string;
  valid: boolean;
  /** Why it does not verify. */
  reason?: string;
}

/**
 * Verifies every XMLDSig signature in the document against the certificate in its KeyInfo: XMLDSig core
 * validation (each Reference's digest over its canonicalised element, then SignatureValue over the
 * canonicalised SignedInfo), with xml-crypto's C14N and the checks xml-crypto's `checkSignature` makes,
 * on one parse of the document. `checkSignature` parses the whole document again for each signature and
 * finds elements with XPath `//` scans of it (the ID lookup three times, for the signature-wrapping
 * check, then again for namespaces): ≈ 11 ms of an envelope's 12. Here one walk indexes the ID
 * attributes, and an ID carried by more than one element is still refused (signature wrapping).
 * `wellFormed`: the caller has checked that the XML is well-formed (as the SII's reception does before
 * anything else), so it is parsed the quicker way (wellFormedXml.ts); without it, as xmldom parses.
 */
export function verifyXmlSignatures(xml: string, options: { wellFormed?: boolean } = {}): SignatureCheck[] {
  const text = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const doc = options.wellFormed
    ? parseWellFormed(text)
    : new DOMParser({}).parseFromString(text, 'text/xml');
  const ids = elementsById(doc);
  const signatures = Array.from(doc.getElementsByTagNameNS(dsig, 'Signature'));
  return signatures.map((signature) => {
    const reference = signature.getElementsByTagNameNS(dsig, 'Reference')[0]?.getAttribute('URI') ?? '(none)';
    try {
      checkSignature(doc, signature, ids);
      return { reference, valid: true };
    } catch (error) {
      return { reference, valid: false, reason: (error as Error).message };
    }
  });
}

/** Every element with an Id, ID or id attribute (any namespace), by that attribute's value. */
function elementsById(doc: Document): Map<string, Element[]> {
  const ids = new Map<string, Element[]>();
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const element = all[i]!;
    for (let a = 0; a < element.attributes.length; a++) {
      const attribute = element.attributes[a]!;
      if (!idAttributes.has(attribute.localName ?? attribute.name)) continue;
      const found = ids.get(attribute.value);
      if (found) found.push(element);
      else ids.set(attribute.value, [element]);
    }
  }
  return ids;
}

const childrenNamed = (parent: Element | Document, name: string): Element[] =>
  Array.from(parent.childNodes).filter(
    (node): node is Element => node.nodeType === 1 && (node as Element).localName === name,
  );

function onlyChild(parent: Element, name: string): Element {
  const found = childrenNamed(parent, name);
  if (found.length !== 1)
    throw new Error(`${parent.localName} must have exactly one ${name}, it has ${found.length}`);
  return found[0]!;
}

const algorithmOf = (parent: Element, name: string) =>
  onlyChild(parent, name).getAttribute('Algorithm') ?? '';

/** Inclusive C14N of an element in its document: the namespaces in scope from its ancestors included. */
function canonical(element: Element): string {
  return new C14nCanonicalization().process(element, {
    ancestorNamespaces: ancestorNamespaces(element),
    defaultNsForPrefix: SignedXml.defaultNsForPrefix,
  });
}

/** Certificates by their base64 text: one parse per certificate, not one per signature. */
const publicKeys = new Map<string, KeyObject>();
function publicKeyOf(certificateBase64: string): KeyObject {
  const compact = certificateBase64.replace(/\s+/g, '');
  let key = publicKeys.get(compact);
  if (!key) {
    key = new X509Certificate(Buffer.from(compact, 'base64')).publicKey;
    if (publicKeys.size >= 16) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(compact, key);
  }
  return key;
}

const sameDigest = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** XMLDSig core validation of one signature (throws saying why it does not verify). */
function checkSignature(doc: Document, signature: Element, ids: Map<string, Element[]>): void {
  const signedInfo = onlyChild(signature, 'SignedInfo');
  const canonicalization = algorithmOf(signedInfo, 'CanonicalizationMethod');
  if (canonicalization !== c14n) throw new Error(`canonicalization ${canonicalization} is not supported`);
  const canonicalSignedInfo = canonical(signedInfo);
  // What the signature covers is the canonical SignedInfo: its references are read from that text
  // (as xml-crypto does), so nothing C14N drops (comments) can change what is checked.
  const signed = new DOMParser().parseFromString(canonicalSignedInfo, 'text/xml').documentElement;
  if (!signed) throw new Error('the canonical SignedInfo does not parse');
  const method = algorithmOf(signed, 'SignatureMethod');
  if (method !== rsaSha1) throw new Error(`signature method ${method} is not supported`);
  const references = childrenNamed(signed, 'Reference');
  if (references.length === 0) throw new Error('could not find any Reference elements');
  for (const reference of references) checkReference(doc, signature, reference, ids);

  const keyInfo = signature.getElementsByTagNameNS(dsig, 'KeyInfo')[0];
  const certificate = keyInfo?.getElementsByTagNameNS(dsig, 'X509Certificate')[0]?.textContent;
  if (!certificate) throw new Error('KeyInfo carries no X509Certificate');
  const value = onlyChild(signature, 'SignatureValue').textContent ?? '';
  if (
    !verify(
      'RSA-SHA1',
      Buffer.from(canonicalSignedInfo, 'utf8'),
      publicKeyOf(certificate),
      Buffer.from(value, 'base64'),
    )
  )
    throw new Error('invalid signature: the signature value is incorrect');
}

function checkReference(
  doc: Document,
  signature: Element,
  reference: Element,
  ids: Map<string, Element[]>,
): void {
  const uri = reference.getAttribute('URI') ?? '';
  const digestMethod = algorithmOf(reference, 'DigestMethod');
  if (digestMethod !== sha1) throw new Error(`digest method ${digestMethod} is not supported`);
  const transformsElement = childrenNamed(reference, 'Transforms')[0];
  const transforms = transformsElement
    ? childrenNamed(transformsElement, 'Transform').map((t) => t.getAttribute('Algorithm') ?? '')
    : [];
  for (const transform of transforms)
    if (transform !== c14n && transform !== envelopedSignature)
      throw new Error(`transform ${transform} is not supported`);

  let target: Element | null;
  if (uri === '') target = doc.documentElement;
  else if (uri.startsWith('#')) {
    const found = ids.get(uri.slice(1)) ?? [];
    if (found.length > 1)
      throw new Error(
        `${found.length} elements carry the ID ${uri.slice(1)}: a document with one ID on several elements is refused (signature wrapping)`,
      );
    target = found[0] ?? null;
  } else throw new Error(`reference URI ${uri} is not a same-document reference`);
  if (!target) throw new Error(`the signature references ${uri}, and no element has that ID`);

  let canonicalTarget: string;
  if (transforms.includes(envelopedSignature)) {
    // The transform takes the signature out of what it signs: on a copy, never the shared document,
    // found in the copy by the same child positions as in the document (as xml-crypto does).
    const positions: number[] = [];
    let at: Node = signature;
    while (at !== target && at.parentNode) {
      positions.unshift(Array.from(at.parentNode.childNodes).indexOf(at as ChildNode));
      at = at.parentNode;
    }
    if (at !== target) throw new Error('an enveloped-signature reference must contain its signature');
    const copy = target.cloneNode(true) as Element;
    const copiedSignature = positions.reduce<Node>((node, index) => node.childNodes[index]!, copy);
    copiedSignature.parentNode?.removeChild(copiedSignature);
    canonicalTarget = new C14nCanonicalization().process(copy, {
      ancestorNamespaces: ancestorNamespaces(target),
      defaultNsForPrefix: SignedXml.defaultNsForPrefix,
    });
  } else canonicalTarget = canonical(target);

  const digest = createHash('sha1').update(canonicalTarget, 'utf8').digest();
  const expected = Buffer.from(onlyChild(reference, 'DigestValue').textContent ?? '', 'base64');
  if (!sameDigest(digest, expected))
    throw new Error(`invalid signature: for uri ${uri} the calculated digest differs from DigestValue`);
}

const field = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

/**
 * CAF public keys (RSAPK) by modulus and exponent: one import per CAF, not one per TED (a receiver sees
 * the same few CAFs in every envelope). A key that does not import is not kept: it throws each time.
 */
const cafKeys = new Map<string, KeyObject>();
function cafPublicKey(modulus: string, exponent: string): KeyObject {
  const cacheKey = `${modulus} ${exponent}`;
  let key = cafKeys.get(cacheKey);
  if (!key) {
    key = createPublicKey({
      key: {
        kty: 'RSA',
        n: Buffer.from(modulus, 'base64').toString('base64url'),
        e: Buffer.from(exponent, 'base64').toString('base64url'),
      },
      format: 'jwk',
    });
    if (cafKeys.size >= 16) cafKeys.delete(cafKeys.keys().next().value!);
    cafKeys.set(cacheKey, key);
  }
  return key;
}

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
      const cafKey = cafPublicKey(m ?? '', e ?? '');
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
