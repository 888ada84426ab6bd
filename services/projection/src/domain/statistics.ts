import { type OrderStage, type OrderView, orderStages } from '#domain/orderView';

export interface TopProduct {
  sku: string;
  description: string;
  quantity: number;
  /** Σ lineTotal of the product on issued DTEs, in pesos (exact: a bigint). */
  revenue: bigint;
}

/** Nearest-rank percentiles in whole milliseconds; null when no order has both ends of the stage. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface DayStatistics {
  day: string;
  /** Orders received that day (the views indexed under the day). */
  orders: number;
  byStage: Record<OrderStage, number>;
  received: number;
  accepted: number;
  rejected: number;
  /** Orders with an issued DTE. */
  issued: number;
  /**
   * Σ total of the issued DTEs, in pesos. A bigint: a sum of many orders can pass 2^53, where a
   * number silently rounds; the query API writes it as an exact JSON integer.
   */
  revenue: bigint;
  /** revenue / issued, rounded half-up to whole pesos; null when nothing was issued. */
  averageOrderValue: bigint | null;
  topProductsByQuantity: TopProduct[];
  topProductsByRevenue: TopProduct[];
  latencies: {
    acceptedToIssued: LatencySummary;
    issuedToBroadcast: LatencySummary;
    issuedToNotified: LatencySummary;
  };
  exceptionsOpen: number;
  /** Dispatch compliance as of the instant the statistics were asked for. */
  dispatch: DispatchCompliance;
}

/**
 * Dispatch compliance over the deadlines that have passed: `due` accepted orders whose dispatchBy is
 * at or before `asOf`, `onTime` of them completed (broadcast and notified) no later than it, `late`
 * the rest; `share` = onTime / due rounded to 4 decimals, null when none is due yet. `pending`:
 * accepted orders whose deadline is still ahead (shown apart, never counted in the share), of which
 * `pendingCompleted` are already done.
 */
export interface DispatchCompliance {
  asOf: string;
  due: number;
  onTime: number;
  late: number;
  share: number | null;
  pending: number;
  pendingCompleted: number;
}

/** Integer division rounded half-up, exact for non-negative integers of any size (bigint). */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

/** Nearest-rank percentile of sorted values: the smallest value with at least p% of values ≤ it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

function summarize(durations: number[]): LatencySummary {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

function between(from: string | null, to: string | null): number | null {
  return from && to ? Date.parse(to) - Date.parse(from) : null;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareDescending(a: number | bigint, b: number | bigint): number {
  return a > b ? -1 : a < b ? 1 : 0;
}

/**
 * The statistics of a day, recomputed from the day's order views. Because each view already dropped
 * duplicates and is independent of arrival order, the statistics are exact and a re-run gives the
 * same numbers; nothing is incremented per event. Views of other days are ignored.
 */
export function computeDayStatistics(day: string, views: readonly OrderView[], asOf: Date): DayStatistics {
  return {
    day,
    ...computeStatistics(
      views.filter((v) => v.day === day),
      asOf,
    ),
  };
}

/** Statistics of a range of business days, both ends included; views outside the range are ignored. */
export interface PeriodStatistics extends Omit<DayStatistics, 'day'> {
  from: string;
  to: string;
  /** One entry per day of the range, in order (days without orders included): the daily charts. */
  daily: DailyFigures[];
}

/** A day's sales and orders inside a period. */
export type DailyFigures = Pick<DayStatistics, 'day' | 'orders' | 'issued' | 'revenue' | 'averageOrderValue'>;

/**
 * The statistics of the days `from`..`to` (YYYY-MM-DD, inclusive), computed like a day's over the
 * union of the days' views: percentiles are over every order of the period, not averages of days.
 */
export function computePeriodStatistics(
  from: string,
  to: string,
  views: readonly OrderView[],
  asOf: Date,
): PeriodStatistics {
  const inRange = views.filter((v) => v.day !== null && v.day >= from && v.day <= to);
  const byDay = new Map<string, OrderView[]>();
  for (const view of inRange) byDay.set(view.day!, [...(byDay.get(view.day!) ?? []), view]);
  const daily = daysBetween(from, to).map((day) => {
    const { orders, issued, revenue, averageOrderValue } = computeDayStatistics(
      day,
      byDay.get(day) ?? [],
      asOf,
    );
    return { day, orders, issued, revenue, averageOrderValue };
  });
  return { from, to, ...computeStatistics(inRange, asOf), daily };
}

/** Every day from `from` to `to` inclusive (YYYY-MM-DD), in calendar order. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** Orders received per hour of the business day (index 0..23, in `timeZone`): the dashboard's chart. */
export function ordersPerHour(views: readonly OrderView[], timeZone: string): number[] {
  const hours = new Array<number>(24).fill(0);
  const format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
  for (const view of views) {
    if (!view.receivedAt) continue;
    const hour = Number(format.format(new Date(view.receivedAt)));
    hours[hour] = (hours[hour] ?? 0) + 1;
  }
  return hours;
}

function computeStatistics(views: readonly OrderView[], asOf: Date): Omit<DayStatistics, 'day'> {
  const ofDay = [...views].sort((a, b) => compareStrings(a.orderId, b.orderId));
  const byStage = Object.fromEntries(orderStages.map((s) => [s, 0])) as Record<OrderStage, number>;
  const products = new Map<string, TopProduct>();
  const acceptedToIssued: number[] = [];
  const issuedToBroadcast: number[] = [];
  const issuedToNotified: number[] = [];
  let received = 0;
  let accepted = 0;
  let rejected = 0;
  let issued = 0;
  let revenue = 0n;
  let exceptionsOpen = 0;
  let due = 0;
  let onTime = 0;
  let pending = 0;
  let pendingCompleted = 0;

  for (const view of ofDay) {
    byStage[view.stage] += 1;
    if (view.receivedAt) received += 1;
    if (view.acceptedAt) accepted += 1;
    if (view.rejectedAt) rejected += 1;
    if (view.exception) exceptionsOpen += 1;
    if (view.issuedAt && view.total !== null) {
      issued += 1;
      revenue += BigInt(view.total);
      for (const line of view.lines) {
        const product = products.get(line.sku) ?? {
          sku: line.sku,
          description: line.description,
          quantity: 0,
          revenue: 0n,
        };
        product.quantity += line.quantity;
        product.revenue += BigInt(line.lineTotal);
        products.set(line.sku, product);
      }
    }
    const a = between(view.acceptedAt, view.issuedAt);
    if (a !== null) acceptedToIssued.push(a);
    const b = between(view.issuedAt, view.broadcastAt);
    if (b !== null) issuedToBroadcast.push(b);
    const n = between(view.issuedAt, view.notifiedAt);
    if (n !== null) issuedToNotified.push(n);
    if (view.acceptedAt && view.dispatchBy) {
      const deadline = Date.parse(view.dispatchBy);
      const done = view.completedAt !== null && Date.parse(view.completedAt) <= deadline;
      if (deadline > asOf.getTime()) {
        pending += 1;
        if (done) pendingCompleted += 1;
      } else {
        due += 1;
        if (done) onTime += 1;
      }
    }
  }

  const all = [...products.values()];
  const top = (key: 'quantity' | 'revenue') =>
    [...all]
      .sort((x, y) => compareDescending(x[key], y[key]) || compareStrings(x.sku, y.sku))
      .slice(0, 3)
      .map((p) => ({ ...p }));

  return {
    orders: ofDay.length,
    byStage,
    received,
    accepted,
    rejected,
    issued,
    revenue,
    averageOrderValue: issued === 0 ? null : divideRoundHalfUp(revenue, BigInt(issued)),
    topProductsByQuantity: top('quantity'),
    topProductsByRevenue: top('revenue'),
    latencies: {
      acceptedToIssued: summarize(acceptedToIssued),
      issuedToBroadcast: summarize(issuedToBroadcast),
      issuedToNotified: summarize(issuedToNotified),
    },
    exceptionsOpen,
    dispatch: {
      asOf: asOf.toISOString(),
      due,
      onTime,
      late: due - onTime,
      share: due === 0 ? null : Math.round((onTime / due) * 10_000) / 10_000,
      pending,
      pendingCompleted,
    },
  };
}

/**
 * Characters that make a spreadsheet read a cell as a formula when they lead it (OWASP, CSV
 * Injection; ASVS 1.2.10): = + - @, tab, CR, LF and NUL, and their full-width forms, which some
 * locales' spreadsheets also take for operators.
 */
const formulaTriggers = /^[=+\-@\t\r\n\0＝＋－＠]/;

/**
 * One CSV cell (RFC 4180 quoting). Text that a spreadsheet would take for a formula gets a leading
 * `'` (shown as text, never evaluated) and is always quoted; numbers are written as they are.
 */
export function csvCell(value: string | number | bigint | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = formulaTriggers.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) || text !== value ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The statistics as `metric,value` CSV rows (one flat, spreadsheet-friendly table). */
export function dayStatisticsToCsv(stats: DayStatistics | PeriodStatistics): string {
  const rows: [string, string | number | bigint | null][] = [
    ...('day' in stats
      ? [['day', stats.day] as [string, string]]
      : [['from', stats.from] as [string, string], ['to', stats.to] as [string, string]]),
    ['orders', stats.orders],
    ['received', stats.received],
    ['accepted', stats.accepted],
    ['rejected', stats.rejected],
    ['issued', stats.issued],
    ['revenue', stats.revenue],
    ['averageOrderValue', stats.averageOrderValue],
    ['exceptionsOpen', stats.exceptionsOpen],
    ['dispatch.asOf', stats.dispatch.asOf],
    ['dispatch.due', stats.dispatch.due],
    ['dispatch.onTime', stats.dispatch.onTime],
    ['dispatch.late', stats.dispatch.late],
    ['dispatch.share', stats.dispatch.share],
    ['dispatch.pending', stats.dispatch.pending],
    ['dispatch.pendingCompleted', stats.dispatch.pendingCompleted],
  ];
  for (const stage of orderStages) rows.push([`stage.${stage}`, stats.byStage[stage]]);
  for (const [name, summary] of Object.entries(stats.latencies)) {
    rows.push([`latency.${name}.count`, summary.count]);
    rows.push([`latency.${name}.p50Ms`, summary.p50]);
    rows.push([`latency.${name}.p95Ms`, summary.p95]);
    rows.push([`latency.${name}.p99Ms`, summary.p99]);
  }
  const products = (name: string, list: TopProduct[]) =>
    list.forEach((p, i) => {
      rows.push([`${name}.${i + 1}.sku`, p.sku]);
      rows.push([`${name}.${i + 1}.description`, p.description]);
      rows.push([`${name}.${i + 1}.quantity`, p.quantity]);
      rows.push([`${name}.${i + 1}.revenue`, p.revenue]);
    });
  products('topByQuantity', stats.topProductsByQuantity);
  products('topByRevenue', stats.topProductsByRevenue);
  if ('daily' in stats) {
    for (const d of stats.daily) {
      rows.push([`daily.${d.day}.orders`, d.orders]);
      rows.push([`daily.${d.day}.issued`, d.issued]);
      rows.push([`daily.${d.day}.revenue`, d.revenue]);
      rows.push([`daily.${d.day}.averageOrderValue`, d.averageOrderValue]);
    }
  }
  return `${['metric,value', ...rows.map(([k, v]) => `${csvCell(k)},${csvCell(v)}`)].join('\n')}\n`;
}
