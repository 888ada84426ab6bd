import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { Sources, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerExistsError, PartnerKeys, partnerKeysTable } from '#adapters/partnerKeys';
import { InvalidUsagePlanError } from '#domain/partnerUsagePlan';
import { createIntake, type Intake } from '#src/index';
import { aPurchaseOrder, orderXml } from '#src/testing/orderBuilders';
import { aClock } from '#src/testing/testClock';

// API keys and usage plans on POST /orders as API Gateway applies them, through the intake's HTTP
// app and a real (dynalite) key table, with a clock the test moves.

let engine: TestEngine;
let keys: PartnerKeys;
let intake: Intake;
const clock = aClock('2026-11-24T23:59:58.000Z');
const tableName = 'mtd-partner-keys';
let seq = 0;

beforeAll(async () => {
  engine = await startTestEngine({ tables: [partnerKeysTable(tableName)] });
  keys = await PartnerKeys.open({ client: engine.client, tableName });
  intake = createIntake({
    store: engine.storeFor(Sources.intake),
    clock,
    ids: ulidGenerator(),
    partnerKeys: keys,
  });
});
afterAll(async () => {
  await engine.close();
});

const post = (key: string | undefined) =>
  intake.httpApp.request('/orders', {
    method: 'POST',
    body: orderXml(aPurchaseOrder({ orderId: `PO-K${++seq}`, placedAt: '2026-11-24T10:00:00Z' })),
    headers: { 'content-type': 'application/xml', ...(key !== undefined ? { 'x-api-key': key } : {}) },
  });

describe('partner keys on POST /orders', () => {
  it('refuses a request without a key, with an unknown key, or with a revoked key: 403 saying which', async () => {
    const missing = await post(undefined);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({
      error: 'Forbidden',
      message: expect.stringMatching(/x-api-key/),
    });
    const unknown = await post('mtdk_not-a-key');
    expect(unknown.status).toBe(403);
    expect(await unknown.json()).toMatchObject({ message: 'the x-api-key is not a key MTD issued' });

    const { key } = await keys.add('gone', { rateLimit: 10, burstLimit: 10 }, clock.now());
    expect((await post(key)).status).toBe(202);
    await keys.revoke('gone', clock.now());
    const revoked = await post(key);
    expect(revoked.status).toBe(403);
    expect(await revoked.json()).toMatchObject({
      message: expect.stringMatching(/partner "gone" was revoked/),
    });
    // Refused requests recorded nothing (PO-K1, K2 and K4); the one with a valid key did (PO-K3).
    const streamOf = async (n: number) => (await engine.reader.readStream(Streams.order(`PO-K${n}`))).events;
    expect((await streamOf(1)).length + (await streamOf(2)).length + (await streamOf(4)).length).toBe(0);
    expect((await streamOf(3)).length).toBe(2);
  });

  it('stores only a hash of the key, and a reopened table still knows it', async () => {
    const { key, partner } = await keys.add(
      'hashed',
      { rateLimit: 5, burstLimit: 5, quotaPerDay: 9 },
      clock.now(),
    );
    expect(key).toMatch(/^mtdk_[A-Za-z0-9_-]{43}$/);
    const items = await engine.client.send(new ScanCommand({ TableName: tableName }));
    expect(JSON.stringify(items.Items)).not.toContain(key);
    expect(JSON.stringify(items.Items)).toContain(partner.keyHash);
    const reopened = await PartnerKeys.open({ client: engine.client, tableName });
    expect(reopened.identify(key)).toMatchObject({
      kind: 'partner',
      partner: { name: 'hashed', plan: { quotaPerDay: 9 } },
    });
    await expect(keys.add('hashed', { rateLimit: 1, burstLimit: 1 }, clock.now())).rejects.toThrow(
      PartnerExistsError,
    );
    await expect(keys.add('bad-plan', { rateLimit: 0, burstLimit: 1 }, clock.now())).rejects.toThrow(
      InvalidUsagePlanError,
    );
  });

  it('lets a burst through, then answers 429 with Retry-After until the bucket refills at the rate', async () => {
    const { key } = await keys.add('bursty', { rateLimit: 2, burstLimit: 3 }, clock.now());
    clock.set('2026-11-24T12:00:00.000Z');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(key)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const refused = await post(key);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({
      error: 'TooManyRequests',
      message: 'partner "bursty" is over its rate of 2 requests/s (burst 3); retry in 1 s',
    });
    // 2 requests/s: after 0.5 s one token is back, and only one.
    clock.set('2026-11-24T12:00:00.500Z');
    expect((await post(key)).status).toBe(202);
    expect((await post(key)).status).toBe(429);
    // After long enough the bucket is full again, but never more than the burst.
    clock.set('2026-11-24T12:01:00.000Z');
    const again = [];
    for (let i = 0; i < 4; i++) again.push((await post(key)).status);
    expect(again).toEqual([202, 202, 202, 429]);
  });

  it('keeps a daily quota per UTC day: 429 until the next UTC midnight, then the count starts again', async () => {
    const { key } = await keys.add('quota', { rateLimit: 100, burstLimit: 100, quotaPerDay: 3 }, clock.now());
    clock.set('2026-11-24T23:59:58.000Z');
    for (let i = 0; i < 3; i++) expect((await post(key)).status).toBe(202);
    const over = await post(key);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('2');
    expect(await over.json()).toMatchObject({
      error: 'LimitExceeded',
      message:
        'partner "quota" has used its quota of 3 requests for 2026-11-24 (UTC); it resets at 2026-11-25T00:00:00.000Z',
    });
    // Another partner is not affected.
    const other = await keys.add('other', { rateLimit: 100, burstLimit: 100, quotaPerDay: 3 }, clock.now());
    expect((await post(other.key)).status).toBe(202);
    // Midnight UTC (21:00 in Santiago: the quota follows UTC, as API Gateway's does).
    clock.set('2026-11-25T00:00:00.000Z');
    for (let i = 0; i < 3; i++) expect((await post(key)).status).toBe(202);
    expect((await post(key)).status).toBe(429);
  });
});
