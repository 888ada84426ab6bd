import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ChartCard, Failure, Instant, seriesChart, useLoad } from '../components';
import { businessToday, formatMoney, formatNumber, formatPercent } from '../i18n';
import { saveAs, usePortal } from '../session';

interface TopProduct {
  sku: string;
  description: string;
  quantity: number;
  revenue: number;
}
interface Latency {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}
interface Stats {
  orders: number;
  byStage: Record<string, number>;
  received: number;
  accepted: number;
  rejected: number;
  issued: number;
  revenue: number;
  averageOrderValue: number | null;
  topProductsByQuantity: TopProduct[];
  topProductsByRevenue: TopProduct[];
  latencies: Record<string, Latency>;
  exceptionsOpen: number;
  dispatch: {
    asOf: string;
    due: number;
    onTime: number;
    late: number;
    share: number | null;
    pending: number;
    pendingCompleted: number;
  };
}
export interface DayStats extends Stats {
  day: string;
  ordersPerHour: number[];
  atRiskOpen?: number;
}
export interface PeriodStats extends Stats {
  from: string;
  to: string;
  daily: { day: string; orders: number; issued: number; revenue: number; averageOrderValue: number | null }[];
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);

/** The best-selling products by revenue, ranked: on the dashboard (today) and the statistics page. */
export function topByRevenueChart(t: (key: string) => string, s: Pick<DayStats, 'topProductsByRevenue'>) {
  return seriesChart(
    'bar',
    s.topProductsByRevenue.map((p) => p.description),
    [{ label: t('revenue'), data: s.topProductsByRevenue.map((p) => Number(p.revenue)), color: '#b3641b' }],
    { horizontal: true },
  );
}

export function Statistics({ query }: { query: URLSearchParams }) {
  const { t, api, lang } = usePortal();
  const today = businessToday(new Date());
  const [range, setRange] = useState({ from: query.get('from') ?? today, to: query.get('to') ?? today });
  const stats = useLoad(
    () => api<PeriodStats>(`/api/stats?${new URLSearchParams(range)}`),
    [range.from, range.to],
  );
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const next = { from: String(form.get('from')), to: String(form.get('to')) };
    setRange(next);
    history.replaceState(null, '', `#/stats?${new URLSearchParams(next)}`);
  };
  const downloadCsv = async () => {
    const csv = await api<string>(`/api/stats?${new URLSearchParams(range)}&format=csv`, { raw: true });
    saveAs(`mtd-stats-${range.from}_${range.to}.csv`, csv, 'text/csv');
  };
  const s = stats.data;
  return html`<section aria-labelledby="st-title">
    <h1 id="st-title">${t('statistics')}</h1>
    <form class="inline" onSubmit=${onSubmit}>
      <label>${t('from')} <input type="date" name="from" value=${range.from} required /></label>
      <label>${t('to')} <input type="date" name="to" value=${range.to} required /></label>
      <button type="submit">${t('show')}</button>
      <button type="button" id="download-csv" onClick=${downloadCsv}>${t('downloadCsv')}</button>
    </form>
    <${Failure} message=${stats.error} />
    ${s ? html`<${Figures} s=${s} lang=${lang} />` : stats.loading ? html`<p>${t('loading')}</p>` : null}
  </section>`;
}

function Figures({ s }: { s: PeriodStats }) {
  const { t, lang } = usePortal();
  const days = s.daily.map((d) => d.day);
  const latencyKeys = Object.keys(s.latencies);
  const rows: [string, string, string][] = [
    ['orders', t('ordersCount'), formatNumber(lang, s.orders)],
    ['received', t('received'), formatNumber(lang, s.received)],
    ['accepted', t('accepted'), formatNumber(lang, s.accepted)],
    ['rejected', t('rejected'), formatNumber(lang, s.rejected)],
    ['issued', t('issued'), String(s.issued)],
    ['revenue', t('revenue'), formatMoney(lang, s.revenue)],
    ['aov', t('aov'), formatMoney(lang, s.averageOrderValue)],
    ['exceptionsOpen', t('exceptionsOpen'), formatNumber(lang, s.exceptionsOpen)],
    [
      'slaCompliance',
      t('slaCompliance'),
      s.dispatch.due === 0
        ? t('dispatchNone')
        : t('dispatchShare', {
            share: formatPercent(lang, s.dispatch.share),
            onTime: s.dispatch.onTime,
            due: s.dispatch.due,
          }),
    ],
  ];
  return html`
    <table aria-label=${t('statistics')}>
      <thead><tr><th scope="col">${t('metric')}</th><th scope="col">${t('value')}</th></tr></thead>
      <tbody>
        ${rows.map(([id, label, value]) => html`<tr data-metric=${id}><th scope="row">${label}</th><td>${value}</td></tr>`)}
      </tbody>
    </table>
    <div class="grid">
      <${ChartCard}
        id="chart-daily-sales"
        title=${t('dailySales')}
        config=${seriesChart('bar', days, [
          { label: t('revenue'), data: s.daily.map((d) => Number(d.revenue)), color: '#1f6fd1' },
        ])}
      />
      <${ChartCard}
        id="chart-daily-orders"
        title=${t('dailyOrders')}
        config=${seriesChart('line', days, [
          { label: t('ordersCount'), data: s.daily.map((d) => d.orders), color: '#17324d' },
          { label: t('issued'), data: s.daily.map((d) => d.issued), color: '#2e7d32' },
        ])}
      />
      <${ChartCard}
        id="chart-daily-aov"
        title=${t('dailyAov')}
        config=${seriesChart('line', days, [
          {
            label: t('aov'),
            data: s.daily.map((d) => (d.averageOrderValue === null ? null : Number(d.averageOrderValue))),
            color: '#b3641b',
          },
        ])}
      />
      <${ChartCard}
        id="chart-top-revenue"
        title=${t('topByRevenue')}
        config=${topByRevenueChart(t, s)}
      />
      <${ChartCard}
        id="chart-top-quantity"
        title=${t('topByQuantity')}
        config=${seriesChart(
          'bar',
          s.topProductsByQuantity.map((p) => p.description),
          [{ label: t('units'), data: s.topProductsByQuantity.map((p) => p.quantity), color: '#5b3fa8' }],
          { horizontal: true },
        )}
      />
      <${ChartCard}
        id="chart-latency"
        title=${t('latencyTitle')}
        config=${{
          type: 'bar',
          data: {
            labels: latencyKeys.map((k) => t(`latency_${k}`)),
            datasets: (['p50', 'p95', 'p99'] as const).map((p, i) => ({
              label: p,
              data: latencyKeys.map((k) => seconds(s.latencies[k]![p])),
              backgroundColor: ['#5c8fd6', '#2a62a8', '#17324d'][i],
            })),
          },
        }}
      />
      <${ChartCard}
        id="chart-dispatch"
        title=${t('dispatchTitle')}
        config=${{
          type: 'doughnut',
          data: {
            labels: [t('onTime'), t('late')],
            datasets: [
              {
                label: t('dispatchTitle'),
                data: [s.dispatch.onTime, s.dispatch.late],
                backgroundColor: ['#2e7d32', '#c62828'],
              },
            ],
          },
        }}
      />
    </div>
    <p id="dispatch-pending" class="muted">
      ${t('pendingDispatch', { n: s.dispatch.pending, done: s.dispatch.pendingCompleted })}
      ${' '}(${t('asOf', { when: '' })}<${Instant} iso=${s.dispatch.asOf} />)
    </p>
    <div class="grid">
      ${[
        ['top-revenue', t('topByRevenue'), s.topProductsByRevenue],
        ['top-quantity', t('topByQuantity'), s.topProductsByQuantity],
      ].map(
        ([id, title, list]) => html`<table id=${`table-${id}`}>
          <caption>${title as string}</caption>
          <thead><tr><th scope="col">${t('rank')}</th><th scope="col">${t('product')}</th><th scope="col">${t('units')}</th><th scope="col">${t('revenue')}</th></tr></thead>
          <tbody>
            ${(list as TopProduct[]).map(
              (p, i) =>
                html`<tr data-sku=${p.sku}><td>${i + 1}</td><td>${p.description} (${p.sku})</td><td>${formatNumber(lang, p.quantity)}</td><td>${formatMoney(lang, p.revenue)}</td></tr>`,
            )}
          </tbody>
        </table>`,
      )}
      <table id="table-latency">
        <caption>${t('latencyTitle')}</caption>
        <thead><tr><th scope="col">${t('latencyStage')}</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th><th scope="col">${t('orderCount')}</th></tr></thead>
        <tbody>
          ${latencyKeys.map((k) => {
            const l = s.latencies[k]!;
            return html`<tr data-latency=${k}><th scope="row">${t(`latency_${k}`)}</th>${[l.p50, l.p95, l.p99].map((v) => html`<td>${formatNumber(lang, seconds(v), 1)} s</td>`)}<td>${l.count}</td></tr>`;
          })}
        </tbody>
      </table>
    </div>`;
}
