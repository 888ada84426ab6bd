import type { EventHandler } from '@mtd/platform';
import { broadcastDteOnDteIssued } from '#handlers/broadcastDteOnDteIssued';
import { checkDteStatusOnDteBroadcast } from '#handlers/checkDteStatusOnDteBroadcast';
import { issueDteOnOrderAccepted } from '#handlers/issueDteOnOrderAccepted';
import { retryBroadcastOnDteBroadcastFailed } from '#handlers/retryBroadcastOnDteBroadcastFailed';
import { retryDteOnExceptionRetryRequested } from '#handlers/retryDteOnExceptionRetryRequested';
import type { DteDeps } from '#src/dteDeps';

export {
  CafRejectedError,
  type CafStore,
  directoryCafStore,
  loadCafFile,
  secretsManagerCafStore,
} from '#adapters/cafStore';
export {
  byOrderIndex,
  CafExhaustedError,
  type DynamoFolioLedgerOptions,
  dynamoFolioLedger,
  type FolioAllocation,
  FolioContentionError,
  type FolioLedger,
  folioLedgerTable,
} from '#adapters/folioLedger';
export {
  type CredentialsSource,
  CredentialsUnavailableError,
  localCredentials,
  secretsManagerCredentials,
  selfSignedCredentials,
} from '#adapters/issuerCredentials';
export {
  dteAlertsService,
  dteMetricNames,
  dteMetricsNamespace,
  embeddedMetricAlerts,
  logAlerts,
  type OperationsAlerts,
} from '#adapters/operationsAlerts';
export {
  nodeHttpTransport,
  type SiiRequest,
  type SiiResponse,
  SiiTimeoutError,
  type SiiTransport,
} from '#adapters/siiTransport';
export {
  type EnvelopeSubmission,
  type HttpTaxAuthorityOptions,
  httpTaxAuthority,
  type PendingVerdict,
  type TaxAuthority,
  TaxAuthorityRejectedError,
  TaxAuthorityUnavailableError,
} from '#adapters/taxAuthorityClient';
export {
  AmountOutOfRangeError,
  type DteAmounts,
  type DteLine,
  documentAmounts,
  dteTypeFor,
  ivaOfNet,
  lineTotal,
  netOfGross,
} from '#domain/amounts';
export {
  type DteCommand,
  DteTooLargeError,
  decide,
  InvalidDteCommandError,
  type SiiVerdict,
} from '#domain/decideDte';
export { type DteState, evolve, initialState } from '#domain/dte';
export {
  buildDteXml,
  documentId,
  dteElementOf,
  genericConsumerRut,
  type Issuer,
  siiNamespace,
  siiRut,
  standaloneXml,
} from '#domain/dteXml';
export { buildEnvelope, envelopeKindOf, setDteId, siiRutReceptor } from '#domain/envelope';
export { DteIssuanceProblemError, planIssuance } from '#domain/issuance';
export { AcceptedOrderNotFoundError } from '#handlers/retryDteOnExceptionRetryRequested';
export { type Caf, CafFormatError, parseCaf } from '#signing/caf';
export { issueCaf } from '#signing/cafIssuer';
export { type DteSigner, inlineSigner } from '#signing/dteSigner';
export { signedDocument, signedEnvelope } from '#signing/signedDocuments';
export { stampTed } from '#signing/ted';
export { type SignatureCheck, type TedCheck, verifyTeds, verifyXmlSignatures } from '#signing/verification';
export {
  type CertificateInfo,
  certificateInfo,
  type SigningCredentials,
  signElement,
  signingCpuPart,
  signSeedRequest,
} from '#signing/xmlSignature';
export {
  DteConfigurationError,
  type DteSettings,
  dteConfigFromEnv,
  dteEnvironment,
  IssuerSettings,
  validDteSettings,
} from '#src/aws/dteConfig';
export type { DteDeps } from '#src/dteDeps';
export { type SiiSchema, siiSchemaOf } from '#src/siiSchema';
export { UnexpectedEventError } from '#src/unexpectedEventError';

/** The dte service's handlers, one per subscription in `@mtd/contracts` (`subscriptions.ts`). */
export interface DteHandlers {
  issueDteOnOrderAccepted: EventHandler;
  broadcastDteOnDteIssued: EventHandler;
  checkDteStatusOnDteBroadcast: EventHandler;
  retryBroadcastOnDteBroadcastFailed: EventHandler;
  retryDteOnExceptionRetryRequested: EventHandler;
}

/**
 * The dte service, wired. The same handlers run under the local runtime and in Lambda.
 *
 * @example
 * const dte = createDte({ store: store.forProducer(Sources.dte), clock: systemClock, ids: ulidGenerator(),
 *   random: Math.random, folios: dynamoFolioLedger({ client, tableName: 'mtd-dte-folios' }),
 *   cafs: directoryCafStore({ dir: '.mtd/caf' }), credentials: localCredentials({ dir, clock, rut, name }),
 *   taxAuthority: httpTaxAuthority({ baseUrl, timeoutMs: 5000, credentials }), issuer, alerts: logAlerts(log),
 *   broadcast: { maxAttempts: 5, baseMs: 1000, maxMs: 60_000 } });
 */
export function createDte(deps: DteDeps): DteHandlers {
  return {
    issueDteOnOrderAccepted: issueDteOnOrderAccepted(deps),
    broadcastDteOnDteIssued: broadcastDteOnDteIssued(deps),
    checkDteStatusOnDteBroadcast: checkDteStatusOnDteBroadcast(deps),
    retryBroadcastOnDteBroadcastFailed: retryBroadcastOnDteBroadcastFailed(deps),
    retryDteOnExceptionRetryRequested: retryDteOnExceptionRetryRequested(deps),
  };
}
