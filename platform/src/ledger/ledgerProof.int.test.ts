import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidGenerator } from '../clock';
import { type DynaliteServer, startDynalite } from '../dynaliteServer';
import { type LedgerPage, pageItem, pageOf, pagePk } from './dynamoLedger';
import { LedgerProofError } from './ledgerErrors';
import { ledgerLeafOf, type StoredEvent } from './ledgerLeaf';
import { ed25519LedgerSigner } from './ledgerSigner';
import { appendOrder, type LedgerFixture, startLedgerFixture, testSalts } from './ledgerTestOrders';
import { appendToFrontier } from './merkle';
import { verifyConsistencyProof, verifyLedgerProof } from './proofVerifier';

/** The bit-flip tests verify thousands of files; a shared 2-core machine can take a while. */
const heavy = { timeout: 60_000 };

let dynamo: DynaliteServer;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

const flipBit = (text: string, byte: number, bit: number) => {
  const bytes = Buffer.from(text, 'utf8');
  bytes[byte] = bytes[byte]! ^ (1 << bit);
  return bytes.toString('utf8');
};

async function eventsOf(f: LedgerFixture, streamId: string): Promise<StoredEvent[]> {
  return (await f.stored.readStream(streamId)).flatMap((c) => c.events);
}

describe('a proof of one order', () => {
  it('holds the order events as stored, each with its leaf and inclusion proof, and verifies offline', async () => {
    const f = await startLedgerFixture(dynamo, { orders: 12 });
    const proof = await f.ledger.proveOrder('PO-7', { events: f.stored });
    const key = await f.signer.currentKey();
    expect(proof.checkpoint).toMatchObject({ treeSize: 36, keyId: key.keyId });
    expect(proof.publicKey).toBe(key.pem);
    expect(proof.entries.map((e) => [e.leafIndex, `${e.event.metadata.streamId}`])).toEqual([
      [21, 'order-PO-7'],
      [22, 'dte-PO-7'],
      [23, 'notification-PO-7'],
    ]);
    expect(proof.entries[0]!.event).toEqual((await eventsOf(f, 'order-PO-7'))[0]);
    expect(Object.keys(proof.entries[2]!.personal)).toEqual(['/data/to']);

    // Only the file: as the auditor receives it, checked against the key the operator published.
    const file = JSON.stringify(proof, null, 2);
    const verdict = verifyLedgerProof(file, { trustedKeys: { [key.keyId]: key.pem } });
    expect(verdict).toMatchObject({
      ok: true,
      events: [{ leafIndex: 21 }, { leafIndex: 22 }, { leafIndex: 23 }],
    });
  });

  it('fails when any bit of the file is flipped', heavy, async () => {
    const f = await startLedgerFixture(dynamo, { orders: 4 });
    const file = JSON.stringify(await f.ledger.proveOrder('PO-2', { events: f.stored }), null, 2);
    const size = Buffer.byteLength(file);
    // Every byte, each with one of its bits (cycling through the 8), then random (byte, bit) pairs.
    for (let byte = 0; byte < size; byte++) {
      const verdict = verifyLedgerProof(flipBit(file, byte, byte % 8));
      if (verdict.ok) throw new Error(`flipping bit ${byte % 8} of byte ${byte} went unnoticed`);
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: 7 }), (byte, bit) => {
        expect(verifyLedgerProof(flipBit(file, byte, bit)).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('fails when any bit of one of its events is flipped, wherever it is', heavy, async () => {
    const f = await startLedgerFixture(dynamo, { orders: 2 });
    const proof = await f.ledger.proveOrder('PO-1', { events: f.stored });
    const eventText = JSON.stringify(proof.entries[0]!.event);
    let refused = 0;
    for (let byte = 0; byte < Buffer.byteLength(eventText); byte++) {
      for (let bit = 0; bit < 8; bit++) {
        let event: unknown;
        try {
          event = JSON.parse(flipBit(eventText, byte, bit));
        } catch {
          refused += 1; // no longer an event at all
          continue;
        }
        const tampered = { ...proof, entries: [{ ...proof.entries[0]!, event }, ...proof.entries.slice(1)] };
        const verdict = verifyLedgerProof(tampered);
        if (verdict.ok) throw new Error(`flipping bit ${bit} of byte ${byte} of the event went unnoticed`);
        refused += 1;
      }
    }
    expect(refused).toBe(Buffer.byteLength(eventText) * 8);
  });

  it('can leave personal data out: the redacted proof carries commitments only, and still verifies', async () => {
    const f = await startLedgerFixture(dynamo, { orders: 3 });
    const proof = await f.ledger.proveOrder('PO-1', { events: f.stored, redact: true });
    const file = JSON.stringify(proof);
    for (const personal of ['ana@example.cl', '"Ana"', 'Santiago']) expect(file).not.toContain(personal);
    expect(file).toContain('"email":{"$commitment":"');
    expect(verifyLedgerProof(file).ok).toBe(true);
  });

  it('still proves an order after an erasure replaced its personal fields in the store by their commitments', async () => {
    const f = await startLedgerFixture(dynamo, { orders: 3 });
    await f.ledger.checkpoint();
    const key = { streamId: { S: 'order-PO-1' }, version: { N: '1' } };
    const { Item } = await f.engine.client.send(
      new GetItemCommand({ TableName: f.engine.tableName, Key: key }),
    );
    const [event] = JSON.parse(Item!.events!.S!) as StoredEvent[];
    const erased = structuredClone(event!) as unknown as Record<string, Record<string, unknown>>;
    const order = erased.data!.order as {
      customer: Record<string, unknown>;
      shipping: Record<string, unknown>;
    };
    for (const field of ledgerLeafOf(event!, testSalts).personal) {
      const name = field.pointer.split('/').at(-1)!;
      (name === 'address' ? order.shipping : order.customer)[name] = { $commitment: field.commitment };
    }
    await f.engine.client.send(
      new PutItemCommand({
        TableName: f.engine.tableName,
        Item: { ...Item, events: { S: JSON.stringify([erased]) } },
      }),
    );
    expect((await f.ledger.verify(f.stored)).problems).toEqual([]);
    const proof = await f.ledger.proveOrder('PO-1', { events: f.stored });
    expect(JSON.stringify(proof.entries[0]!.event)).not.toContain('ana@example.cl');
    expect(proof.entries[0]!.personal).toEqual({});
    expect(verifyLedgerProof(JSON.stringify(proof)).ok).toBe(true);
  });

  it('proves against an older checkpoint when asked, and refuses when the store no longer matches the ledger', async () => {
    const f = await startLedgerFixture(dynamo, { orders: 2 });
    const old = await f.ledger.checkpoint();
    await appendOrder(f.engine, 'PO-late', ulidGenerator());
    await f.catchUp();
    const proof = await f.ledger.proveOrder('PO-0', { events: f.stored, checkpoint: old });
    expect(proof.checkpoint).toEqual(old);
    expect(verifyLedgerProof(proof).ok).toBe(true);
    // Without one, a checkpoint covering PO-late is made.
    expect((await f.ledger.proveOrder('PO-late', { events: f.stored })).checkpoint.treeSize).toBe(9);

    const key = { streamId: { S: 'dte-PO-0' }, version: { N: '1' } };
    const { Item } = await f.engine.client.send(
      new GetItemCommand({ TableName: f.engine.tableName, Key: key }),
    );
    const edited = Item!.events!.S!.replace('"trackId":"T-PO-0"', '"trackId":"T-PO-X"');
    await f.engine.client.send(
      new PutItemCommand({ TableName: f.engine.tableName, Item: { ...Item, events: { S: edited } } }),
    );
    await expect(f.ledger.proveOrder('PO-0', { events: f.stored })).rejects.toThrow(LedgerProofError);
    await expect(f.ledger.proveOrder('PO-nobody', { events: f.stored })).rejects.toThrow(
      /no event of order PO-nobody/,
    );
  });

  it('a proof signed by another key verifies only against that key: trust comes from the keys you pin', async () => {
    const f = await startLedgerFixture(dynamo, { orders: 2 });
    const genuine = await f.signer.currentKey();
    const impostor = f.newLedger({ signer: ed25519LedgerSigner() });
    const proof = await impostor.proveOrder('PO-0', { events: f.stored });
    expect(verifyLedgerProof(proof).ok).toBe(true);
    expect(verifyLedgerProof(proof, { trustedKeys: { [genuine.keyId]: genuine.pem } }).ok).toBe(false);
  });
});

describe('a consistency proof between two checkpoints', () => {
  it('verifies when the first is a prefix of the second, and fails on any flipped bit', heavy, async () => {
    const f = await startLedgerFixture(dynamo, { orders: 10 });
    const first = await f.ledger.checkpoint();
    const ids = ulidGenerator();
    for (let i = 0; i < 5; i++) await appendOrder(f.engine, `PO-more-${i}`, ids);
    await f.catchUp();
    const second = await f.ledger.checkpoint();
    const proof = await f.ledger.consistencyProof(first.treeSize, second.treeSize);
    expect(proof).toMatchObject({ first, second });
    const file = JSON.stringify(proof, null, 2);
    expect(verifyConsistencyProof(file)).toEqual({ ok: true, first, second });
    for (let byte = 0; byte < Buffer.byteLength(file); byte++) {
      if (verifyConsistencyProof(flipBit(file, byte, (byte * 3) % 8)).ok) {
        throw new Error(`flipping a bit of byte ${byte} went unnoticed`);
      }
    }
    await expect(f.ledger.consistencyProof(3, second.treeSize)).rejects.toThrow(/no checkpoint of 3 leaves/);
  });

  it('fails across a rewritten history, even one re-signed with the genuine key', async () => {
    const f = await startLedgerFixture(dynamo, { orders: 10 });
    const first = await f.ledger.checkpoint();
    // An insider rewrites an early leaf (and every frontier after it, so the pages agree) ...
    const { Item } = await f.engine.client.send(
      new GetItemCommand({ TableName: f.ledgerTableName, Key: { pk: { S: pagePk }, seq: { N: '0' } } }),
    );
    const page = pageOf(Item!) as LedgerPage;
    page.leaves[4] = Buffer.alloc(32, 9);
    let frontier: Buffer[] = [];
    for (const [i, leaf] of page.leaves.entries()) frontier = appendToFrontier(frontier, i, leaf);
    await f.engine.client.send(
      new PutItemCommand({ TableName: f.ledgerTableName, Item: pageItem({ ...page, frontier }) }),
    );
    // ... then the writer goes on and signs a new checkpoint over the rewritten tree.
    const writer = f.newLedger();
    await appendOrder(f.engine, 'PO-after', ulidGenerator());
    await f.catchUp(writer);
    const second = await writer.checkpoint();
    const proof = await writer.consistencyProof(first.treeSize, second.treeSize);
    expect(verifyConsistencyProof(proof)).toEqual({
      ok: false,
      reason: `the tree of ${first.treeSize} leaves is not a prefix of the tree of ${second.treeSize}`,
    });
    // And verify names the checkpoint the rewrite broke.
    const problems = (await writer.verify(f.stored)).problems.map((p) => `${p.kind} ${p.where}`);
    expect(problems).toContain(`checkpoint-mismatch checkpoint ${first.treeSize}`);
  });
});
