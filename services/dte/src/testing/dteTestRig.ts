import { DteBroadcastFailedV1, DteIssuedV1, type MtdEvent, Sources, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { dynamoFolioLedger, folioLedgerTable } from '#adapters/folioLedger';
import type { TaxAuthority } from '#adapters/taxAuthorityClient';
import type { DteDeps } from '#src/dteDeps';
import { createDte, type DteHandlers } from '#src/index';
import { testClock } from './testClock';

export const issuer = { rut: '76543210-3', name: 'MTD Retail SpA' };

/** dte wired to dynalite, a hand-moved clock and the given tax authority, for handler int tests. */
export async function startDteRig(
  taxAuthority: TaxAuthority,
  broadcast = { maxAttempts: 3, baseMs: 1000, maxMs: 8000 },
) {
  const engine: TestEngine = await startTestEngine({ tables: [folioLedgerTable('mtd-dte-folios')] });
  const time = testClock();
  const deps: DteDeps = {
    store: engine.storeFor(Sources.dte),
    clock: time.clock,
    ids: ulidGenerator(time.clock),
    random: () => 0.5,
    folios: dynamoFolioLedger({ client: engine.client, tableName: 'mtd-dte-folios' }),
    taxAuthority,
    issuer,
    broadcast,
  };
  const handlers: DteHandlers = createDte(deps);
  const context = (subscription: string) => ({ subscription, attempt: 1 });
  return {
    engine,
    deps,
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

/** dte's reactions to its own events (the subscriptions `broadcastDteOnDteIssued` and `retryBroadcastOnDteBroadcastFailed`). */
function reactorFor(handlers: DteHandlers, event: MtdEvent) {
  if (event.type === DteIssuedV1.detailType) return handlers.broadcastDteOnDteIssued;
  if (event.type === DteBroadcastFailedV1.detailType && !event.data.final)
    return handlers.retryBroadcastOnDteBroadcastFailed;
  return undefined;
}
