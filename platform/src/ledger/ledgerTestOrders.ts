import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  CustomerNotifiedV1,
  DteBroadcastV1,
  latestDefinition,
  type Source,
  Sources,
  Streams,
} from '@mtd/contracts';
import { AppendFence } from '../appendFence';
import { type Clock, type IdGenerator, ulidGenerator } from '../clock';
import { DynamoEventStore, eventStoreTable } from '../dynamoEventStore';
import type { NewEvent } from '../eventStore';
import { anOrderAccepted } from '../testing';
import { Ledger, type LedgerOptions, ledgerTable } from './dynamoLedger';
import { hmacLedgerSalts } from './ledgerLeaf';
import { ed25519LedgerSigner, type LedgerSigner } from './ledgerSigner';
import { DynamoStoredEvents } from './storedEvents';

/**
 * Test and bench support: appends a small order history through the event store, three commits on
 * three streams owned by three producers (intake, dte, notification), with personal data in two of them.
 */
export async function appendOrder(
  engine: { storeFor(producer: Source): DynamoEventStore },
  orderId: string,
  ids: IdGenerator,
): Promise<void> {
  const at = '2026-11-24T10:00:01.000Z';
  const metadata = (causationId: string) => ({
    eventId: ids.next(),
    occurredAt: at,
    correlationId: orderId,
    causationId,
    actor: 'system',
  });
  const accepted = anOrderAccepted(orderId, ids.next());
  await engine
    .storeFor(Sources.intake)
    .append(Streams.order(orderId), [accepted], { expectedVersion: 'no-stream' });
  // Data from each contract's own example (its latest version), so the history keeps up with the schemas.
  const broadcast: NewEvent = {
    type: DteBroadcastV1.detailType,
    data: { ...exampleOf(DteBroadcastV1.detailType), orderId, trackId: `T-${orderId}` },
    metadata: metadata(accepted.metadata.eventId),
  };
  await engine
    .storeFor(Sources.dte)
    .append(Streams.dte(orderId), [broadcast], { expectedVersion: 'no-stream' });
  const notified: NewEvent = {
    type: CustomerNotifiedV1.detailType,
    data: {
      ...exampleOf(CustomerNotifiedV1.detailType),
      orderId,
      to: 'ana@example.cl',
      messageId: `${orderId}.eml`,
    },
    metadata: metadata(broadcast.metadata.eventId),
  };
  await engine
    .storeFor(Sources.notification)
    .append(Streams.notification(orderId), [notified], { expectedVersion: 'no-stream' });
}

function exampleOf(eventType: string): Record<string, unknown> {
  return structuredClone(latestDefinition(eventType)!.example) as Record<string, unknown>;
}

/** Ledger pages and checkpoints are stamped with this (tests never depend on today's date). */
export const ledgerClock: Clock = { now: () => new Date('2026-11-24T12:00:00.000Z') };
export const testSalts = hmacLedgerSalts(Buffer.alloc(32, 42));

/** What a fixture appends through and reads from: the event store on its own table. */
export interface FixtureStore {
  client: DynamoDBClient;
  tableName: string;
  storeFor(producer: Source): DynamoEventStore;
  reader: DynamoEventStore;
}

export interface LedgerFixture {
  engine: FixtureStore;
  ledger: Ledger;
  ledgerTableName: string;
  signer: LedgerSigner;
  /** The event store table read as stored. */
  stored: DynamoStoredEvents;
  /** Feeds the ledger every commit of the feed it has not had yet, a page (100 commits) at a time. */
  catchUp(ledger?: Ledger): Promise<void>;
  /** Another writer (or the same after a restart) on the same table. */
  newLedger(options?: Partial<LedgerOptions>): Ledger;
}

let fixtures = 0;

/**
 * A fresh event store table and ledger table on a shared engine (so each test pays for two tables, not
 * for an engine), `orders` orders appended and caught up.
 */
export async function startLedgerFixture(
  dynamo: { client: DynamoDBClient },
  { orders = 0, ...ledgerOptions }: { orders?: number } & Partial<LedgerOptions> = {},
): Promise<LedgerFixture> {
  fixtures += 1;
  const client = dynamo.client;
  const eventsTable = `events-${fixtures}`;
  const ledgerTableName = `ledger-${fixtures}`;
  await createTables(client, [eventStoreTable(eventsTable), ledgerTable(ledgerTableName)]);
  const reader = new DynamoEventStore({ client, tableName: eventsTable, fence: new AppendFence(0) });
  const engine: FixtureStore = {
    client,
    tableName: eventsTable,
    reader,
    storeFor: (p) => reader.forProducer(p),
  };
  const ids = ulidGenerator();
  const signer = ed25519LedgerSigner();
  const newLedger = (options: Partial<LedgerOptions> = {}) =>
    new Ledger({
      client,
      tableName: ledgerTableName,
      origin: 'mtd-ledger',
      clock: ledgerClock,
      salts: testSalts,
      signer,
      ...ledgerOptions,
      ...options,
    });
  const ledger = newLedger();
  let position: string | undefined;
  const catchUp = async (writer = ledger) => {
    for (;;) {
      const page = await reader.readFeed(position, { limit: 100 });
      if (page.commits.length === 0) return;
      await writer.appendCommits(page.commits);
      position = page.position;
    }
  };
  for (let i = 0; i < orders; i++) await appendOrder(engine, `PO-${i}`, ids);
  await catchUp();
  return {
    engine,
    ledger,
    ledgerTableName,
    signer,
    stored: new DynamoStoredEvents({ client, tableName: eventsTable }),
    catchUp,
    newLedger,
  };
}

/** Creates tables and waits (polling briefly, unlike the SDK waiter's 1 s steps) until each is active. */
export async function createTables(client: DynamoDBClient, tables: CreateTableCommandInput[]): Promise<void> {
  for (const table of tables) {
    await client.send(new CreateTableCommand(table));
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table.TableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
