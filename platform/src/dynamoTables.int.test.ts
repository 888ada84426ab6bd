import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynaliteServer, startDynalite } from './dynaliteServer';
import { batchWriteAll, ensureTables } from './dynamoTables';
import { logDynamoCalls } from './testing/dynamoCallLog';

describe('batchWriteAll on dynalite', () => {
  let engine: DynaliteServer;
  beforeAll(async () => {
    engine = await startDynalite();
    await ensureTables(engine.client, [
      {
        TableName: 'lines',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      },
    ]);
  });
  afterAll(() => engine.close());

  it('writes every request, 25 per call, with several calls in flight', async () => {
    const log = logDynamoCalls(engine.client);
    // Calls in flight at once, seen from the client's middleware.
    let inFlight = 0;
    let most = 0;
    engine.client.middlewareStack.add(
      (next) => async (args) => {
        most = Math.max(most, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );
    const requests = Array.from({ length: 130 }, (_, i) => ({
      PutRequest: { Item: { id: { S: `line-${i}` }, n: { N: String(i) } } },
    }));
    await batchWriteAll(engine.client, 'lines', requests, { inFlight: 4 });
    engine.client.middlewareStack.remove('countInFlight');
    log.stop();
    expect(log.calls.map((c) => c.operation)).toEqual(Array(6).fill('BatchWriteItem'));
    expect(most).toBe(4);
    const scanned = await engine.client.send(new ScanCommand({ TableName: 'lines' }));
    expect((scanned.Items ?? []).map((item) => Number(item.n!.N)).sort((a, b) => a - b)).toEqual(
      requests.map((_, i) => i),
    );
  });
});
