import type { DteType } from '@mtd/contracts';
// Only the CPU tally, not the whole platform: this module is what a signing thread loads.
import { tallyCpu } from '@mtd/platform/threadCpu';
import {
  buildDteXml,
  type DteDocument,
  documentId,
  dteElementOf,
  type Issuer,
  standaloneXml,
} from '#domain/dteXml';
import { buildEnvelope, setDteId } from '#domain/envelope';
import type { Caf } from './caf';
import { stampTed } from './ted';
import { type SigningCredentials, signElement, signingCpuPart } from './xmlSignature';

/**
 * A document as issued: stamped with its TED (the CAF's key) and signed with XMLDSig (the issuer's
 * certificate); `xml` standalone (XML declaration included), `ted` as it stands inside it.
 */
export function signedDocument(
  document: DteDocument,
  caf: Caf,
  credentials: SigningCredentials,
  signedAt: string,
): { xml: string; ted: string } {
  return tallyCpu(signingCpuPart, () => stampedAndSigned(document, caf, credentials, signedAt));
}

function stampedAndSigned(
  document: DteDocument,
  caf: Caf,
  credentials: SigningCredentials,
  signedAt: string,
): { xml: string; ted: string } {
  const ted = stampTed(document, caf, signedAt);
  const signed = signElement(
    buildDteXml(document, ted, signedAt),
    { id: documentId(document.dteType, document.folio), after: 'Documento' },
    credentials,
  );
  // The TED is signed over its text as written; the signer re-serialises the document, which must not
  // change a byte of it (xmlText escapes only what a serializer escapes).
  if (!signed.includes(ted))
    throw new Error(`signing changed the TED of ${documentId(document.dteType, document.folio)}`);
  return { xml: standaloneXml(signed), ted };
}

/** The signed envelope (EnvioDTE / EnvioBOLETA with its Carátula) of standalone signed documents of one type. */
export function signedEnvelope(
  input: { dteType: DteType; issuer: Issuer; documents: readonly string[] },
  credentials: SigningCredentials,
  signedAt: string,
): string {
  return tallyCpu(signingCpuPart, () => {
    const unsigned = buildEnvelope({ ...input, signedAt, documents: input.documents.map(dteElementOf) });
    return standaloneXml(signElement(unsigned, { id: setDteId, after: 'SetDTE' }, credentials));
  });
}
