import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { DteType } from '@mtd/contracts';
import { XMLParser } from 'fast-xml-parser';
import type { FolioRange } from '#domain/folioRanges';

/**
 * A CAF (Código de Autorización de Folios): the SII's authorisation of a range of folios of one DTE
 * type for one issuer, with an RSA key pair. The SII signs the CAF's DA (FRMA); the issuer signs each
 * document's TED with the CAF's private key (RSASK), and the CAF travels inside every TED so anyone can
 * check the stamp with its public key (RSAPK).
 */
export interface Caf extends FolioRange {
  dteType: DteType;
  /** RE: the issuer the folios belong to. */
  issuerRut: string;
  /** RS: the issuer's name as the SII wrote it. */
  issuerName: string;
  /** FA: when the SII authorised the range (YYYY-MM-DD). */
  authorizedOn: string;
  /** IDK: the SII's key id. */
  keyId: number;
  /** The `<CAF version="1.0">…</CAF>` element exactly as issued, flattened: copied into every TED. */
  xml: string;
  /** RSASK: the private key that signs TEDs (PEM). Secret: whoever holds it can stamp documents. */
  privateKeyPem: string;
}

/** A file that is not a usable CAF, saying what is wrong with it. */
export class CafFormatError extends Error {
  override readonly name = 'CafFormatError';
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  processEntities: false,
  parseTagValue: false,
  trimValues: true,
});

/** Removes the whitespace between tags that a pretty-printed CAF file carries: the TED is flat. */
function flatten(xml: string): string {
  return xml.replace(/>\s+</g, '><').trim();
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new CafFormatError(`the CAF has no ${what}`);
  return value;
}

function positive(value: unknown, what: string): number {
  const n = Number(text(value, what));
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new CafFormatError(`the CAF's ${what} is not a positive integer`);
  return n;
}

const base64url = (b64: string) => Buffer.from(b64, 'base64').toString('base64url');

/**
 * Reads a CAF file as the SII delivers it (`<AUTORIZACION><CAF version="1.0"><DA>…</DA><FRMA …>…</FRMA>
 * </CAF><RSASK>…</RSASK><RSAPUBK>…</RSAPUBK></AUTORIZACION>`), checking that it is complete, of a type
 * MTD issues, with a sane range, and that RSASK is the private half of the RSAPK the SII signed.
 */
export function parseCaf(fileText: string): Caf {
  const cafElement = /<CAF\b[\s\S]*<\/CAF>/.exec(fileText)?.[0];
  if (!cafElement) throw new CafFormatError('not a CAF: no <CAF> element (expected an <AUTORIZACION> file)');
  // biome-ignore lint/suspicious/noExplicitAny: a parsed file has no static shape; each field is checked below
  let parsed: Record<string, any>;
  try {
    parsed = parser.parse(fileText);
  } catch (error) {
    throw new CafFormatError(`not well-formed XML: ${(error as Error).message}`);
  }
  const root = parsed.AUTORIZACION;
  if (!root) throw new CafFormatError('not a CAF: the root element must be <AUTORIZACION>');
  const da = root.CAF?.DA;
  if (!da) throw new CafFormatError('the CAF has no DA (datos de autorización)');
  text(root.CAF?.FRMA?.['#text'], 'FRMA (the SII signature)');
  const dteType = Number(text(da.TD, 'TD (document type)'));
  if (dteType !== 33 && dteType !== 39)
    throw new CafFormatError(`the CAF is for document type ${dteType}; MTD issues 33 and 39`);
  const from = positive(da.RNG?.D, 'RNG/D (first folio)');
  const to = positive(da.RNG?.H, 'RNG/H (last folio)');
  if (to < from) throw new CafFormatError(`the CAF's range ${from}-${to} is empty`);
  const authorizedOn = text(da.FA, 'FA (authorisation date)');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(authorizedOn))
    throw new CafFormatError('the CAF date FA is not YYYY-MM-DD');
  const modulus = text(da.RSAPK?.M, 'RSAPK/M (public key modulus)');
  const exponent = text(da.RSAPK?.E, 'RSAPK/E (public key exponent)');
  const privateKeyPem = text(root.RSASK, 'RSASK (private key)');
  let matches: boolean;
  try {
    const fromPrivate = createPublicKey(createPrivateKey(privateKeyPem)).export({ format: 'jwk' });
    matches = fromPrivate.n === base64url(modulus) && fromPrivate.e === base64url(exponent);
  } catch (error) {
    throw new CafFormatError(
      `the CAF's RSASK is not a readable RSA private key: ${(error as Error).message}`,
    );
  }
  if (!matches) throw new CafFormatError("the CAF's RSASK does not belong to its RSAPK");
  return {
    dteType,
    issuerRut: text(da.RE, 'RE (issuer RUT)'),
    issuerName: text(da.RS, 'RS (issuer name)'),
    from,
    to,
    authorizedOn,
    keyId: Number(text(da.IDK, 'IDK (key id)')),
    xml: flatten(cafElement),
    privateKeyPem: `${privateKeyPem.trim()}\n`,
  };
}

/** What the DteIssued event says of the CAF that authorised a folio. */
export function cafReference(caf: Caf): { from: number; to: number; authorizedOn: string; keyId: number } {
  return { from: caf.from, to: caf.to, authorizedOn: caf.authorizedOn, keyId: caf.keyId };
}
