import { readdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CustomerNotifiedV1,
  DteBroadcastV2,
  DteIssuedV2,
  type EventOf,
  type MtdEvent,
  OrderAcceptedV1,
  OrderReceivedV1,
  OrderRejectedV1,
  type PurchaseOrder,
} from '@mtd/contracts';
import { batchXml, defects, orderXml, sampleOrder, seededRandom } from '@mtd/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEvents, authedFetch, caughtUp, eventually, postOrder, startTestRuntime } from './harness';

interface Stats {
  received: number;
  accepted: number;
  rejected: number;
  revenue: number;
  averageOrderValue: number;
  topProductsByQuantity: { sku: string; quantity: number }[];
}
type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;
const defectNames = Object.keys(defects) as (keyof typeof defects)[];

describe('the whole choreography on the embedded default', () => {
  let runtime: TestRuntime;
  const random = seededRandom(2026);
  const valid: PurchaseOrder[] = [];
  const invalid: PurchaseOrder[] = [];
  const order = (i: number) => sampleOrder({ orderId: `E2E-${i.toString().padStart(3, '0')}`, random });
  // 150 single orders over HTTP (20 broken) and one batch file of 50 (5 broken): 200, 25 invalid.
  for (let i = 0; i < 200; i++) {
    const broken = i < 150 ? i % 7 === 3 : i % 10 === 4; // 21 singles + 5 in the batch
    if (broken) invalid.push(defects[defectNames[i % defectNames.length]!](order(i)));
    else valid.push(order(i));
  }
  const isBatch = (o: PurchaseOrder) => Number(o.orderId.slice(4)) >= 150;
  const resent = valid.filter((o) => !isBatch(o)).slice(0, 10);

  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(() => runtime.cleanup());

  it('takes 200 orders over HTTP and the inbox, and every valid one is issued, broadcast and notified', async () => {
    const singles = [...valid, ...invalid].filter((o) => !isBatch(o));
    const batch = [...valid, ...invalid].filter(isBatch).sort((a, b) => a.orderId.localeCompare(b.orderId));
    expect(singles.length + batch.length).toBe(200);
    expect(batch).toHaveLength(50);
    expect(invalid.length).toBeGreaterThanOrEqual(20);

    await writeFile(join(runtime.inbox, 'batch-50.xml.tmp'), batchXml(batch.map(orderXml)));
    await rename(join(runtime.inbox, 'batch-50.xml.tmp'), join(runtime.inbox, 'batch-50.xml'));

    const responses = new Map<string, { status: number; body: Record<string, unknown> }>();
    const queue = [...singles];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let o = queue.shift(); o; o = queue.shift()) {
          const asXml = Number(o.orderId.slice(4)) % 2 === 0;
          responses.set(
            o.orderId,
            await postOrder(
              runtime.url,
              asXml ? orderXml(o) : JSON.stringify(o),
              asXml ? 'application/xml' : 'application/json',
            ),
          );
        }
      }),
    );
    for (const o of singles) {
      const expected = valid.includes(o) ? 202 : 400;
      expect(responses.get(o.orderId)?.status, o.orderId).toBe(expected);
      expect(responses.get(o.orderId)?.body.orderId).toBe(o.orderId);
    }
    for (const o of invalid.filter((x) => !isBatch(x))) {
      const problems = responses.get(o.orderId)!.body.problems as { path: string; message: string }[];
      expect(problems.length, o.orderId).toBeGreaterThan(0);
      expect(problems[0]!.path).not.toBe('');
    }
    // Ten orders resent twice: identical content is a no-op, answered like the original.
    for (const o of resent) {
      for (let i = 0; i < 2; i++) {
        const again = await postOrder(runtime.url, orderXml(o), 'application/xml');
        expect(again.status).toBe(202);
        expect(again.body.duplicate).toBe(true);
      }
    }

    const report = await eventually(
      'the batch report',
      () => {
        try {
          return JSON.parse(readFileSync(join(runtime.inbox, 'done', 'batch-50.xml.report.json'), 'utf8'));
        } catch {
          return undefined;
        }
      },
      (r) => r !== undefined,
    );
    expect(report.accepted).toBe(batch.filter((o) => valid.includes(o)).length);
    expect(report.rejected).toBe(batch.filter((o) => invalid.includes(o)).length);

    await eventually(
      'every valid order to be broadcast and notified',
      async () => {
        const events = await allEvents(runtime.reader);
        return {
          // The SII's verdict (DteBroadcast v2 `received` is the upload, before the verdict).
          broadcast: events.filter(
            (e) => e.type === DteBroadcastV2.detailType && e.data.status !== 'received',
          ).length,
          notified: events.filter((e) => e.type === CustomerNotifiedV1.detailType).length,
        };
      },
      ({ broadcast, notified }) => broadcast === valid.length && notified === valid.length,
    );
    await eventually('every subscription to catch up', () => caughtUp(runtime.url), Boolean);
  });

  it('records each order once, issues folios 1..N per type and writes one email per notified order', async () => {
    const events = await allEvents(runtime.reader);
    const ofType = <T extends MtdEvent['type']>(type: T) =>
      events.filter((e) => e.type === type) as EventOf<T>[];
    const received = ofType(OrderReceivedV1.detailType);
    expect(received).toHaveLength(200); // resends stored nothing
    expect(new Set(ofType(OrderAcceptedV1.detailType).map((e) => e.data.orderId))).toEqual(
      new Set(valid.map((o) => o.orderId)),
    );
    const rejections = ofType(OrderRejectedV1.detailType);
    expect(new Set(rejections.map((e) => e.data.orderId))).toEqual(new Set(invalid.map((o) => o.orderId)));
    for (const rejection of rejections) expect(rejection.data.reasons.length).toBeGreaterThan(0);

    const issued = ofType(DteIssuedV2.detailType);
    expect(issued).toHaveLength(valid.length);
    for (const dteType of [33, 39] as const) {
      const folios = issued
        .filter((e) => e.data.dteType === dteType)
        .map((e) => e.data.folio)
        .sort((a, b) => a - b);
      expect(folios.length).toBeGreaterThan(0);
      expect(folios).toEqual(folios.map((_, i) => i + 1));
    }
    for (const dte of issued) {
      const o = valid.find((v) => v.orderId === dte.data.orderId)!;
      expect(dte.data.dteType).toBe(o.customer.taxId ? 33 : 39);
      // What was charged; the document's total is MntNeto + IVA by the SII rule of its type (a factura's
      // can be a peso off the charged sum, dte amounts.ts).
      expect(dte.data.gross).toBe(o.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0));
      expect(Math.abs(dte.data.total - dte.data.gross)).toBeLessThanOrEqual(dte.data.dteType === 33 ? 1 : 0);
      expect(dte.data.net + dte.data.iva).toBe(dte.data.total);
    }

    const notified = ofType(CustomerNotifiedV1.detailType);
    expect(new Set(notified.map((e) => e.data.orderId)).size).toBe(valid.length);
    const emails = readdirSync(runtime.outbox).filter((f) => f.endsWith('.eml'));
    expect(emails).toHaveLength(valid.length);
    const oneEmail = readFileSync(join(runtime.outbox, emails[0]!), 'utf8');
    expect(oneEmail).toMatch(/^Content-Type: multipart\/alternative/m);
  });

  it('shows statistics equal to a recount from the event store, and an audit chain that verifies', async () => {
    const events = await allEvents(runtime.reader);
    const issued = events.filter((e) => e.type === DteIssuedV2.detailType) as EventOf<'DteIssued'>[];
    const accepted = events.filter(
      (e) => e.type === OrderAcceptedV1.detailType,
    ) as EventOf<'OrderAccepted'>[];
    const day = (events.find((e) => e.type === OrderReceivedV1.detailType) as EventOf<'OrderReceived'>).data
      .receivedAt;
    const businessDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Santiago' }).format(
      new Date(day),
    );
    const stats = (await (await authedFetch(runtime.url, `/api/stats?day=${businessDay}`)).json()) as Stats;

    const revenue = issued.reduce((sum, e) => sum + e.data.total, 0);
    const quantities = new Map<string, number>();
    for (const e of accepted)
      for (const l of e.data.order.lines) quantities.set(l.sku, (quantities.get(l.sku) ?? 0) + l.quantity);
    const top3 = [...quantities].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3);

    expect(stats.received).toBe(200);
    expect(stats.accepted).toBe(valid.length);
    expect(stats.rejected).toBe(invalid.length);
    expect(stats.revenue).toBe(revenue);
    expect(stats.averageOrderValue).toBe(Math.round(revenue / issued.length));
    expect(stats.topProductsByQuantity.map((p) => [p.sku, p.quantity])).toEqual(top3);

    const audit = (await (await authedFetch(runtime.url, `/api/audit/verify`)).json()) as {
      ok: boolean;
      treeSize: number;
    };
    // The ledger holds every stored event, each once, and recomputes from the store.
    expect(audit).toMatchObject({ ok: true, treeSize: events.length, problems: [] });
  });
});
