/**
 * Ledger bench: what the audit ledger costs the choreography, and how fast `verify` runs.
 *
 *   npx tsx platform/scripts/ledgerBench.ts [--events 100000] [--page 100] [--checkpoint-every 50] [--memory]
 *
 * Fills an in-memory engine with `--events` events (orders of three commits on three streams:
 * OrderAccepted, DteBroadcast, CustomerNotified; bulk-written with BatchWriteItem, as the store would
 * have written them), then
 * 1. runs the ledger writer as the runtime would: reads the feed `--page` commits at a time and appends
 *    each page, with a checkpoint every `--checkpoint-every` pages; prints the ledger's DynamoDB calls
 *    (counted at its client) per 100 events and per order;
 * 2. runs `verify` over the whole store, through the feed and through a table scan; prints events/s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type AttributeValue, BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CustomerNotifiedV1,
  DteBroadcastV1,
  type EventMetadata,
  OrderAcceptedV1,
  Sources,
  Streams,
} from '@mtd/contracts';
import { AppendFence } from '../src/appendFence';
import { type Clock, ulidGenerator } from '../src/clock';
import { startDynalite } from '../src/dynaliteServer';
import { commitItem, DynamoEventStore, eventStoreTable } from '../src/dynamoEventStore';
import { Ledger, ledgerTable } from '../src/ledger/dynamoLedger';
import { hmacLedgerSalts } from '../src/ledger/ledgerLeaf';
import { ed25519LedgerSigner } from '../src/ledger/ledgerSigner';
import { appendOrder, createTables } from '../src/ledger/ledgerTestOrders';
import { DynamoStoredEvents, feedCommits } from '../src/ledger/storedEvents';
import { anOrderAccepted } from '../src/testing';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    page: { type: 'string', default: '100' },
    'checkpoint-every': { type: 'string', default: '50' },
    memory: { type: 'boolean', default: false },
  },
});
const targetEvents = Number(values.events);
const pageSize = Number(values.page);
const checkpointEvery = Number(values['checkpoint-every']);

/** A client that counts the commands sent through it, by name. */
function counting(client: DynamoDBClient): { client: DynamoDBClient; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const send = (command: { constructor: { name: string } }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    calls.set(name, (calls.get(name) ?? 0) + 1);
    return client.send(command as never);
  };
  return { client: { send } as unknown as DynamoDBClient, calls };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const rssMb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);

// On disk by default, as `mtd audit verify --data DIR` reads a stopped runtime's engine; `--memory`
// keeps the engine in this process's heap instead (its garbage collection then weighs on verify).
const dataDir = values.memory ? undefined : await mkdtemp(join(tmpdir(), 'ledger-bench-'));
const dynamo = await startDynalite(dataDir ? { path: dataDir } : {});
console.log(`engine: dynalite ${dataDir ? `on disk (${dataDir})` : 'in memory'}`);
const client = dynamo.client;
await createTables(client, [eventStoreTable('mtd-events'), ledgerTable('mtd-ledger')]);

// An hour ago, so every commit is settled for the feed; the store's own append writes the day index.
const clock: Clock = { now: () => new Date(Date.now() - 3_600_000) };
const ids = ulidGenerator(clock);
const store = new DynamoEventStore({
  client,
  tableName: 'mtd-events',
  clock,
  ids,
  fence: new AppendFence(0),
});
await appendOrder({ storeFor: (producer) => store.forProducer(producer) }, 'PO-0', ids);

// ---- Fill ----
let fillStart = performance.now();
const orders = Math.ceil(targetEvents / 3) - 1;
let batch: Record<string, AttributeValue>[] = [];
const flush = async () => {
  let pending = batch.map((Item) => ({ PutRequest: { Item } }));
  batch = [];
  while (pending.length > 0) {
    const result = await client.send(new BatchWriteItemCommand({ RequestItems: { 'mtd-events': pending } }));
    pending = (result.UnprocessedItems?.['mtd-events'] ?? []) as typeof pending;
  }
};
const at = '2026-11-24T10:00:01.000Z';
const meta = (streamId: string, eventType: string, producer: string, orderId: string): EventMetadata => ({
  eventId: ids.next(),
  eventType,
  eventVersion: 1,
  streamId,
  streamVersion: 1,
  occurredAt: at,
  correlationId: orderId,
  causationId: `req-${orderId}`,
  producer,
  actor: 'system',
});
for (let i = 1; i <= orders; i++) {
  const orderId = `PO-${i}`;
  const accepted = anOrderAccepted(orderId, ids.next());
  const commits = [
    {
      streamId: Streams.order(orderId),
      producer: Sources.intake,
      envelopes: [
        {
          metadata: meta(Streams.order(orderId), OrderAcceptedV1.detailType, Sources.intake, orderId),
          data: accepted.data,
        },
      ],
    },
    {
      streamId: Streams.dte(orderId),
      producer: Sources.dte,
      envelopes: [
        {
          metadata: meta(Streams.dte(orderId), DteBroadcastV1.detailType, Sources.dte, orderId),
          data: {
            orderId,
            dteType: 39,
            folio: 1000 + i,
            broadcastAt: at,
            attempt: 1,
            trackId: `T-${orderId}`,
          },
        },
      ],
    },
    {
      streamId: Streams.notification(orderId),
      producer: Sources.notification,
      envelopes: [
        {
          metadata: meta(
            Streams.notification(orderId),
            CustomerNotifiedV1.detailType,
            Sources.notification,
            orderId,
          ),
          data: {
            orderId,
            notifiedAt: at,
            channel: 'email',
            to: `cliente${i}@example.cl`,
            subject: `Tu boleta electrónica – pedido ${orderId}`,
            messageId: `${orderId}.eml`,
          },
        },
      ],
    },
  ];
  for (const commit of commits) {
    batch.push(commitItem({ ...commit, version: 1, commitId: ids.next() }));
    if (batch.length === 25) await flush();
  }
}
await flush();
const events = (orders + 1) * 3;
console.log(
  `filled ${fmt(events)} events (${fmt(orders + 1)} orders) in ${fmt((performance.now() - fillStart) / 1000, 1)} s`,
);
fillStart = 0;

// ---- 1. The writer, page by page, as the runtime runs it ----
const counted = counting(client);
const ledger = new Ledger({
  client: counted.client,
  tableName: 'mtd-ledger',
  clock,
  salts: hmacLedgerSalts(Buffer.alloc(32, 1)),
  signer: ed25519LedgerSigner(),
});
let position: string | undefined;
let pages = 0;
let appendCalls = 0;
let feedMs = 0;
const appendStart = performance.now();
for (;;) {
  const feedStart = performance.now();
  const page = await store.readFeed(position, { limit: pageSize });
  feedMs += performance.now() - feedStart;
  if (page.commits.length === 0) break;
  await ledger.appendCommits(page.commits);
  appendCalls += 1;
  pages += 1;
  position = page.position;
  if (pages % checkpointEvery === 0) await ledger.checkpoint();
}
const checkpoint = await ledger.checkpoint();
const appendMs = performance.now() - appendStart - feedMs;
const callsByOp = Object.fromEntries(counted.calls);
const ledgerCalls = [...counted.calls.values()].reduce((a, b) => a + b, 0);
console.log('\nledger writer (reading the feed %d commits a page)', pageSize);
console.log(`  appendPage calls:              ${fmt(appendCalls)} for ${fmt(checkpoint.treeSize)} events`);
console.log(`  DynamoDB calls by the ledger:  ${fmt(ledgerCalls)} ${JSON.stringify(callsByOp)}`);
console.log(`  appendPage calls per 100 events: ${fmt((appendCalls / checkpoint.treeSize) * 100, 2)}`);
console.log(`  ledger DynamoDB calls per 100 events: ${fmt((ledgerCalls / checkpoint.treeSize) * 100, 2)}`);
console.log(
  `  ledger DynamoDB calls per order (3 events): ${fmt((ledgerCalls / checkpoint.treeSize) * 3, 3)}`,
);
console.log(
  `  ledger time (feed reads excluded): ${fmt(appendMs / 1000, 2)} s, ${fmt(checkpoint.treeSize / (appendMs / 1000))} events/s`,
);

// ---- 2. verify ----
// First the store read alone (no hashing): the part of verify's time the engine and SDK take.
for (const [name, source] of [
  ['the feed', feedCommits(store)],
  ['a table scan, 1 segment', new DynamoStoredEvents({ client, tableName: 'mtd-events', segments: 1 })],
  ['a table scan, 4 segments', new DynamoStoredEvents({ client, tableName: 'mtd-events', segments: 4 })],
] as const) {
  const start = performance.now();
  let read = 0;
  for await (const commits of source.commits()) for (const commit of commits) read += commit.events.length;
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `\nstore read alone through ${name}: ${fmt(read)} events in ${fmt(seconds, 2)} s, ${fmt(read / seconds)} events/s`,
  );
}

for (const [name, source] of [
  ['the feed (EventStoreReader)', store],
  ['a table scan (DynamoStoredEvents)', new DynamoStoredEvents({ client, tableName: 'mtd-events' })],
] as const) {
  const verifier = new Ledger({
    client,
    tableName: 'mtd-ledger',
    clock,
    salts: hmacLedgerSalts(Buffer.alloc(32, 1)),
  });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await verifier.verify(source);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`\nverify through ${name}`);
  console.log(
    `  ok=${result.ok} treeSize=${fmt(result.treeSize)} checked=${fmt(result.checkedEvents)} checkpoints=${result.checkpoints} problems=${result.problems.length}`,
  );
  console.log(
    `  ${fmt(seconds, 2)} s wall: ${fmt(result.checkedEvents / seconds)} events/s; ${fmt(cpuSeconds, 2)} CPU-s: ${fmt(result.checkedEvents / cpuSeconds)} events per CPU-second; RSS ${rssMb()} MB`,
  );
}
await dynamo.close();
if (dataDir) await rm(dataDir, { recursive: true, force: true });
