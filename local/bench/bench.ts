/**
 * `npm run bench`: N orders through the whole local runtime on dynalite, over HTTP, and the event
 * store's append rate next to raw PutItem on the same engine. Prints a table, writes JSON.
 *
 *   npm run bench -- --orders 5000 --concurrency 32 --appends 3000 [--memory] [--rate 10]
 *
 * Without --rate the clients send as fast as intake answers, which measures throughput; latency then
 * mostly measures the queue in front of the slowest subscription. --rate N paces arrivals at N
 * orders/s (open loop), which measures latency below saturation.
 *
 * The load generator runs in the same process as the runtime (one Node event loop on 2 cores), so
 * the figures are a floor for what the runtime alone would do.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Sources, Streams } from '@mtd/contracts';
import { AppendFence, DynamoEventStore, ensureTables, eventStoreTable, ulidGenerator } from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';
import { startRuntime } from '../src/runtime';
import { orderXml, sampleOrder, seededRandom } from '../src/sampleOrders';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
    appends: { type: 'string', default: '3000' },
    memory: { type: 'boolean', default: false },
    rate: { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, '..', '..', 'bench-results') },
  },
});
const orders = Number(values.orders);
const concurrency = Number(values.concurrency);
const appends = Number(values.appends);
const rate = values.rate === undefined ? undefined : Number(values.rate);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function pool<T>(
  items: T[],
  size: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

async function choreography() {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-bench-'));
  const runtime = await startRuntime({
    dataDir,
    inMemory: values.memory,
    port: 0,
    taxAuthority: { failureRate: 0, latencyMs: { min: 1, max: 5 } },
    pollMs: 50,
  });
  const random = seededRandom(7);
  const bodies = Array.from({ length: orders }, (_, i) => {
    const order = sampleOrder({ orderId: `BENCH-${i.toString().padStart(6, '0')}`, random });
    return { orderId: order.orderId, body: orderXml(order) };
  });
  const acceptedAt = new Map<string, number>();
  const latencies: number[] = [];
  let completed = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const completedEarly = new Map<string, number>();
  runtime.onOrderChanged((view) => {
    if (view.stage !== 'completed' || completedEarly.has(view.orderId)) return;
    const now = performance.now();
    completedEarly.set(view.orderId, now);
    completed++;
    if (completed === orders) allDone();
  });
  const started = performance.now();
  let rejected = 0;
  await pool(bodies, concurrency, async ({ orderId, body }, index) => {
    if (rate) {
      const due = started + (index * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const response = await fetch(`${runtime.url}/orders`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/xml' },
    });
    await response.arrayBuffer();
    if (response.status !== 202) rejected++;
    acceptedAt.set(orderId, performance.now());
  });
  const intakeDone = performance.now();
  const timeout = setTimeout(() => allDone(), Math.max(300_000, orders * 200));
  await finished;
  clearTimeout(timeout);
  const ended = performance.now();
  for (const [orderId, at] of acceptedAt) {
    const done = completedEarly.get(orderId);
    if (done !== undefined) latencies.push(Math.max(0, done - at));
  }
  latencies.sort((a, b) => a - b);
  let events = 0;
  let position: string | undefined;
  for (;;) {
    const page = await runtime.reader.readFeed(position, { limit: 1000 });
    if (page.commits.length === 0) break;
    events += page.commits.reduce((n, c) => n + c.events.length, 0);
    position = page.position;
  }
  await runtime.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const seconds = (ended - started) / 1000;
  return {
    orders,
    completed,
    rejected,
    concurrency,
    rate: rate ?? 'unpaced',
    engine: values.memory ? 'dynalite (memory)' : 'dynalite (disk)',
    intakeSeconds: (intakeDone - started) / 1000,
    seconds,
    ordersPerSecond: completed / seconds,
    events,
    eventsPerSecond: events / seconds,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
    },
  };
}

async function storeVersusPutItem() {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-bench-store-'));
  const dynamo = await startDynalite(values.memory ? {} : { path: dataDir });
  await ensureTables(dynamo.client, [eventStoreTable('bench-events'), eventStoreTable('bench-raw')]);
  const ids = ulidGenerator();
  const store = new DynamoEventStore({
    client: dynamo.client,
    tableName: 'bench-events',
    producer: Sources.intake,
    ids,
    fence: new AppendFence(0),
  });
  const event = (orderId: string) => ({
    type: 'OrderRejected' as const,
    data: {
      orderId,
      rejectedAt: new Date().toISOString(),
      reasons: [{ path: 'lines', code: 'empty', message: 'the order has no lines' }],
    },
    metadata: {
      eventId: ids.next(),
      occurredAt: new Date().toISOString(),
      correlationId: orderId,
      causationId: 'bench',
      actor: 'system',
    },
  });
  const keys = Array.from({ length: appends }, (_, i) => `B-${i}`);
  const t0 = performance.now();
  await pool(keys, concurrency, async (key) => {
    await store.append(Streams.order(key), [event(key)], { expectedVersion: 'no-stream' });
  });
  const storeSeconds = (performance.now() - t0) / 1000;
  // The same item, written raw: same size, same condition, same index.
  const sample = JSON.stringify([{ metadata: event('B-x').metadata, data: event('B-x').data }]);
  const t1 = performance.now();
  await pool(keys, concurrency, async (key) => {
    const commitId = ids.next();
    await dynamo.client.send(
      new PutItemCommand({
        TableName: 'bench-raw',
        Item: {
          streamId: { S: Streams.order(key) },
          version: { N: '1' },
          lastVersion: { N: '1' },
          commitId: { S: commitId },
          day: { S: new Date().toISOString().slice(0, 10) },
          producer: { S: Sources.intake },
          events: { S: sample },
        },
        ConditionExpression: 'attribute_not_exists(streamId)',
      }),
    );
  });
  const rawSeconds = (performance.now() - t1) / 1000;
  await dynamo.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    appends,
    concurrency,
    storeAppendsPerSecond: appends / storeSeconds,
    rawPutItemsPerSecond: appends / rawSeconds,
    overheadRatio: rawSeconds === 0 ? Number.NaN : storeSeconds / rawSeconds,
  };
}

const flow = await choreography();
const store = await storeVersusPutItem();
const f = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`
MTD benchmark — ${new Date().toISOString()} — node ${process.version}
Whole choreography (${flow.engine}), ${flow.orders} orders over HTTP, ${flow.concurrency} concurrent clients, ${rate ? `paced at ${rate} orders/s` : 'unpaced'}
  completed orders       ${flow.completed} of ${flow.orders} (${flow.rejected} not accepted)
  wall time              ${f(flow.seconds)} s (intake accepted all in ${f(flow.intakeSeconds)} s)
  throughput             ${f(flow.ordersPerSecond)} orders/s, ${f(flow.eventsPerSecond)} events/s (${flow.events} events)
  accept -> projected    p50 ${f(flow.latencyMs.p50, 0)} ms | p95 ${f(flow.latencyMs.p95, 0)} ms | p99 ${f(flow.latencyMs.p99, 0)} ms | max ${f(flow.latencyMs.max, 0)} ms
Event store vs raw DynamoDB on the same engine, ${store.appends} one-event commits, ${store.concurrency} concurrent
  event store append     ${f(store.storeAppendsPerSecond)} /s
  raw PutItem            ${f(store.rawPutItemsPerSecond)} /s
  store overhead         ${f(store.overheadRatio, 2)}x the time of a raw PutItem
`);
mkdirSync(values.out, { recursive: true });
const result = { at: new Date().toISOString(), node: process.version, choreography: flow, eventStore: store };
writeFileSync(join(values.out, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`JSON: ${join(values.out, 'bench.json')}`);
