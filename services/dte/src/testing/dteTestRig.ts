import {
  DteBroadcastFailedV2,
  DteBroadcastV2,
  DteIssuedV2,
  type MtdEvent,
  Sources,
  Streams,
} from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { dynamoFolioLedger, folioLedgerTable } from '#adapters/folioLedger';
import type { TaxAuthority } from '#adapters/taxAuthorityClient';
import type { DteDeps } from '#src/dteDeps';
import { createDte, type DteHandlers } from '#src/index';
import { testClock } from './testClock';
import { aTestCaf, memoryCafStore, recordingAlerts, testCredentialsSource, testIssuer } from './testIssuer';

export const issuer = testIssuer;

/**
 * dte wired to dynalite, a hand-moved clock and the given tax authority, for handler int tests. CAFs:
 * folios 1..1000 of each type unless `cafs` says otherwise.
 */
export async function startDteRig(
  taxAuthority: TaxAuthority,
  broadcast = { maxAttempts: 3, baseMs: 1000, maxMs: 8000 },
  options: { cafs?: ReturnType<typeof aTestCaf>[]; folioLowWater?: number } = {},
) {
  const cafs = memoryCafStore(options.cafs ?? [aTestCaf(33, 1, 1000), aTestCaf(39, 1, 1000)]);
  const alerts = recordingAlerts();
  const engine: TestEngine = await startTestEngine({ tables: [folioLedgerTable('mtd-dte-folios')] });
  const time = testClock();
  const deps: DteDeps = {
    store: engine.storeFor(Sources.dte),
    clock: time.clock,
    ids: ulidGenerator(time.clock),
    random: () => 0.5,
    folios: dynamoFolioLedger({ client: engine.client, tableName: 'mtd-dte-folios' }),
    cafs,
    credentials: testCredentialsSource,
    taxAuthority,
    claims: engine.claims,
    issuer,
    alerts,
    ...(options.folioLowWater === undefined ? {} : { folioLowWater: options.folioLowWater }),
    broadcast,
    statusPollMs: 2000,
  };
  const handlers: DteHandlers = createDte(deps);
  const context = (subscription: string) => ({ subscription, attempt: 1 });
  return {
    engine,
    deps,
    cafs,
    alerts,
    time,
    handlers,
    context,
    async dteEvents(orderId: string): Promise<MtdEvent[]> {
      return (await engine.reader.readStream(Streams.dte(orderId))).events;
    },
    /**
     * Delivers dte's own events to its reactors until none is left, like the runtime: a
     * `{ retryAt }` moves the clock there and delivers again. Returns the events it delivered.
     */
    async settle(orderId: string, options: { maxDeliveries?: number } = {}): Promise<MtdEvent[]> {
      const delivered = new Set<string>();
      const seen: MtdEvent[] = [];
      for (let n = 0; n < (options.maxDeliveries ?? 50); n++) {
        const pending = (await this.dteEvents(orderId)).find((e) => !delivered.has(e.metadata.eventId));
        if (!pending) return seen;
        delivered.add(pending.metadata.eventId);
        seen.push(pending);
        const handler = reactorFor(handlers, pending);
        if (!handler) continue;
        for (;;) {
          const result = await handler(pending, context('settle'));
          if (!result) break;
          time.set(result.retryAt);
        }
      }
      throw new Error(`dte stream of ${orderId} did not settle`);
    },
    close: () => engine.close(),
  };
}

/** dte's reactions to its own events (its subscriptions on DteIssued, DteBroadcast and DteBroadcastFailed). */
function reactorFor(handlers: DteHandlers, event: MtdEvent) {
  if (event.type === DteIssuedV2.detailType) return handlers.broadcastDteOnDteIssued;
  if (event.type === DteBroadcastV2.detailType && event.data.status === 'received')
    return handlers.checkDteStatusOnDteBroadcast;
  if (event.type === DteBroadcastFailedV2.detailType && !event.data.final)
    return handlers.retryBroadcastOnDteBroadcastFailed;
  return undefined;
}
