import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { EventMetadata } from '@mtd/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynaliteServer, startDynalite } from '../dynaliteServer';
import { commitItem } from '../dynamoEventStore';
import { checkpointPk, type LedgerPage, pageItem, pageOf, pagePk } from './dynamoLedger';
import { ledgerLeafHash, type StoredEvent } from './ledgerLeaf';
import { type LedgerFixture, startLedgerFixture, testSalts } from './ledgerTestOrders';
import type { LedgerVerification } from './ledgerVerification';
import { appendToFrontier } from './merkle';
import type { CommitSource } from './storedEvents';

/**
 * The tamper suite: each test builds a ledger over 10 orders (30 events, 3 pages of 10 leaves, one
 * checkpoint), then writes to the tables directly, as someone with access to the data would, and
 * checks that verify names exactly that break. Each runs against the store read through its feed and
 * read as a table.
 */

let dynamo: DynaliteServer;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

async function aLedger(): Promise<LedgerFixture> {
  const fixture = await startLedgerFixture(dynamo, { orders: 10, pageLimit: 10 });
  await fixture.ledger.checkpoint();
  return fixture;
}

const summary = (result: LedgerVerification) => result.problems.map((p) => `${p.kind} ${p.where}`).sort();

// ---- Writing to the event store table directly ----

async function storedItem(f: LedgerFixture, streamId: string, version: number) {
  const { Item } = await f.engine.client.send(
    new GetItemCommand({
      TableName: f.engine.tableName,
      Key: { streamId: { S: streamId }, version: { N: String(version) } },
    }),
  );
  return Item!;
}

async function editStoredEvent(
  f: LedgerFixture,
  streamId: string,
  version: number,
  edit: (e: StoredEvent) => void,
) {
  const item = await storedItem(f, streamId, version);
  const events = JSON.parse(item.events!.S!) as StoredEvent[];
  edit(events[0]!);
  await f.engine.client.send(
    new PutItemCommand({
      TableName: f.engine.tableName,
      Item: { ...item, events: { S: JSON.stringify(events) } },
    }),
  );
}

async function put(f: LedgerFixture, tableName: string, item: Record<string, AttributeValue>) {
  await f.engine.client.send(new PutItemCommand({ TableName: tableName, Item: item }));
}

// ---- Writing to the ledger table directly ----

async function ledgerItem(f: LedgerFixture, pk: string, seq: number) {
  const { Item } = await f.engine.client.send(
    new GetItemCommand({ TableName: f.ledgerTableName, Key: { pk: { S: pk }, seq: { N: String(seq) } } }),
  );
  return Item!;
}

async function editPage(f: LedgerFixture, seq: number, edit: (page: LedgerPage) => void) {
  const page = pageOf(await ledgerItem(f, pagePk, seq)) as LedgerPage;
  edit(page);
  await put(f, f.ledgerTableName, pageItem(page));
}

/** What a careful forger does after editing leaves: recompute every page's frontier so pages agree. */
async function recomputeFrontiers(f: LedgerFixture) {
  const { Items } = await f.engine.client.send(
    new QueryCommand({
      TableName: f.ledgerTableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pagePk } },
    }),
  );
  let frontier: Buffer[] = [];
  for (const item of Items ?? []) {
    const page = pageOf(item) as LedgerPage;
    for (const [i, leaf] of page.leaves.entries()) frontier = appendToFrontier(frontier, page.seq + i, leaf);
    await put(f, f.ledgerTableName, pageItem({ ...page, frontier }));
  }
}

const sources: [string, (f: LedgerFixture) => CommitSource | LedgerFixture['engine']['reader']][] = [
  ['the feed', (f) => f.engine.reader],
  ['the table', (f) => f.stored],
];

describe.each(sources)('verify, reading the store through %s, names each break', (_, sourceOf) => {
  const verify = (f: LedgerFixture) => f.ledger.verify(sourceOf(f));

  it('finds nothing on an untouched store', async () => {
    const f = await aLedger();
    expect(await verify(f)).toEqual({
      ok: true,
      treeSize: 30,
      checkedEvents: 30,
      pending: 0,
      checkpoints: 1,
      problems: [],
    });
  });

  it('an edited field of a stored event (the customer email and the actor)', async () => {
    const f = await aLedger();
    await editStoredEvent(f, 'order-PO-3', 1, (e) => {
      (e.data as { order: { customer: { email: string } } }).order.customer.email = 'mallory@example.cl';
      e.metadata.actor = 'user:mallory';
    });
    const result = await verify(f);
    expect(result.ok).toBe(false);
    expect(summary(result)).toEqual(['edited order-PO-3@1']);
    expect(result.problems[0]!.detail).toMatch(/no longer hashes to leaf 9/);
  });

  it('a deleted commit', async () => {
    const f = await aLedger();
    await f.engine.client.send(
      new DeleteItemCommand({
        TableName: f.engine.tableName,
        Key: { streamId: { S: 'dte-PO-4' }, version: { N: '1' } },
      }),
    );
    expect(summary(await verify(f))).toEqual(['deleted dte-PO-4@1']);
  });

  it('a forged commit inserted behind the ledger, dated inside what the ledger had read', async () => {
    const f = await aLedger();
    const original = JSON.parse((await storedItem(f, 'order-PO-1', 1)).events!.S!) as StoredEvent[];
    const metadata: EventMetadata = {
      ...original[0]!.metadata,
      streamId: 'order-PO-FORGED',
      correlationId: 'PO-FORGED',
    };
    const through = (await f.ledger.treeHead()).through!;
    await put(
      f,
      f.engine.tableName,
      commitItem({
        streamId: 'order-PO-FORGED',
        version: 1,
        commitId: `${through.slice(0, 10)}${'0'.repeat(16)}`,
        producer: 'mtd.intake',
        envelopes: [{ metadata, data: original[0]!.data }],
      }),
    );
    expect(summary(await verify(f))).toEqual(['inserted order-PO-FORGED@1']);
  });

  it('a forged commit, when the forger also erased the coverage the ledger recorded', async () => {
    const f = await aLedger();
    const original = JSON.parse((await storedItem(f, 'order-PO-1', 1)).events!.S!) as StoredEvent[];
    const metadata: EventMetadata = { ...original[0]!.metadata, streamId: 'order-PO-FORGED' };
    const through = (await f.ledger.treeHead()).through!;
    await editPage(f, 20, (page) => {
      delete page.through;
    });
    await put(
      f,
      f.engine.tableName,
      commitItem({
        streamId: 'order-PO-FORGED',
        version: 1,
        commitId: `${through.slice(0, 10)}${'0'.repeat(16)}`,
        producer: 'mtd.intake',
        envelopes: [{ metadata, data: original[0]!.data }],
      }),
    );
    expect(summary(await verify(f))).toEqual(['inserted order-PO-FORGED@1']);
  });

  it('two events whose ledger positions were swapped', async () => {
    const f = await aLedger();
    await editPage(f, 0, (page) => {
      [page.leaves[3], page.leaves[7]] = [page.leaves[7]!, page.leaves[3]!];
      [page.entries[3], page.entries[7]] = [page.entries[7]!, page.entries[3]!];
    });
    expect(summary(await verify(f))).toEqual([
      'checkpoint-mismatch checkpoint 30',
      'reordered leaf 3',
      'reordered leaf 7',
    ]);
  });

  it('two events swapped across two ledger pages', async () => {
    const f = await aLedger();
    const [first, second] = [
      pageOf(await ledgerItem(f, pagePk, 0)),
      pageOf(await ledgerItem(f, pagePk, 10)),
    ] as LedgerPage[];
    [first!.leaves[8], second!.leaves[2]] = [second!.leaves[2]!, first!.leaves[8]!];
    [first!.entries[8], second!.entries[2]] = [second!.entries[2]!, first!.entries[8]!];
    await put(f, f.ledgerTableName, pageItem(first!));
    await put(f, f.ledgerTableName, pageItem(second!));
    expect(summary(await verify(f))).toEqual([
      'checkpoint-mismatch checkpoint 30',
      'reordered leaf 12',
      'reordered leaf 8',
    ]);
  });

  it('an edited ledger page (one leaf hash changed)', async () => {
    const f = await aLedger();
    await editPage(f, 10, (page) => {
      // Flip the first byte's bits: setting it to a fixed value left the hash as it was whenever the
      // byte already had that value (1 run in 256, the hashes being of random ids).
      const edited = Buffer.from(page.leaves[5]!);
      edited[0] = edited[0]! ^ 0xff;
      page.leaves[5] = edited;
    });
    const result = await verify(f);
    expect(summary(result)).toEqual(['checkpoint-mismatch checkpoint 30', 'ledger-edited leaf 15']);
    expect(result.problems.find((p) => p.kind === 'ledger-edited')!.detail).toMatch(/page 10 changed/);
  });

  it('an edited ledger page (a key changed to point at another event)', async () => {
    const f = await aLedger();
    await editPage(f, 20, (page) => {
      page.entries[1] = { ...page.entries[1]!, streamId: 'order-PO-99' };
    });
    expect(summary(await verify(f))).toEqual(['ledger-edited leaf 21']);
  });

  it('a deleted ledger page in the middle', async () => {
    const f = await aLedger();
    await f.engine.client.send(
      new DeleteItemCommand({ TableName: f.ledgerTableName, Key: { pk: { S: pagePk }, seq: { N: '10' } } }),
    );
    const result = await verify(f);
    expect(summary(result)).toEqual([
      'checkpoint-mismatch checkpoint 30',
      'ledger-deleted leaves 10..19',
      'ledger-deleted leaves 10..19',
    ]);
    expect(result.problems.map((p) => p.detail).join('\n')).toMatch(
      /10 stored event\(s\) the ledger had read/,
    );
  });

  it('the last ledger page deleted', async () => {
    const f = await aLedger();
    await f.engine.client.send(
      new DeleteItemCommand({ TableName: f.ledgerTableName, Key: { pk: { S: pagePk }, seq: { N: '20' } } }),
    );
    const result = await verify(f);
    expect(summary(result)).toEqual(['ledger-deleted leaves 20..29']);
    expect(result.problems[0]!.detail).toMatch(/signed 30 leaves; the ledger has 20/);
  });

  it('an edited checkpoint (its root)', async () => {
    const f = await aLedger();
    const item = await ledgerItem(f, checkpointPk, 30);
    await put(f, f.ledgerTableName, { ...item, rootHash: { S: 'ab'.repeat(32) } });
    expect(summary(await verify(f))).toEqual([
      'checkpoint-mismatch checkpoint 30',
      'checkpoint-signature checkpoint 30',
    ]);
  });

  it('an edited checkpoint (its signature, root left alone)', async () => {
    const f = await aLedger();
    const item = await ledgerItem(f, checkpointPk, 30);
    const signature = Buffer.from(item.signature!.S!, 'base64');
    signature[10] = signature[10]! ^ 1;
    await put(f, f.ledgerTableName, { ...item, signature: { S: signature.toString('base64') } });
    expect(summary(await verify(f))).toEqual(['checkpoint-signature checkpoint 30']);
  });

  it('a careful forger who edits an event, its leaf and every frontier: the signed checkpoint shows it', async () => {
    const f = await aLedger();
    await editStoredEvent(f, 'notification-PO-2', 1, (e) => {
      (e.data as { to: string }).to = 'mallory@example.cl';
    });
    const [commit] = await f.stored.readStream('notification-PO-2');
    await editPage(f, 0, (page) => {
      const i = page.entries.findIndex((e) => e.streamId === 'notification-PO-2');
      page.leaves[i] = ledgerLeafHash(commit!.events[0]!, testSalts);
    });
    await recomputeFrontiers(f);
    expect(summary(await verify(f))).toEqual(['checkpoint-mismatch checkpoint 30']);
  });
});

describe('verify reading the table itself', () => {
  it('also finds a forged item written without the feed index attributes, which the feed cannot see', async () => {
    const f = await aLedger();
    const original = await storedItem(f, 'order-PO-1', 1);
    await put(f, f.engine.tableName, {
      streamId: { S: 'order-PO-HIDDEN' },
      version: { N: '1' },
      events: original.events!,
    });
    expect(summary(await f.ledger.verify(f.stored))).toEqual(['inserted order-PO-HIDDEN@1']);
    expect((await f.ledger.verify(f.engine.reader)).ok).toBe(true);
  });

  it('reports a commit that no longer reads as edited, not as deleted', async () => {
    const f = await aLedger();
    const item = await storedItem(f, 'order-PO-5', 1);
    await put(f, f.engine.tableName, { ...item, events: { S: '{not json' } });
    const result = await f.ledger.verify(f.stored);
    expect(summary(result)).toEqual(['edited order-PO-5@1']);
    expect(result.problems[0]!.detail).toMatch(/no longer reads/);
  });
});
