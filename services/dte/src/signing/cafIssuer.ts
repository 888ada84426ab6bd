import { createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { DteType } from '@mtd/contracts';
import { xmlText } from '#domain/dteXml';

/**
 * What the SII does when it authorises folios, for the local tax-authority simulator and for tests:
 * a fresh RSA key pair for the range (512 bits, exponent 3, as the SII's CAF keys are), the DA with the
 * range and the public key, signed by the authority's own key (FRMA, SHA1withRSA), and the file the
 * SII delivers: `<AUTORIZACION>` with the CAF, RSASK and RSAPUBK. The authority's public key is what
 * a verifier checks FRMA against.
 */
export function issueCaf(input: {
  /** The authority's signing key (the SII's; the simulator's own locally). */
  authorityKey: KeyObject | string;
  issuerRut: string;
  issuerName: string;
  dteType: DteType;
  from: number;
  to: number;
  /** FA, YYYY-MM-DD. */
  authorizedOn: string;
  keyId?: number;
}): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 512, publicExponent: 3 });
  const jwk = publicKey.export({ format: 'jwk' });
  const b64 = (value: string | undefined) => Buffer.from(value ?? '', 'base64url').toString('base64');
  const da = `<DA><RE>${input.issuerRut}</RE><RS>${xmlText(input.issuerName.slice(0, 40))}</RS><TD>${input.dteType}</TD><RNG><D>${input.from}</D><H>${input.to}</H></RNG><FA>${input.authorizedOn}</FA><RSAPK><M>${b64(jwk.n)}</M><E>${b64(jwk.e)}</E></RSAPK><IDK>${input.keyId ?? 100}</IDK></DA>`;
  const frma = sign('RSA-SHA1', Buffer.from(da, 'latin1'), input.authorityKey).toString('base64');
  const rsask = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const rsapubk = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return `<?xml version="1.0" encoding="ISO-8859-1"?>\n<AUTORIZACION>\n<CAF version="1.0">\n${da}\n<FRMA algoritmo="SHA1withRSA">${frma}</FRMA>\n</CAF>\n<RSASK>${rsask}</RSASK>\n<RSAPUBK>${rsapubk}</RSAPUBK>\n</AUTORIZACION>\n`;
}
