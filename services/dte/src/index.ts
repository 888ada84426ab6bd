import type { EventHandler } from '@mtd/platform';
import { broadcastDteOnDteIssued } from '#handlers/broadcastDteOnDteIssued';
import { issueDteOnOrderAccepted } from '#handlers/issueDteOnOrderAccepted';
import { retryBroadcastOnDteBroadcastFailed } from '#handlers/retryBroadcastOnDteBroadcastFailed';
import { retryDteOnExceptionRetryRequested } from '#handlers/retryDteOnExceptionRetryRequested';
import type { DteDeps } from '#src/dteDeps';

export {
  byOrderIndex,
  type DynamoFolioLedgerOptions,
  dynamoFolioLedger,
  FolioContentionError,
  type FolioLedger,
  folioLedgerTable,
} from '#adapters/folioLedger';
export {
  type DteSubmission,
  type HttpTaxAuthorityOptions,
  httpTaxAuthority,
  type TaxAuthority,
  TaxAuthorityRejectedError,
  TaxAuthorityUnavailableError,
} from '#adapters/taxAuthorityClient';
export {
  AmountOutOfRangeError,
  type DteAmounts,
  type DteLine,
  dteAmounts,
  dteTypeFor,
  lineTotal,
  netOfGross,
} from '#domain/amounts';
export { type DteCommand, DteTooLargeError, decide, InvalidDteCommandError } from '#domain/decideDte';
export { type DteState, evolve, initialState } from '#domain/dte';
export { buildDteXml, genericConsumerRut, type Issuer } from '#domain/dteXml';
export { AcceptedOrderNotFoundError } from '#handlers/retryDteOnExceptionRetryRequested';
export type { DteDeps } from '#src/dteDeps';
export { UnexpectedEventError } from '#src/unexpectedEventError';

/** The dte service's handlers, one per subscription in `@mtd/contracts` (`subscriptions.ts`). */
export interface DteHandlers {
  issueDteOnOrderAccepted: EventHandler;
  broadcastDteOnDteIssued: EventHandler;
  retryBroadcastOnDteBroadcastFailed: EventHandler;
  retryDteOnExceptionRetryRequested: EventHandler;
}

/**
 * The dte service, wired. The same handlers run under the local runtime and in Lambda.
 *
 * @example
 * const dte = createDte({ store: store.forProducer(Sources.dte), clock: systemClock, ids: ulidGenerator(),
 *   random: Math.random, folios: dynamoFolioLedger({ client, tableName: 'mtd-dte-folios' }),
 *   taxAuthority: httpTaxAuthority({ baseUrl, timeoutMs: 5000 }),
 *   issuer: { rut: '76543210-3', name: 'MTD Retail SpA' },
 *   broadcast: { maxAttempts: 5, baseMs: 1000, maxMs: 60_000 } });
 */
export function createDte(deps: DteDeps): DteHandlers {
  return {
    issueDteOnOrderAccepted: issueDteOnOrderAccepted(deps),
    broadcastDteOnDteIssued: broadcastDteOnDteIssued(deps),
    retryBroadcastOnDteBroadcastFailed: retryBroadcastOnDteBroadcastFailed(deps),
    retryDteOnExceptionRetryRequested: retryDteOnExceptionRetryRequested(deps),
  };
}
