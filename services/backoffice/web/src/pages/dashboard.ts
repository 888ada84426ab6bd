import { html } from 'htm/preact';
import { useCallback, useState } from 'preact/hooks';
import { ChartCard, Failure, type OrderRow, OrdersTable, seriesChart, useLoad } from '../components';
import { formatMoney, formatNumber, formatPercent } from '../i18n';
import { upsertOrder, useOrderUpdates } from '../liveOrders';
import { usePortal } from '../session';
import { type DayStats, topByRevenueChart } from './statistics';

export function Dashboard() {
  const { t, api, can, lang } = usePortal();
  const stats = useLoad(
    () => (can('GET /api/stats') ? api<DayStats>('/api/stats') : Promise.resolve(undefined)),
    [],
  );
  const s = stats.data;
  return html`<section aria-labelledby="dash-title">
    <h1 id="dash-title">${t('dashboard')} · ${t('today')}</h1>
    <${Failure} message=${stats.error} />
    ${
      s
        ? html`<ul class="kpis" aria-label=${t('statistics')}>
            ${[
              ['orders', t('ordersCount'), formatNumber(lang, s.orders)],
              ['issued', t('issued'), formatNumber(lang, s.issued)],
              ['revenue', t('revenue'), formatMoney(lang, s.revenue)],
              ['aov', t('aov'), formatMoney(lang, s.averageOrderValue)],
              ['exceptions', t('exceptionsOpen'), formatNumber(lang, s.exceptionsOpen)],
              ['atRisk', t('atRisk'), formatNumber(lang, s.atRiskOpen ?? 0)],
              ['sla', t('slaCompliance'), formatPercent(lang, s.dispatch.share)],
            ].map(
              ([id, label, value]) =>
                html`<li class="kpi" data-kpi=${id}><div class="label">${label}</div><div class="value">${value}</div></li>`,
            )}
          </ul>
          <div class="grid">
            <${ChartCard}
              id="chart-hourly"
              title=${t('ordersPerHour')}
              config=${seriesChart(
                'bar',
                s.ordersPerHour.map((_, h) => t('hourLabel', { h })),
                [{ label: t('ordersCount'), data: s.ordersPerHour, color: '#1f6fd1' }],
              )}
            />
            <${ChartCard}
              id="chart-funnel"
              title=${t('funnel')}
              config=${seriesChart(
                'bar',
                [t('received'), t('accepted'), t('issued'), t('completed'), t('rejected')],
                [
                  {
                    label: t('ordersCount'),
                    data: [s.received, s.accepted, s.issued, s.byStage.completed ?? 0, s.rejected],
                    color: ['#5c8fd6', '#3b78c4', '#2a62a8', '#2e7d32', '#c62828'],
                  },
                ],
                { horizontal: true },
              )}
            />
            <${ChartCard}
              id="chart-top"
              title=${t('topByRevenue')}
              config=${topByRevenueChart(t, s)}
            />
          </div>`
        : null
    }
    <${LiveOrders} />
  </section>`;
}

function LiveOrders() {
  const { t, api } = usePortal();
  const [rows, setRows] = useState<OrderRow[] | undefined>(undefined);
  const [error, setError] = useState<string>();
  const refresh = useCallback(() => {
    api<{ items: OrderRow[] }>('/api/orders?limit=100').then(
      (page) => setRows([...page.items].reverse()),
      (e: Error) => setError(e.message),
    );
  }, []);
  useState(() => refresh());
  const streaming = useOrderUpdates(
    (order) => setRows((current) => upsertOrder(current ?? [], order)),
    refresh,
  );
  return html`<section class="card" aria-labelledby="live-title">
    <h2 id="live-title">${t('live')}</h2>
    ${streaming ? null : html`<p class="muted">${t('liveStreamOff')}</p>`}
    <${Failure} message=${error} />
    ${rows ? html`<${OrdersTable} rows=${rows} caption=${t('live')} />` : html`<p>${t('loading')}</p>`}
  </section>`;
}
