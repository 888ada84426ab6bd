// Per-order capacity and cost from the emulated cloud's call log (`npm run test:cloud` writes it:
// node_modules/.cache/mtd-cloud/last-run.json). Run: `npx tsx infra/scripts/capacity.ts [file]`.
// docs/capacity.md quotes its output; the prices below are AWS list prices in us-east-1, dated.
import { readFileSync } from 'node:fs';
import type { AwsCall } from '../cloud/callLog';
import type { Invocation } from '../cloud/cloudHarness';
import { cloudRunLogPath } from '../cloud/cloudTier';

interface CloudRun {
  orders: number;
  functions: Record<string, { memoryMb: number }>;
  calls: AwsCall[];
  invocations: Invocation[];
  events: { type: string; bytes: number }[];
}

/** us-east-1 list prices, read on 2026-12-04 from the AWS pricing pages (docs/capacity.md cites them). */
export const prices = {
  date: '2026-12-04',
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** EventBridge custom events, per 64 KB chunk of an entry. */
  eventBridgeEvent: 1.0 / 1e6,
  /** SQS per request (64 KB chunk); FIFO requests cost more. */
  sqsStandardRequest: 0.4 / 1e6,
  sqsFifoRequest: 0.5 / 1e6,
  /** DynamoDB on-demand. */
  dynamoWriteRequestUnit: 0.625 / 1e6,
  dynamoReadRequestUnit: 0.125 / 1e6,
  sesEmail: 0.1 / 1000,
  apiGatewayRestRequest: 3.5 / 1e6,
  secretsManagerCall: 0.05 / 10_000,
  cloudWatchGetMetricDataMetric: 0.01 / 1000,
};

const readOperations = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);

export function capacityOf(run: CloudRun) {
  const perOrder = (n: number) => n / run.orders;
  const sqsCalls = run.calls.filter((call) => call.service === 'sqs');
  const fifo = (call: AwsCall) => call.authorizations.some((a) => a.resource.endsWith('.fifo'));
  // Lambda's pollers: a receive that returned messages is one SQS-triggered invocation; the harness's
  // empty receives between rounds are its own loop, not load (idle polling is a fixed cost, below).
  const sqsInvocations = run.invocations.filter((i) => i.trigger === 'sqs');
  const sqsRequests = sqsCalls.filter((call) => call.operation !== 'ReceiveMessage');
  const dynamo = run.calls.filter((call) => call.service === 'dynamodb');
  const units = (calls: AwsCall[]) =>
    calls.reduce(
      (sum, call) => sum + (call.consumedCapacity ?? []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0),
      0,
    );
  const readUnits = units(dynamo.filter((call) => readOperations.has(call.operation)));
  const writeUnits = units(dynamo.filter((call) => !readOperations.has(call.operation)));
  // A conditional write that fails still consumes its write units; the emulator reports none on an error.
  const failedWrites = dynamo.filter(
    (call) => call.status !== 200 && !readOperations.has(call.operation),
  ).length;
  const gbSeconds = run.invocations.reduce(
    (sum, i) => sum + (i.memoryMb / 1024) * (Math.ceil(i.durationMs) / 1000),
    0,
  );
  const putEvents = run.calls.filter((call) => call.operation === 'PutEvents');
  const entries = putEvents.reduce((sum, call) => sum + (call.entries ?? 0), 0);
  const eventBytes = run.events.reduce((sum, event) => sum + event.bytes, 0);
  const chunks = run.events.reduce((sum, event) => sum + Math.ceil(event.bytes / 65_536), 0);
  const emails = run.calls.filter((call) => call.operation === 'SendEmail').length;
  const secrets = run.calls.filter((call) => call.operation === 'GetSecretValue').length;
  const apiRequests = run.calls.filter(
    (call) => call.operation === 'SendMessage' && call.caller.includes('ApiToQueue'),
  ).length;
  const byFunction = new Map<string, { invocations: number; records: number; ms: number }>();
  for (const i of run.invocations) {
    const entry = byFunction.get(i.functionName) ?? { invocations: 0, records: 0, ms: 0 };
    entry.invocations++;
    entry.records += i.records;
    entry.ms += i.durationMs;
    byFunction.set(i.functionName, entry);
  }
  const byOperation = new Map<string, number>();
  for (const call of run.calls) {
    const key = `${call.service} ${call.operation}`;
    byOperation.set(key, (byOperation.get(key) ?? 0) + 1);
  }
  const figures = {
    orders: run.orders,
    events: perOrder(run.events.length),
    eventBytes: perOrder(eventBytes),
    putEventsCalls: perOrder(putEvents.length),
    putEventsEntries: perOrder(entries),
    eventBridgeChunks: perOrder(chunks),
    dynamoCalls: perOrder(dynamo.length),
    dynamoReadUnits: perOrder(readUnits),
    dynamoWriteUnits: perOrder(writeUnits + failedWrites),
    failedConditionalWrites: perOrder(failedWrites),
    sqsRequests: perOrder(sqsRequests.length + sqsInvocations.length),
    sqsFifoRequests: perOrder(
      sqsRequests.filter(fifo).length +
        sqsInvocations.filter((i) => i.functionName.includes('receive-order')).length,
    ),
    lambdaInvocations: perOrder(run.invocations.length),
    /** Records handed to functions: the invocations if every batch held one record. */
    lambdaRecords: perOrder(run.invocations.reduce((sum, i) => sum + i.records, 0)),
    lambdaGbSeconds: perOrder(gbSeconds),
    emails: perOrder(emails),
    secretsManagerCalls: perOrder(secrets),
    apiRequests: perOrder(apiRequests),
  };
  const standardSqs = figures.sqsRequests - figures.sqsFifoRequests;
  const costPerOrder = {
    lambda:
      figures.lambdaGbSeconds * prices.lambdaArmGbSecond + figures.lambdaInvocations * prices.lambdaRequest,
    eventBridge: figures.eventBridgeChunks * prices.eventBridgeEvent,
    sqs: standardSqs * prices.sqsStandardRequest + figures.sqsFifoRequests * prices.sqsFifoRequest,
    dynamodb:
      figures.dynamoWriteUnits * prices.dynamoWriteRequestUnit +
      figures.dynamoReadUnits * prices.dynamoReadRequestUnit,
    ses: figures.emails * prices.sesEmail,
    apiGateway: figures.apiRequests * prices.apiGatewayRestRequest,
    secretsManager: figures.secretsManagerCalls * prices.secretsManagerCall,
  };
  return { figures, costPerOrder, byFunction, byOperation };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const run = JSON.parse(readFileSync(process.argv[2] ?? cloudRunLogPath, 'utf8')) as CloudRun;
  const { figures, costPerOrder, byFunction, byOperation } = capacityOf(run);
  const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 1 ? 4 : 2));
  console.log(`Per order (measured over ${run.orders} orders entering over the API):`);
  for (const [name, value] of Object.entries(figures))
    if (name !== 'orders') console.log(`  ${name.padEnd(24)} ${round(value)}`);
  console.log('\nInvocations per order, by function (records per invocation, mean ms in the emulator):');
  for (const [name, f] of [...byFunction].sort())
    console.log(
      `  ${name.padEnd(48)} ${round(f.invocations / run.orders).padStart(6)}  ${round(f.records / f.invocations).padStart(6)}  ${round(f.ms / f.invocations).padStart(8)}`,
    );
  console.log('\nAPI calls per order, by operation:');
  for (const [name, n] of [...byOperation].sort())
    console.log(`  ${name.padEnd(40)} ${round(n / run.orders)}`);
  const total = Object.values(costPerOrder).reduce((a, b) => a + b, 0);
  console.log(`\nCost per million orders (us-east-1 list prices of ${prices.date}, no free tier):`);
  for (const [name, value] of Object.entries(costPerOrder))
    console.log(`  ${name.padEnd(16)} $${(value * 1e6).toFixed(2)}`);
  console.log(`  ${'total'.padEnd(16)} $${(total * 1e6).toFixed(2)}`);
}
