import type { PurchaseOrder } from '@mtd/contracts';
import { type Caf, planIssuance, selfSignedCredentials, signedDocument, signedEnvelope } from '@mtd/dte';
import { localIssuer } from './localDte';

/**
 * For the SII simulator's tests: the local issuer as a sender, with a self-signed certificate and a
 * fixed issue time (no test depends on today's date), signing documents and envelopes as dte does.
 */
export const issuedAt = '2026-11-24T13:00:00.000Z';
export const credentials = selfSignedCredentials({
  now: new Date(issuedAt),
  rut: localIssuer.senderRut,
  name: 'Firma de prueba',
});
export const credentialsSource = { current: async () => credentials };

/** The signed document of `order` with `folio`, stamped with `caf`. */
export function signedDocumentOf(order: PurchaseOrder, caf: Caf, folio: number): string {
  const plan = planIssuance(order, localIssuer, issuedAt);
  return signedDocument({ ...plan.document, folio }, caf, credentials, issuedAt).xml;
}

/** The local issuer's signed envelope of `documents`. */
export const envelopeOf = (dteType: 33 | 39, documents: string[]): string =>
  signedEnvelope({ dteType, issuer: localIssuer, documents }, credentials, issuedAt);
