import type { DteType } from '@mtd/contracts';
import type { DteDocument, Issuer } from '#domain/dteXml';
import type { Caf } from './caf';
import { signedDocument, signedEnvelope } from './signedDocuments';
import type { SigningCredentials } from './xmlSignature';

/**
 * Where documents and envelopes are stamped (TED, the CAF's key) and signed (XMLDSig, the issuer's
 * certificate). Signing is a pure function of the document, the CAF, the credentials and the time,
 * so it can run in any thread; the handlers ask this port and never know which.
 */
export interface DteSigner {
  /** {@link signedDocument}: the document stamped and signed, standalone, and its TED. */
  signDocument(
    document: DteDocument,
    caf: Caf,
    credentials: SigningCredentials,
    signedAt: string,
  ): Promise<{ xml: string; ted: string }>;
  /** {@link signedEnvelope}: the signed EnvioDTE / EnvioBOLETA of standalone signed documents. */
  signEnvelope(
    input: { dteType: DteType; issuer: Issuer; documents: readonly string[] },
    credentials: SigningCredentials,
    signedAt: string,
  ): Promise<string>;
}

/**
 * Signs in the calling thread: for Lambda, where one message is handled at a time on one vCPU and a
 * thread would only add the cost of copying the inputs across; and the default for tests.
 */
export const inlineSigner: DteSigner = {
  signDocument: async (document, caf, credentials, signedAt) =>
    signedDocument(document, caf, credentials, signedAt),
  signEnvelope: async (input, credentials, signedAt) => signedEnvelope(input, credentials, signedAt),
};
