/**
 * What the SII's side of the exchange needs, apart from the service (its handlers, adapters and AWS
 * clients): checking signatures and TEDs, issuing test CAFs, telling an envelope's schema. The local
 * SII simulator runs in a thread of its own and imports only this: the whole of `@mtd/dte` would
 * cost that thread ~40 MB more of RSS.
 */
export { issueCaf } from '#signing/cafIssuer';
export { type SignatureCheck, type TedCheck, verifyTeds, verifyXmlSignatures } from '#signing/verification';
export { type SiiSchema, siiSchemaOf } from '#src/siiSchema';
