import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Source } from '@mtd/contracts';
import { AppendFence } from '../appendFence';
import { type Clock, systemClock, ulidGenerator } from '../clock';
import { type DynaliteServer, startDynalite } from '../dynaliteServer';
import { DynamoEventStore, eventStoreTable } from '../dynamoEventStore';
import { ensureTables } from '../dynamoTables';
import { dynamoEffectClaims, type EffectClaims, effectClaimsTable } from '../effectClaims';

export interface TestEngine extends DynaliteServer {
  /** An event store appending as `producer` on the shared table, client and fence. */
  storeFor(producer: Source): DynamoEventStore;
  /** A read-only store (feed and streams). */
  reader: DynamoEventStore;
  fence: AppendFence;
  /** Effect claims on a claims table of the engine (Powertools Idempotency, as the runtimes use). */
  claims: EffectClaims;
}

/** An in-memory dynalite with the event store table (and any extra tables) created, for *.int.test.ts. */
export async function startTestEngine(
  options: { tables?: CreateTableCommandInput[]; clock?: Clock; settleMs?: number } = {},
): Promise<TestEngine> {
  const server = await startDynalite();
  const tableName = 'mtd-events';
  const claimsTable = 'mtd-effect-claims';
  await ensureTables(server.client, [
    eventStoreTable(tableName),
    effectClaimsTable(claimsTable),
    ...(options.tables ?? []),
  ]);
  const fence = new AppendFence(options.settleMs ?? 0);
  const clock = options.clock ?? systemClock;
  const reader = new DynamoEventStore({
    client: server.client,
    tableName,
    clock,
    ids: ulidGenerator(clock),
    fence,
  });
  return {
    ...server,
    fence,
    reader,
    storeFor: (producer) => reader.forProducer(producer),
    claims: dynamoEffectClaims({ client: server.client, tableName: claimsTable }),
  };
}
