import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatInstant, formatMoney } from './i18n';
import { usePortal } from './session';

Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

/** An order view as the API lists it. */
export interface OrderRow {
  orderId: string;
  stage: string;
  receivedAt: string | null;
  folio: number | null;
  total: number | null;
  exception: { stage: string; reason: string } | null;
  atRisk: { stage: string; deadline?: string }[];
}

/**
 * A chart.js chart in a card. The canvas carries `data-values` (the plotted numbers, comma-separated,
 * dataset by dataset) so tests can compare what is drawn with what the API answered, and an
 * aria-label naming what it shows; the figures are also in the page's tables for screen readers.
 */
/** One series per chart kind, without a legend when there is only one; `horizontal` for ranked bars. */
export function seriesChart(
  type: 'bar' | 'line',
  labels: string[],
  series: { label: string; data: (number | null)[]; color: string | string[] }[],
  options: { horizontal?: boolean } = {},
): ChartConfiguration {
  return {
    type,
    data: {
      labels,
      datasets: series.map(({ label, data, color }) =>
        type === 'line'
          ? { label, data, borderColor: color, backgroundColor: color }
          : { label, data, backgroundColor: color },
      ),
    },
    options: {
      ...(options.horizontal ? { indexAxis: 'y' as const } : {}),
      ...(series.length === 1 ? { plugins: { legend: { display: false } } } : {}),
    },
  } as ChartConfiguration;
}

export function ChartCard(props: { id: string; title: string; config: ChartConfiguration }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const values = props.config.data.datasets.map((d) => (d.data as unknown[]).join(',')).join(';');
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      ...props.config,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...props.config.options },
    });
    return () => chart.destroy();
  }, [JSON.stringify(props.config.data), JSON.stringify(props.config.options ?? {})]);
  return html`<section class="card" aria-labelledby=${`${props.id}-title`}>
    <h2 id=${`${props.id}-title`}>${props.title}</h2>
    <div class="chart">
      <canvas id=${props.id} ref=${canvas} role="img" aria-label=${props.title} data-values=${values}></canvas>
    </div>
  </section>`;
}

export function StageBadge({ stage }: { stage: string }) {
  const { t } = usePortal();
  return html`<span class=${`badge ${stage}`} data-stage-badge=${stage}>${t(`stage_${stage}`)}</span>`;
}

/** An instant shown in Chile time; the UTC instant it stands for is in `datetime` and the tooltip. */
export function Instant({ iso }: { iso: string | null | undefined }) {
  const { lang } = usePortal();
  if (!iso) return html`<span>—</span>`;
  return html`<time datetime=${iso} title=${`${iso} (UTC)`}>${formatInstant(lang, iso)}</time>`;
}

/** A column header for instants: "Recibido (hora de Chile)". */
export function timeHeader(t: (key: string) => string, key: string): string {
  return `${t(key)} (${t('chileTime')})`;
}

export function OrdersTable(props: {
  rows: OrderRow[];
  retry?: (order: OrderRow) => Promise<void>;
  caption: string;
}) {
  const { t, lang } = usePortal();
  if (props.rows.length === 0) return html`<p class="muted">${t('noOrders')}</p>`;
  return html`<table>
    <caption class="visually-hidden">${props.caption}</caption>
    <thead>
      <tr>
        <th scope="col">${t('order')}</th>
        <th scope="col">${t('stage')}</th>
        <th scope="col">${timeHeader(t, 'receivedAt')}</th>
        <th scope="col">${t('folio')}</th>
        <th scope="col">${t('total')}</th>
        <th scope="col">${t('exception')}</th>
        ${props.retry ? html`<th scope="col">${t('retry')}</th>` : null}
      </tr>
    </thead>
    <tbody>
      ${props.rows.map(
        (o) => html`<tr
          key=${o.orderId}
          data-order=${o.orderId}
          data-stage=${o.stage}
          class=${[o.atRisk.length ? 'at-risk' : '', o.exception ? 'exception' : ''].join(' ').trim() || undefined}
        >
          <td><a href=${`#/orders/${encodeURIComponent(o.orderId)}`}>${o.orderId}</a></td>
          <td>
            <${StageBadge} stage=${o.stage} />
            ${
              o.atRisk.length
                ? html` <span class="badge risk">⚠ ${t('atRisk')}: ${o.atRisk.map((r) => t(`stage_${r.stage}`)).join(', ')}</span>`
                : null
            }
          </td>
          <td><${Instant} iso=${o.receivedAt} /></td>
          <td>${o.folio ?? '—'}</td>
          <td>${formatMoney(lang, o.total)}</td>
          <td>${o.exception ? `${t(`stage_${o.exception.stage}`)}: ${o.exception.reason}` : ''}</td>
          ${props.retry ? html`<td>${o.exception ? html`<${RetryButton} order=${o} retry=${props.retry} />` : ''}</td>` : null}
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function RetryButton(props: { order: OrderRow; retry: (order: OrderRow) => Promise<void> }) {
  const { t } = usePortal();
  const [busy, setBusy] = useState(false);
  return html`<button
    type="button"
    class="primary"
    disabled=${busy}
    aria-label=${`${t('retry')} ${props.order.orderId}`}
    onClick=${async () => {
      setBusy(true);
      try {
        await props.retry(props.order);
      } finally {
        setBusy(false);
      }
    }}
  >
    ${t('retry')}
  </button>`;
}

/** Older/newer buttons over an API's `nextCursor`, keeping the cursors already seen to go back. */
export function usePager() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const current = cursors[cursors.length - 1];
  return {
    cursor: current,
    page: cursors.length,
    older: (next: string) => setCursors([...cursors, next]),
    newer: () => setCursors(cursors.length > 1 ? cursors.slice(0, -1) : cursors),
    reset: () => setCursors([undefined]),
  };
}

export function Pager(props: {
  pager: ReturnType<typeof usePager>;
  nextCursor: string | undefined;
  label: string;
}) {
  const { t } = usePortal();
  return html`<nav class="pager" aria-label=${props.label}>
    <button type="button" disabled=${props.pager.page === 1} onClick=${props.pager.newer}>← ${t('newer')}</button>
    <span>${t('pageOf', { n: props.pager.page })}</span>
    <button
      type="button"
      disabled=${!props.nextCursor}
      onClick=${() => props.nextCursor && props.pager.older(props.nextCursor)}
    >
      ${t('older')} →
    </button>
  </nav>`;
}

/** Loads `load()` again whenever `deps` change; errors are shown, not thrown. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error: error.message, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

export function Failure({ message }: { message: string | undefined }) {
  return message ? html`<p class="error" role="alert">${message}</p>` : null;
}
