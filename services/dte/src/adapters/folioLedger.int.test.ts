import { dynamoClientFor } from '@mtd/platform/dynalite';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoFolioLedger, FolioContentionError, type FolioLedger, folioLedgerTable } from './folioLedger';

const tableName = 'mtd-dte-folios';

describe('dynamoFolioLedger on dynalite', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine({ tables: [folioLedgerTable(tableName)] });
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
      const folios = await Promise.all(requests.map((r) => r.ledger.allocate(r.dteType, r.orderId)));
      for (const dteType of [33, 39] as const) {
        const ofType = folios.filter((_, i) => requests[i]?.dteType === dteType).sort((a, b) => a - b);
        expect(ofType).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      }
      // A redelivery for an order that already holds a folio gets the same folio, from any ledger.
      const again = await Promise.all(
        requests.map((r, i) =>
          (ledgers[(i + 1) % ledgers.length] as FolioLedger).allocate(r.dteType, r.orderId),
        ),
      );
      expect(again).toEqual(folios);
    } finally {
      for (const client of clients) client.destroy();
    }
  }, 60_000);

  it('gives concurrent deliveries of one order a single folio', async () => {
    const ledger = dynamoFolioLedger({ client: engine.client, tableName });
    const folios = await Promise.all(Array.from({ length: 10 }, () => ledger.allocate(33, 'PO-TWICE')));
    expect(new Set(folios).size).toBe(1);
    const next = await ledger.allocate(33, 'PO-AFTER');
    expect(next).toBe((folios[0] as number) + 1);
  });

  it('gives up with a named error when it keeps losing the race', async () => {
    const rival = dynamoFolioLedger({ client: engine.client, tableName });
    // The loser's own client: before each of its PutItems, a rival takes that very folio.
    const client = dynamoClientFor(engine.endpoint);
    let rivals = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand') await rival.allocate(39, `PO-RIVAL-${++rivals}`);
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
      await expect(ledger.allocate(39, 'PO-LOSER')).rejects.toBeInstanceOf(FolioContentionError);
    } finally {
      client.destroy();
    }
    // Jittered exponential backoff between attempts (base 5 ms, random 0.5): 2, 5, 10.
    expect(waits).toEqual([2, 5, 10]);
  });
});
