import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Source } from '@mtd/contracts';
import { AppendFence } from '../appendFence';
import { type Clock, systemClock, ulidGenerator } from '../clock';
import { type DynaliteServer, startDynalite } from '../dynaliteServer';
import { DynamoEventStore, eventStoreTable } from '../dynamoEventStore';
import { ensureTables } from '../dynamoTables';

export interface TestEngine extends DynaliteServer {
  /** An event store appending as `producer` on the shared table, client and fence. */
  storeFor(producer: Source): DynamoEventStore;
  /** A read-only store (feed and streams). */
  reader: DynamoEventStore;
  fence: AppendFence;
}

/** An in-memory dynalite with the event store table (and any extra tables) created, for *.int.test.ts. */
export async function startTestEngine(
  options: { tables?: CreateTableCommandInput[]; clock?: Clock; settleMs?: number } = {},
): Promise<TestEngine> {
  const server = await startDynalite();
  const tableName = 'mtd-events';
  await ensureTables(server.client, [eventStoreTable(tableName), ...(options.tables ?? [])]);
  const fence = new AppendFence(options.settleMs ?? 0);
  const clock = options.clock ?? systemClock;
  const reader = new DynamoEventStore({
    client: server.client,
    tableName,
    clock,
    ids: ulidGenerator(clock),
    fence,
  });
  return { ...server, fence, reader, storeFor: (producer) => reader.forProducer(producer) };
}
