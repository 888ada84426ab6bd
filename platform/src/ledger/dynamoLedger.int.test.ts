import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidGenerator } from '../clock';
import { type DynaliteServer, startDynalite } from '../dynaliteServer';
import { checkpointSignatureProblem } from './checkpoint';
import type { LedgerPage } from './dynamoLedger';
import { NoLedgerSignerError } from './ledgerErrors';
import { ledgerLeafHash } from './ledgerLeaf';
import { ed25519LedgerSigner } from './ledgerSigner';
import { appendOrder, type LedgerFixture, startLedgerFixture, testSalts } from './ledgerTestOrders';
import { MerkleTree, rootOfFrontier } from './merkle';
import { feedCommits } from './storedEvents';

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

const total = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0);

let dynamo: DynaliteServer;
let fixture: LedgerFixture;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

describe('Ledger.appendPage', () => {
  it('appends a page of events with one PutItem, in the given order, and skips a redelivered page', async () => {
    fixture = await startLedgerFixture(dynamo);
    const ids = ulidGenerator();
    for (let i = 0; i < 30; i++) await appendOrder(fixture.engine, `PO-${i}`, ids);
    const page = await fixture.engine.reader.readFeed(undefined, { limit: 100 });
    expect(page.commits).toHaveLength(90);
    const { client, calls } = counting(fixture.engine.client);
    const ledger = fixture.newLedger({ client });
    expect(await ledger.appendCommits(page.commits)).toEqual({ appended: 90, treeSize: 90 });
    // One Query for the head (at start), one PutItem for the page.
    expect(Object.fromEntries(calls)).toEqual({ Query: 1, PutItem: 1 });
    expect(await ledger.appendCommits(page.commits)).toEqual({ appended: 0, treeSize: 90 });
    expect(total(calls)).toBe(2);

    const [stored] = (await ledger.pages()) as LedgerPage[];
    const events = page.commits.flatMap((c) => c.events);
    expect(stored!.entries.map((e) => `${e.streamId}@${e.streamVersion}`)).toEqual(
      events.map((e) => `${e.metadata.streamId}@${e.metadata.streamVersion}`),
    );
    expect(stored!.leaves.map((l) => l.toString('hex'))).toEqual(
      events.map((e) => ledgerLeafHash(e, testSalts).toString('hex')),
    );
    expect(stored!.through).toBe(page.commits.at(-1)!.commitId);
    const tree = new MerkleTree(stored!.leaves);
    expect(rootOfFrontier(stored!.frontier).equals(tree.root())).toBe(true);
  });

  it('skips events already in the ledger within a page and across pages, appending only the new ones', async () => {
    fixture = await startLedgerFixture(dynamo, { orders: 2 });
    const events = (await fixture.engine.reader.readFeed(undefined, { limit: 100 })).commits.flatMap(
      (c) => c.events,
    );
    await appendOrder(fixture.engine, 'PO-new', ulidGenerator());
    const more = (await fixture.engine.reader.readFeed(undefined, { limit: 100 })).commits.flatMap(
      (c) => c.events,
    );
    const result = await fixture.ledger.appendPage([...more, ...events, more.at(-1)!]);
    expect(result).toEqual({ appended: 3, treeSize: 9 });
  });

  it('splits a page past its limit into several items, one PutItem each', async () => {
    fixture = await startLedgerFixture(dynamo);
    const ids = ulidGenerator();
    for (let i = 0; i < 5; i++) await appendOrder(fixture.engine, `PO-${i}`, ids);
    const { client, calls } = counting(fixture.engine.client);
    const ledger = fixture.newLedger({ client, pageLimit: 4 });
    const page = await fixture.engine.reader.readFeed(undefined, { limit: 100 });
    expect(await ledger.appendCommits(page.commits)).toEqual({ appended: 15, treeSize: 15 });
    expect(calls.get('PutItem')).toBe(4);
    const pages = (await ledger.pages()) as LedgerPage[];
    expect(pages.map((p) => [p.seq, p.leaves.length])).toEqual([
      [0, 4],
      [4, 4],
      [8, 4],
      [12, 3],
    ]);
    // Only the last item claims the page's coverage.
    expect(pages.map((p) => p.through)).toEqual([
      undefined,
      undefined,
      undefined,
      page.commits.at(-1)!.commitId,
    ]);
    expect((await ledger.verify(fixture.engine.reader)).problems).toEqual([]);
  });

  it("keeps a page item under DynamoDB's 400 KB when stream ids are long", async () => {
    fixture = await startLedgerFixture(dynamo);
    const ids = ulidGenerator();
    const longStream = `order-~${'%E2%82%AC'.repeat(40)}`;
    const events = Array.from({ length: 1000 }, (_, i) => ({
      metadata: {
        eventId: ids.next(),
        eventType: 'OrderAtRisk',
        eventVersion: 1,
        streamId: `${longStream}-${i}`,
        streamVersion: 1,
        occurredAt: '2026-11-24T10:00:00.000Z',
        correlationId: 'x',
        causationId: 'y',
        producer: 'mtd.projection',
        actor: 'system',
      },
      data: {},
    }));
    const { client, calls } = counting(fixture.engine.client);
    expect(await fixture.newLedger({ client }).appendPage(events)).toEqual({
      appended: 1000,
      treeSize: 1000,
    });
    expect(calls.get('PutItem')).toBe(2);
  });

  it('after a restart skips what is already in the ledger, from the keys of its tail pages', async () => {
    fixture = await startLedgerFixture(dynamo, { orders: 10 });
    const events = (await fixture.engine.reader.readFeed(undefined, { limit: 100 })).commits.flatMap(
      (c) => c.events,
    );
    const restarted = fixture.newLedger();
    expect(await restarted.appendPage(events)).toEqual({ appended: 0, treeSize: 30 });
  });

  it('a second writer that took the next page first is never overwritten: reload, skip its leaves, retry', async () => {
    fixture = await startLedgerFixture(dynamo, { orders: 2 });
    const a = fixture.newLedger();
    const b = fixture.newLedger();
    await a.treeHead();
    await b.treeHead();
    await appendOrder(fixture.engine, 'PO-a', ulidGenerator());
    const first = (await fixture.engine.reader.readFeed(undefined, { limit: 100 })).commits;
    await appendOrder(fixture.engine, 'PO-b', ulidGenerator());
    const both = (await fixture.engine.reader.readFeed(undefined, { limit: 100 })).commits;
    expect(await a.appendCommits(first)).toEqual({ appended: 3, treeSize: 9 });
    // b still thinks the tree has 6 leaves: its PutItem at seq 6 fails, it reloads and appends PO-b only.
    expect(await b.appendCommits(both)).toEqual({ appended: 3, treeSize: 12 });
    const pages = (await b.pages()) as LedgerPage[];
    expect(pages.map((p) => p.seq)).toEqual([0, 6, 9]);
    expect((await b.verify(fixture.engine.reader)).problems).toEqual([]);
  });
});

describe('Ledger.checkpoint', () => {
  it('signs the current root with the named key, stores it, and costs nothing while nothing was appended', async () => {
    fixture = await startLedgerFixture(dynamo, { orders: 3 });
    const { client, calls } = counting(fixture.engine.client);
    const ledger = fixture.newLedger({ client });
    const checkpoint = await ledger.checkpoint();
    const key = await fixture.signer.currentKey();
    expect(checkpoint).toMatchObject({
      origin: 'mtd-ledger',
      treeSize: 9,
      keyId: key.keyId,
      time: '2026-11-24T12:00:00.000Z',
    });
    const pages = (await ledger.pages()) as LedgerPage[];
    expect(checkpoint.rootHash).toBe(new MerkleTree(pages.flatMap((p) => p.leaves)).root().toString('hex'));
    expect(checkpointSignatureProblem(checkpoint, key.pem)).toBeUndefined();
    expect(await ledger.checkpoints()).toEqual([checkpoint]);
    expect((await ledger.publicKeys([key.keyId])).get(key.keyId)).toBe(key.pem);
    const before = total(calls);
    expect(await ledger.checkpoint()).toEqual(checkpoint);
    expect(total(calls)).toBe(before);
  });

  it('keeps old checkpoints verifiable after the key rotates', async () => {
    fixture = await startLedgerFixture(dynamo, { orders: 2 });
    const old = await fixture.ledger.checkpoint();
    const rotated = fixture.newLedger({ signer: ed25519LedgerSigner() });
    await appendOrder(fixture.engine, 'PO-later', ulidGenerator());
    await fixture.catchUp(rotated);
    const next = await rotated.checkpoint();
    expect(next.keyId).not.toBe(old.keyId);
    expect((await rotated.checkpoints()).map((c) => [c.treeSize, c.keyId])).toEqual([
      [6, old.keyId],
      [9, next.keyId],
    ]);
    const result = await rotated.verify(fixture.engine.reader);
    expect(result).toMatchObject({ ok: true, treeSize: 9, checkpoints: 2, problems: [] });
  });

  it('refuses without a signer', async () => {
    fixture = await startLedgerFixture(dynamo);
    await expect(fixture.newLedger({ signer: undefined }).checkpoint()).rejects.toBeInstanceOf(
      NoLedgerSignerError,
    );
  });
});

describe('Ledger.verify on an untouched store', () => {
  it('recomputes every leaf, through the feed or the table, and reports progress', async () => {
    fixture = await startLedgerFixture(dynamo, { orders: 20 });
    await fixture.ledger.checkpoint();
    const progress: string[] = [];
    const viaFeed = await fixture.ledger.verify(fixture.engine.reader, {
      onProgress: (p) => progress.push(`${p.phase}:${p.done}`),
    });
    expect(viaFeed).toEqual({
      ok: true,
      treeSize: 60,
      checkedEvents: 60,
      pending: 0,
      checkpoints: 1,
      problems: [],
    });
    expect(progress.at(-1)).toBe('store:60');
    expect(await fixture.ledger.verify(fixture.stored)).toEqual(viaFeed);
    expect(await fixture.ledger.verify(feedCommits(fixture.engine.reader, { pageSize: 7 }))).toEqual(viaFeed);
  });

  it('counts commits appended after the ledger last read as pending, not inserted', async () => {
    fixture = await startLedgerFixture(dynamo, { orders: 2 });
    await appendOrder(fixture.engine, 'PO-late', ulidGenerator());
    const result = await fixture.ledger.verify(fixture.engine.reader);
    expect(result).toMatchObject({ ok: true, treeSize: 6, checkedEvents: 9, pending: 3, problems: [] });
  });
});
