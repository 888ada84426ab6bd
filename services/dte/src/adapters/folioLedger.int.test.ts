import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClientFor } from '@mtd/platform/dynalite';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CafExhaustedError,
  dynamoFolioLedger,
  FolioContentionError,
  type FolioLedger,
  folioLedgerTable,
} from './folioLedger';

const tableName = 'mtd-dte-folios';
/** Wide authorised ranges, so the tests about races are not about CAFs. */
const wide = [{ from: 1, to: 1_000_000 }];

describe('dynamoFolioLedger on dynalite', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({
      tables: [
        folioLedgerTable(tableName),
        folioLedgerTable('mtd-dte-folios-caf'),
        folioLedgerTable('mtd-dte-folios-batch'),
        folioLedgerTable('mtd-dte-folios-holes'),
      ],
    });
  });
  afterAll(() => engine.close());

  it('hands out 1..N per type, no gap, no repeat, under 200 concurrent allocations from 4 ledgers', async () => {
    // Four ledgers on four clients: as many Lambda instances racing for the same table.
    const clients = Array.from({ length: 4 }, () => dynamoClientFor(engine.endpoint));
    const ledgers = clients.map((client) => dynamoFolioLedger({ client, tableName }));
    try {
      const requests = Array.from({ length: 200 }, (_, i) => ({
        dteType: i % 2 === 0 ? (33 as const) : (39 as const),
        orderId: `PO-C${i}`,
        ledger: ledgers[i % ledgers.length] as FolioLedger,
      }));
      const folios = (
        await Promise.all(requests.map((r) => r.ledger.allocate(r.dteType, r.orderId, wide)))
      ).map((a) => a.folio);
      for (const dteType of [33, 39] as const) {
        const ofType = folios.filter((_, i) => requests[i]?.dteType === dteType).sort((a, b) => a - b);
        expect(ofType).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      }
      // A redelivery for an order that already holds a folio gets the same folio, from any ledger.
      const again = await Promise.all(
        requests.map((r, i) =>
          (ledgers[(i + 1) % ledgers.length] as FolioLedger).allocate(r.dteType, r.orderId, wide),
        ),
      );
      expect(again.map((a) => a.folio)).toEqual(folios);
    } finally {
      for (const client of clients) client.destroy();
    }
  }, 60_000);

  it('gives concurrent deliveries of one order a single folio', async () => {
    const ledger = dynamoFolioLedger({ client: engine.client, tableName });
    const folios = await Promise.all(Array.from({ length: 10 }, () => ledger.allocate(33, 'PO-TWICE', wide)));
    expect(new Set(folios.map((a) => a.folio)).size).toBe(1);
    const next = await ledger.allocate(33, 'PO-AFTER', wide);
    expect(next.folio).toBe((folios[0]?.folio as number) + 1);
  });

  it('gives up with a named error when it keeps losing the race', async () => {
    const rival = dynamoFolioLedger({ client: engine.client, tableName });
    // The loser's own client: before each of its PutItems, a rival takes that very folio.
    const client = dynamoClientFor(engine.endpoint);
    let rivals = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand') await rival.allocate(39, `PO-RIVAL-${++rivals}`, wide);
        return next(args);
      },
      { step: 'initialize' },
    );
    const waits: number[] = [];
    const ledger = dynamoFolioLedger({
      client,
      tableName,
      maxAttempts: 3,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    try {
      await expect(ledger.allocate(39, 'PO-LOSER', wide)).rejects.toBeInstanceOf(FolioContentionError);
    } finally {
      client.destroy();
    }
    // Jittered exponential backoff between attempts (base 5 ms, random 0.5): 2, 5, 10.
    expect(waits).toEqual([2, 5, 10]);
  });

  it('takes folios only from the authorised ranges, in order, across a gap between two CAFs', async () => {
    const table = 'mtd-dte-folios-caf';
    const ledger = dynamoFolioLedger({ client: engine.client, tableName: table });
    const cafs = [
      { from: 11, to: 13 },
      { from: 21, to: 22 },
    ];
    const taken = [];
    for (let i = 0; i < 5; i++) taken.push(await ledger.allocate(39, `PO-R${i}`, cafs));
    expect(taken).toEqual([
      { folio: 11, remaining: 4 },
      { folio: 12, remaining: 3 },
      { folio: 13, remaining: 2 },
      { folio: 21, remaining: 1 },
      { folio: 22, remaining: 0 },
    ]);
    // Out of folios: a named, retryable error, and nothing written (no fake folio, no gap).
    await expect(ledger.allocate(39, 'PO-R5', cafs)).rejects.toBeInstanceOf(CafExhaustedError);
    // A new CAF loaded: the same order gets its next folio, and the sequence goes on from it.
    const more = [...cafs, { from: 23, to: 30 }];
    expect(await ledger.allocate(39, 'PO-R5', more)).toEqual({ folio: 23, remaining: 7 });
    // A fresh ledger (another process) reads the same tail.
    expect(
      await dynamoFolioLedger({ client: engine.client, tableName: table }).allocate(39, 'PO-R6', more),
    ).toEqual({
      folio: 24,
      remaining: 6,
    });
  });

  it('reserves the folios of allocations waiting together in one write, gapless', async () => {
    const table = 'mtd-dte-folios-batch';
    const client = dynamoClientFor(engine.endpoint);
    const writes: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'QueryCommand') writes.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize' },
    );
    try {
      const ledger = dynamoFolioLedger({ client, tableName: table });
      const orders = Array.from({ length: 40 }, (_, i) => `PO-B${i}`);
      // Two deliveries of one order in the same batch share its folio.
      const taken = await Promise.all(
        [...orders, 'PO-B0'].map((orderId) => ledger.allocate(33, orderId, wide)),
      );
      const folios = taken.map((a) => a.folio);
      expect([...new Set(folios)].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(folios[40]).toBe(folios[0]);
      // The first allocation takes its turn alone; the 39 that waited behind it share the next write.
      expect(writes).toEqual(['PutItemCommand', 'TransactWriteItemsCommand']);
    } finally {
      client.destroy();
    }
  });

  it('closes the holes a transaction cut short by a crash left below the last folio, first', async () => {
    const table = 'mtd-dte-folios-holes';
    // As the embedded engine may leave a kill -9 inside a transaction of folios 1..5: 2 and 4 unwritten.
    for (const folio of [1, 3, 5])
      await engine.client.send(
        new PutItemCommand({
          TableName: table,
          Item: { dteType: { N: '33' }, folio: { N: String(folio) }, orderId: { S: `PO-H${folio}` } },
        }),
      );
    const ledger = dynamoFolioLedger({ client: engine.client, tableName: table });
    const taken = [];
    for (const orderId of ['PO-H2', 'PO-H4', 'PO-H6'])
      taken.push((await ledger.allocate(33, orderId, wide)).folio);
    expect(taken).toEqual([2, 4, 6]);
    // The orders written before the crash keep theirs.
    expect((await ledger.allocate(33, 'PO-H3', wide)).folio).toBe(3);
  });
});
