import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  X509Certificate,
} from 'node:crypto';
// Only the CPU tally, not the whole platform: this module is what a signing thread loads.
import { tallyCpu } from '@mtd/platform/threadCpu';
import { DOMParser } from '@xmldom/xmldom';
import { C14nCanonicalization, SignedXml } from 'xml-crypto';
import { latin1Safe } from '#domain/dteXml';
import { ancestorNamespaces } from './c14nScope';
import { parseWellFormed } from './wellFormedXml';

/** The issuer's signing credentials: an RSA private key and its X.509 certificate, both PEM. */
export interface SigningCredentials {
  privateKeyPem: string;
  certificatePem: string;
}

/**
 * Whose CPU the signing is, in platform's `tallyCpu`: the TED stamps and XMLDSig signatures issue 15
 * added to every order (documents, envelopes, token requests), which the local bench reports apart.
 */
export const signingCpuPart = 'dte signing';

/** What documents and operators need to know of a certificate. */
export interface CertificateInfo {
  /** SHA-256 of the DER certificate, hex. */
  sha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
}

/**
 * Certificates described once per PEM text (every issuance asks): a renewed certificate is a new
 * text, described afresh; a few are kept.
 */
const describedCertificates = new Map<string, CertificateInfo>();

export function certificateInfo(certificatePem: string): CertificateInfo {
  const known = describedCertificates.get(certificatePem);
  if (known) return { ...known };
  const certificate = new X509Certificate(certificatePem);
  const info = {
    sha256: createHash('sha256').update(certificate.raw).digest('hex'),
    subject: certificate.subject.split('\n').join(', '),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
  };
  if (describedCertificates.size >= 4)
    describedCertificates.delete(describedCertificates.keys().next().value!);
  describedCertificates.set(certificatePem, info);
  return { ...info };
}

// The algorithms the SII's xmldsignature_v10.xsd fixes: inclusive C14N, RSA-SHA1, SHA-1 digests.
const c14n = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const rsaSha1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const sha1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const envelopedSignature = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const dsig = 'http://www.w3.org/2000/09/xmldsig#';

/**
 * KeyInfo as the SII's schema requires it, in its order: the RSA public key (Modulus, Exponent) and
 * the certificate.
 */
function keyInfo(privateKey: KeyObject, certificatePem: string): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const b64 = (value: string | undefined) => Buffer.from(value ?? '', 'base64url').toString('base64');
  const der = new X509Certificate(certificatePem).raw.toString('base64');
  return `<KeyValue><RSAKeyValue><Modulus>${b64(jwk.n)}</Modulus><Exponent>${b64(jwk.e)}</Exponent></RSAKeyValue></KeyValue><X509Data><X509Certificate>${der}</X509Certificate></X509Data>`;
}

interface ParsedCredentials {
  privateKey: KeyObject;
  keyInfo: string;
}

/**
 * Credentials parsed once: the key as a KeyObject and the KeyInfo text, instead of parsing both PEMs
 * for every signature. Keyed by the PEM texts, so a renewed certificate is parsed afresh; a few
 * entries are kept (a renewal leaves the old one until it is pushed out).
 */
const parsedCredentials = new Map<string, ParsedCredentials>();
function parsed({ privateKeyPem, certificatePem }: SigningCredentials): ParsedCredentials {
  const cacheKey = `${privateKeyPem}\n${certificatePem}`;
  let entry = parsedCredentials.get(cacheKey);
  if (!entry) {
    const privateKey = createPrivateKey(privateKeyPem);
    entry = { privateKey, keyInfo: keyInfo(privateKey, certificatePem) };
    if (parsedCredentials.size >= 4) parsedCredentials.delete(parsedCredentials.keys().next().value!);
    parsedCredentials.set(cacheKey, entry);
  }
  return entry;
}

const signedInfoXml = (id: string, digest: string) =>
  `<SignedInfo><CanonicalizationMethod Algorithm="${c14n}"/><SignatureMethod Algorithm="${rsaSha1}"/><Reference URI="#${id}"><Transforms><Transform Algorithm="${c14n}"/></Transforms><DigestMethod Algorithm="${sha1}"/><DigestValue>${digest}</DigestValue></Reference></SignedInfo>`;

/** SignedInfo canonicalised in place: inside its Signature, with the root's namespaces in scope. */
function canonicalised(
  signedInfo: string,
  rootNamespaces: { prefix: string; namespaceURI: string }[],
): string {
  const placed = new DOMParser().parseFromString(
    `<Signature xmlns="${dsig}">${signedInfo}</Signature>`,
    'text/xml',
  );
  return new C14nCanonicalization().process(placed.documentElement!.firstChild!, {
    ancestorNamespaces: rootNamespaces,
  });
}

const idSlot = 'IDSLOT0';
const digestSlot = 'DIGESTSLOT0';
/** Canonical SignedInfo templates, by the root namespaces in scope (one set per kind of document). */
const canonicalTemplates = new Map<string, string>();

/**
 * The canonical SignedInfo, what RSA signs. Signatures differ only in the reference's ID and the
 * digest, and C14N leaves both as they are (an ID of name characters, a base64 digest: nothing it
 * escapes), so they are put into a template canonicalised once per set of root namespaces, with
 * xml-crypto's C14N like the rest. Parsing and canonicalising each SignedInfo was ~5% of the signing
 * thread's CPU. Any other ID is canonicalised in place.
 */
function canonicalSignedInfo(
  id: string,
  digest: string,
  rootNamespaces: { prefix: string; namespaceURI: string }[],
): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || !/^[A-Za-z0-9+/=]+$/.test(digest))
    return canonicalised(signedInfoXml(id, digest), rootNamespaces);
  const key = JSON.stringify(rootNamespaces);
  let template = canonicalTemplates.get(key);
  if (!template) {
    template = canonicalised(signedInfoXml(idSlot, digestSlot), rootNamespaces);
    if (canonicalTemplates.size >= 8) canonicalTemplates.delete(canonicalTemplates.keys().next().value!);
    canonicalTemplates.set(key, template);
  }
  return template
    .replace(`URI="#${idSlot}"`, () => `URI="#${id}"`)
    .replace(`>${digestSlot}<`, () => `>${digest}<`);
}

/**
 * Signs the element whose `ID` is `id` with XMLDSig as the SII specifies (xmldsignature_v10.xsd):
 * a detached-in-document signature, `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">` placed
 * right after the element named `after`, one Reference `#id` canonicalised with C14N, RSA-SHA1, SHA-1
 * digest, and KeyInfo with the RSA key value and the X.509 certificate. Used for each DTE (the
 * `Documento`, signature appended inside `DTE`) and each envelope (`SetDTE`, signature appended inside
 * `EnvioDTE` / `EnvioBOLETA`). The XML must not carry an XML declaration, and `after` must be the
 * root's last child element (as the SII's documents have it).
 *
 * The signature is computed with xml-crypto's C14N on one parse of the document, and its text is
 * inserted into the document's text, which is otherwise left byte for byte as built. xml-crypto's
 * `computeSignature` parsed the document, cloned the signed element to canonicalise it, parsed the
 * signature again to place it, scanned the document for the SignedInfo (an XPath `//`) and serialised
 * it all back: ≈ 2.5 ms of CPU per signature, half of it that work. Tests verify every signature with
 * xmldsigjs and against xml-crypto's own `checkSignature`.
 */
export function signElement(
  xml: string,
  target: { id: string; after: string },
  credentials: SigningCredentials,
): string {
  const { privateKey, keyInfo } = parsed(credentials);
  const doc = parseWellFormed(xml);
  const root = doc.documentElement;
  const children = Array.from(root?.childNodes ?? []).filter((node): node is Element => node.nodeType === 1);
  const signed = children.filter((child) => child.getAttribute('ID') === target.id);
  if (!root || signed.length !== 1)
    throw new Error(`signElement: the root must have exactly one child with ID ${target.id}`);
  if (children.at(-1)?.localName !== target.after)
    throw new Error(`signElement: ${target.after} must be the last child of ${root.localName}`);
  const close = new RegExp(`</${root.tagName}>\\s*$`).exec(xml);
  if (!close) throw new Error(`signElement: the document does not end with </${root.tagName}>`);

  // Prefixed namespaces declared on the root are in scope of both the signed element and the
  // signature (inclusive C14N carries them in); the default one is each element's own.
  const rootNamespaces = Array.from(root.attributes)
    .filter((attribute) => attribute.name.startsWith('xmlns:'))
    .map((attribute) => ({ prefix: attribute.name.slice('xmlns:'.length), namespaceURI: attribute.value }));
  const digest = createHash('sha1')
    .update(
      new C14nCanonicalization().process(signed[0]!, {
        ancestorNamespaces: ancestorNamespaces(signed[0]!),
      }),
      'utf8',
    )
    .digest('base64');
  const signedInfo = signedInfoXml(target.id, digest);
  const canonical = canonicalSignedInfo(target.id, digest, rootNamespaces);
  const value = sign('RSA-SHA1', Buffer.from(canonical, 'utf8'), privateKey).toString('base64');
  const signature = `<Signature xmlns="${dsig}">${signedInfo}<SignatureValue>${value}</SignatureValue><KeyInfo>${keyInfo}</KeyInfo></Signature>`;
  return latin1Safe(`${xml.slice(0, close.index)}${signature}${xml.slice(close.index)}`);
}

/**
 * The SII's token request (`getToken`): the seed it handed out, signed whole (Reference URI "",
 * enveloped signature), which proves the sender holds the certificate's key.
 */
export function signSeedRequest(seed: string, credentials: SigningCredentials): string {
  return tallyCpu(signingCpuPart, () => signedSeedRequest(seed, credentials));
}

function signedSeedRequest(seed: string, credentials: SigningCredentials): string {
  const request = `<getToken><item><Semilla>${seed.replace(/[^0-9A-Za-z]/g, '')}</Semilla></item></getToken>`;
  const { privateKey, keyInfo } = parsed(credentials);
  const signer = new SignedXml({
    privateKey,
    publicCert: credentials.certificatePem,
    signatureAlgorithm: rsaSha1,
    canonicalizationAlgorithm: c14n,
    getKeyInfoContent: () => keyInfo,
  });
  signer.addReference({
    xpath: '/*',
    uri: '',
    isEmptyUri: true,
    digestAlgorithm: sha1,
    transforms: [envelopedSignature],
  });
  signer.computeSignature(request, { location: { reference: '/*', action: 'append' } });
  return signer.getSignedXml();
}
