import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import type { FolioLedger } from '#adapters/folioLedger';
import type { TaxAuthority } from '#adapters/taxAuthorityClient';
import type { Issuer } from '#domain/dteXml';

/** Everything the dte handlers need, built once at the composition root. */
export interface DteDeps {
  /** An event store appending as `mtd.dte`. */
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  /** In [0,1); jitter of the broadcast backoff. */
  random: () => number;
  folios: FolioLedger;
  taxAuthority: TaxAuthority;
  /** The emitter printed on every DTE (RUTEmisor, RznSoc). */
  issuer: Issuer;
  /**
   * Broadcast retries: `maxAttempts` per round (the first plus the retries; an operator retry
   * starts a new round), and the full-jitter exponential backoff between them.
   */
  broadcast: { maxAttempts: number; baseMs: number; maxMs: number };
}
