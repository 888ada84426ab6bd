/**
 * CPU per DynamoDB call through the in-process engine (startDynalite, in memory), for the client
 * `dynamoClientFor` builds (middleware resolved once per command, no user-agent/host/trace headers,
 * the input handed to the engine without the JSON round trip: dynaliteDirectCalls.ts) against a
 * client with the SDK's per-call defaults over the engine's request handler (the stack resolved on
 * every call, every header built, JSON both ways). Both unsigned, both on the same engine, so the
 * difference is the SDK's own work.
 * GetItem of a ~2 KB item and conditional PutItem of it, one call at a time; CPU is the whole
 * process's (user + system), divided by the calls; each row the median of `--rounds` runs.
 *
 * npx tsx platform/scripts/sdkCallCost.ts [--calls 5000] [--rounds 5]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClientFor, startDynalite } from '../src/dynaliteServer';
import { ensureTables } from '../src/dynamoTables';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '5' } },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const tableName = 'sdk-call-cost';

const engine = await startDynalite();
await ensureTables(engine.client, [
  {
    TableName: tableName,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  },
]);
const sdkDefaults = new DynamoDBClient({
  endpoint: engine.endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 10,
  requestHandler: engine.client.config.requestHandler,
  httpAuthSchemes: engine.client.config.httpAuthSchemes,
});
const clients: Record<string, DynamoDBClient> = {
  'SDK defaults': sdkDefaults,
  dynamoClientFor: dynamoClientFor(engine.endpoint),
};
const item = { pk: { S: 'order-PO-1' }, body: { S: 'x'.repeat(2000) } };
const operations = {
  GetItem: (client: DynamoDBClient) =>
    client.send(new GetItemCommand({ TableName: tableName, Key: { pk: item.pk } })),
  PutItem: (client: DynamoDBClient, i: number) =>
    client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...item, pk: { S: `order-${i}` } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
};
await operations.PutItem(engine.client, -1);
await engine.client.send(new PutItemCommand({ TableName: tableName, Item: item }));

let next = 0;
async function microsecondsPerCall(
  client: DynamoDBClient,
  operation: (c: DynamoDBClient, i: number) => Promise<unknown>,
) {
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await operation(client, next++);
  const { user, system } = process.cpuUsage(before);
  return (user + system) / calls;
}

console.log(
  `${calls} calls a run, median of ${rounds} runs; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const [name, operation] of Object.entries(operations)) {
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(clients).map((label) => [label, []]),
  );
  for (const client of Object.values(clients)) await microsecondsPerCall(client, operation); // warm up
  for (let round = 0; round < rounds; round++)
    for (const [label, client] of Object.entries(clients))
      samples[label]!.push(await microsecondsPerCall(client, operation));
  for (const [label, list] of Object.entries(samples)) {
    const median = list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    console.log(`${name.padEnd(8)} ${label.padEnd(16)} ${median.toFixed(0).padStart(5)} µs CPU per call`);
  }
}
sdkDefaults.destroy();
await engine.close();
