import type { Clock, EffectClaims, EventStore, IdGenerator } from '@mtd/platform';
import type { CafStore } from '#adapters/cafStore';
import type { FolioLedger } from '#adapters/folioLedger';
import type { CredentialsSource } from '#adapters/issuerCredentials';
import type { OperationsAlerts } from '#adapters/operationsAlerts';
import type { TaxAuthority } from '#adapters/taxAuthorityClient';
import type { Issuer } from '#domain/dteXml';
import type { DteSigner } from '#signing/dteSigner';

/** Everything the dte handlers need, built once at the composition root. */
export interface DteDeps {
  /** An event store appending as `mtd.dte`. */
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  /** In [0,1); jitter of the broadcast backoff. */
  random: () => number;
  /** Folios: unique, gapless, only from the loaded CAF ranges. */
  folios: FolioLedger;
  /** The CAFs the SII issued to the issuer (ranges and TED keys). */
  cafs: CafStore;
  /** The issuer's certificate and key: they sign every document, envelope and token request. */
  credentials: CredentialsSource;
  /**
   * Where documents and envelopes are stamped and signed (default: in this thread, `inlineSigner`,
   * as a Lambda does; the local runtime passes a thread signer to keep its event loop free).
   */
  signer?: DteSigner;
  taxAuthority: TaxAuthority;
  /** Claims taken before each upload, so one cause uploads at most once (platform `EffectClaims`). */
  claims: EffectClaims;
  /** The emitter printed on every DTE and envelope. */
  issuer: Issuer;
  /** Folios running low or out, the certificate near its end. */
  alerts: OperationsAlerts;
  /** Warn when this many authorised folios of a type, or fewer, are left (default 100). */
  folioLowWater?: number;
  /** Warn when the signing certificate expires within this many days (default 30). */
  certificateWarningDays?: number;
  /**
   * Broadcast retries: `maxAttempts` per round (the first plus the retries; an operator retry
   * starts a new round), and the full-jitter exponential backoff between them.
   */
  broadcast: { maxAttempts: number; baseMs: number; maxMs: number };
  /** How long to wait before asking the SII again for the verdict on a received envelope (default 5 s). */
  statusPollMs?: number;
}
