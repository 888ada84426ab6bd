/**
 * Raw conditional PutItem rate of the embedded DynamoDB engine (dynalite 4.0.0), through the AWS
 * SDK client the adapters use, for each way of reaching it:
 *   socket     dynalite listening on 127.0.0.1, SDK over loopback HTTP with SigV4 (the old way);
 *   in-process startDynalite(): the SDK's request handler calls dynalite directly, unsigned;
 *   in-process+sigv4  the same handler with the SDK's default SigV4 signer (what skipping it saves).
 * Each in memory and on disk (LevelDB in a temporary folder), sequential and with 16 calls in flight.
 * CPU is the whole process's (user + system, all threads), divided by the calls.
 *
 * Each row is the median of `--rounds` runs (the machine is shared; a single run is noisy).
 *
 * npx tsx platform/scripts/enginePutRate.ts [--calls 2000] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { dynamoClientFor, startDynalite } from '../src/dynaliteServer';
import { ensureTables } from '../src/dynamoTables';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const warmUpCalls = 300;
const tableName = 'bench-puts';

interface Engine {
  client: DynamoDBClient;
  close(): Promise<void>;
}

async function socketEngine(path: string | undefined): Promise<Engine> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(path ? { path } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = dynamoClientFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    client,
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function inProcessEngine(path: string | undefined, signed: boolean): Promise<Engine> {
  const engine = await startDynalite(path ? { path } : {});
  if (!signed) return engine;
  // The in-process handler with the SDK's default auth (SigV4), to see what skipping the signer saves.
  const client = new DynamoDBClient({
    endpoint: engine.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: engine.client.config.requestHandler,
  });
  return {
    client,
    close: () => {
      client.destroy();
      return engine.close();
    },
  };
}

/** An item the size of a typical commit (about 400 bytes). */
function put(client: DynamoDBClient, pk: string) {
  return client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        pk: { S: pk },
        sk: { N: '1' },
        kind: { S: 'commit' },
        data: {
          S: JSON.stringify({ orderId: pk, lines: [{ sku: 'SKU-1', qty: 2, price: 1990 }] }).repeat(4),
        },
        recordedAt: { S: '2026-12-04T10:00:00.000Z' },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

async function runCalls(client: DynamoDBClient, prefix: string, count: number, inFlight: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < count; i = next++) await put(client, `${prefix}-${i}`);
    }),
  );
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] ?? 0;

async function measure(client: DynamoDBClient, prefix: string, inFlight: number) {
  await runCalls(client, `${prefix}-warm`, warmUpCalls, inFlight);
  const runs = [];
  for (let round = 0; round < rounds; round++)
    runs.push(await measureOnce(client, `${prefix}-${round}`, inFlight));
  return {
    perSecond: median(runs.map((run) => run.perSecond)),
    cpuMsPerCall: median(runs.map((run) => run.cpuMsPerCall)),
  };
}

async function measureOnce(client: DynamoDBClient, prefix: string, inFlight: number) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await runCalls(client, prefix, calls, inFlight);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { perSecond: (calls / wallMs) * 1000, cpuMsPerCall: (used.user + used.system) / 1000 / calls };
}

// Wall rates move with the machine's other work; CPU per call much less so.
const loadAtStart = loadavg()[0]?.toFixed(2);
const rows: string[] = [];
const variants = [
  ['socket', (path: string | undefined) => socketEngine(path)],
  ['in-process', (path: string | undefined) => inProcessEngine(path, false)],
  ['in-process+sigv4', (path: string | undefined) => inProcessEngine(path, true)],
] as const;
for (const storage of ['memory', 'disk'] as const) {
  for (const [name, open] of variants) {
    const folder = storage === 'disk' ? mkdtempSync(join(tmpdir(), 'mtd-engine-put-rate-')) : undefined;
    const engine = await open(folder);
    try {
      await ensureTables(engine.client, [
        {
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        },
      ]);
      for (const inFlight of [1, 16]) {
        const result = await measure(engine.client, `${name}-${inFlight}`, inFlight);
        rows.push(
          [
            name.padEnd(17),
            storage.padEnd(7),
            String(inFlight).padStart(9),
            result.perSecond.toFixed(0).padStart(8),
            result.cpuMsPerCall.toFixed(3).padStart(12),
          ].join(' '),
        );
        console.error(rows.at(-1));
      }
    } finally {
      await engine.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
    }
  }
}
console.log(
  `conditional PutItem: median of ${rounds} runs of ${calls} calls after ${warmUpCalls} warm-up; node ${process.version}; ` +
    `load average at start ${loadAtStart}, at end ${loadavg()[0]?.toFixed(2)} on ${availableParallelism()} cores`,
);
console.log(`${'engine'.padEnd(17)} ${'storage'.padEnd(7)} in-flight  puts/s  cpu-ms/call`);
for (const row of rows) console.log(row);
