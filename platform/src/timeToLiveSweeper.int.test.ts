import {
  type CreateTableCommandInput,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynaliteServer, startDynalite } from './dynaliteServer';
import { ensureTables } from './dynamoTables';
import { dynamoEffectClaims, effectClaimsTable, effectClaimsTtlAttribute } from './effectClaims';
import { deleteExpiredItems, type ExpiringTable, startTimeToLiveSweeper } from './timeToLiveSweeper';

const sessions: CreateTableCommandInput = {
  TableName: 'ttl-sessions',
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'user', AttributeType: 'S' },
    { AttributeName: 'started', AttributeType: 'N' },
  ],
  KeySchema: [
    { AttributeName: 'user', KeyType: 'HASH' },
    { AttributeName: 'started', KeyType: 'RANGE' },
  ],
};
const sessionsTable: ExpiringTable = { definition: sessions, timeToLiveAttribute: 'expiresAt' };
const claimsTable: ExpiringTable = {
  definition: effectClaimsTable('ttl-claims'),
  timeToLiveAttribute: effectClaimsTtlAttribute,
};
const at = (seconds: number) => new Date(seconds * 1000);

let engine: DynaliteServer;
beforeAll(async () => {
  engine = await startDynalite();
  await ensureTables(engine.client, [sessions, claimsTable.definition]);
});
afterAll(() => engine.close());
afterEach(async () => {
  vi.useRealTimers();
  const { Items = [] } = await engine.client.send(new ScanCommand({ TableName: 'ttl-sessions' }));
  for (const item of Items)
    await engine.client.send(
      new DeleteItemCommand({ TableName: 'ttl-sessions', Key: { user: item.user!, started: item.started! } }),
    );
});

async function putSession(user: string, started: number, expiresAt: number) {
  await engine.client.send(
    new PutItemCommand({
      TableName: 'ttl-sessions',
      Item: { user: { S: user }, started: { N: String(started) }, expiresAt: { N: String(expiresAt) } },
    }),
  );
}

async function sessionUsers(): Promise<string[]> {
  const { Items = [] } = await engine.client.send(new ScanCommand({ TableName: 'ttl-sessions' }));
  return Items.map((item) => `${item.user!.S}@${item.started!.N}`).sort();
}

describe('Time to Live for the embedded engine', () => {
  it('deletes the items whose expiry has passed, by their whole key, and keeps the rest', async () => {
    await putSession('ana', 1, 100);
    await putSession('ana', 2, 300);
    await putSession('bea', 1, 199);
    await putSession('bea', 2, 200);

    expect(await deleteExpiredItems(engine.client, sessionsTable, at(200))).toBe(2);

    // Expired means strictly before now, as DynamoDB compares the attribute with the current time.
    expect(await sessionUsers()).toEqual(['ana@2', 'bea@2']);
  });

  it('keeps an item rewritten with a new expiry between the scan and its delete', async () => {
    await putSession('cai', 1, 100);
    // Right before the sweep's delete reaches the engine, another writer renews the item.
    const renew = engine.client.middlewareStack;
    renew.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteItemCommand') await putSession('cai', 1, 10_000);
        return next(args);
      },
      { step: 'initialize', name: 'renewBeforeDelete' },
    );
    try {
      expect(await deleteExpiredItems(engine.client, sessionsTable, at(200))).toBe(0);
    } finally {
      renew.remove('renewBeforeDelete');
    }
    expect(await sessionUsers()).toEqual(['cai@1']);
  });

  it("sweeps Powertools' effect claims once they expire; a new delivery then claims the cause afresh", async () => {
    const claims = dynamoEffectClaims({ client: engine.client, tableName: 'ttl-claims', keepSeconds: 60 });
    let sends = 0;
    const send = async () => ++sends;
    expect(await claims.once('email', 'order-1', send)).toBe(1);
    const { Items = [] } = await engine.client.send(new ScanCommand({ TableName: 'ttl-claims' }));
    expect(Items).toHaveLength(1);
    const expiresAt = Number(Items[0]![effectClaimsTtlAttribute]!.N);

    expect(await deleteExpiredItems(engine.client, claimsTable, at(expiresAt - 1))).toBe(0);
    expect(await claims.once('email', 'order-1', send)).toBe(1);

    expect(await deleteExpiredItems(engine.client, claimsTable, at(expiresAt + 1))).toBe(1);
    const gone = await engine.client.send(
      new GetItemCommand({ TableName: 'ttl-claims', Key: { id: Items[0]!.id! } }),
    );
    expect(gone.Item).toBeUndefined();
  });

  it('sweeps on its timer, first after a delay, then at each interval, and stops when told', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let now = at(1_000);
    const swept: string[] = [];
    const sweeper = startTimeToLiveSweeper({
      client: engine.client,
      tables: [sessionsTable],
      clock: { now: () => now },
      firstAfterMs: 5_000,
      everyMs: 60_000,
      onSwept: (table, deleted) => swept.push(`${table}:${deleted}`),
      onError: (error) => {
        throw error;
      },
    });
    await putSession('dan', 1, 900);
    await putSession('dan', 2, 1_500);

    await vi.advanceTimersByTimeAsync(4_999);
    expect(swept).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(swept).toEqual(['ttl-sessions:1']));

    now = at(2_000);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() => expect(swept).toEqual(['ttl-sessions:1', 'ttl-sessions:1']));
    expect(await sessionUsers()).toEqual([]);

    await sweeper.stop();
    await putSession('dan', 3, 1_000);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(swept).toHaveLength(2);
  });
});
