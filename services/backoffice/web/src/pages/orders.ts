import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import {
  Failure,
  Instant,
  type OrderRow,
  OrdersTable,
  Pager,
  StageBadge,
  timeHeader,
  useLoad,
  usePager,
} from '../components';
import { formatMoney } from '../i18n';
import { usePortal } from '../session';

interface OrdersPage {
  items: OrderRow[];
  nextCursor?: string;
  /** The values the stage filter takes, from the API (the portal keeps no copy). */
  stages: string[];
}

export function Orders({ query }: { query: URLSearchParams }) {
  const { t, api } = usePortal();
  const pager = usePager();
  const [filter, setFilter] = useState(() => new URLSearchParams(query));
  const page = useLoad(() => {
    const q = new URLSearchParams(filter);
    q.set('limit', '50');
    if (pager.cursor) q.set('cursor', pager.cursor);
    return api<OrdersPage>(`/api/orders?${q}`);
  }, [filter.toString(), pager.cursor]);
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const next = new URLSearchParams();
    for (const name of ['stage', 'minAgeMinutes']) {
      const value = String(form.get(name) ?? '');
      if (value) next.set(name, value);
    }
    for (const name of ['exception', 'atRisk']) if (form.get(name)) next.set(name, 'true');
    pager.reset();
    setFilter(next);
    history.replaceState(null, '', `#/orders?${next}`);
  };
  return html`<section aria-labelledby="orders-title">
    <h1 id="orders-title">${t('orders')}</h1>
    <form class="inline" role="search" onSubmit=${onSubmit}>
      <label
        >${t('filterStage')}
        <select name="stage">
          <option value="">${t('all')}</option>
          ${(page.data?.stages ?? []).map(
            (s) => html`<option value=${s} selected=${filter.get('stage') === s}>${t(`stage_${s}`)}</option>`,
          )}
        </select>
      </label>
      <label><input type="checkbox" name="exception" checked=${filter.get('exception') === 'true'} /> ${t('onlyExceptions')}</label>
      <label><input type="checkbox" name="atRisk" checked=${filter.get('atRisk') === 'true'} /> ${t('onlyAtRisk')}</label>
      <label>${t('minAge')} <input type="number" min="0" name="minAgeMinutes" value=${filter.get('minAgeMinutes') ?? ''} /></label>
      <button type="submit">${t('apply')}</button>
    </form>
    <${Failure} message=${page.error} />
    ${page.data ? html`<${OrdersTable} rows=${page.data.items} caption=${t('orders')} />` : html`<p>${t('loading')}</p>`}
    <${Pager} pager=${pager} nextCursor=${page.data?.nextCursor} label=${t('orders')} />
  </section>`;
}

interface TimelineItem {
  eventId: string;
  type: string;
  version: number;
  streamId: string;
  streamVersion: number;
  occurredAt: string;
  actor: string;
  summary: string;
}

export function OrderDetail({ orderId }: { orderId: string }) {
  const { t, api, lang } = usePortal();
  const detail = useLoad(
    () =>
      api<{
        order: OrderRow & {
          atRisk: { stage: string; deadline: string }[];
          /** Where the SII has the DTE: received (verdict pending) or its verdict. */
          siiStatus: 'received' | 'accepted' | 'accepted-with-objections' | null;
        };
        timeline: TimelineItem[];
      }>(`/api/orders/${encodeURIComponent(orderId)}`),
    [orderId],
  );
  const order = detail.data?.order;
  return html`<section aria-labelledby="od-title">
    <h1 id="od-title">${t('order')} ${orderId} ${order ? html`· <${StageBadge} stage=${order.stage} />` : null}</h1>
    <${Failure} message=${detail.error} />
    ${
      order
        ? html`${
            order.atRisk.length
              ? html`<p class="error">
                  ⚠ ${t('atRisk')}:
                  ${order.atRisk.map((r) => html`${t(`stage_${r.stage}`)} (<${Instant} iso=${r.deadline} />) `)}
                </p>`
              : null
          }
          ${order.exception ? html`<p class="error">${t('exception')}: ${t(`stage_${order.exception.stage}`)}: ${order.exception.reason}</p>` : null}
          <p>${t('folio')}: ${order.folio ?? '—'} · ${t('total')}: ${formatMoney(lang, order.total)} · ${t('sii')}: ${order.siiStatus ? t(`sii_${order.siiStatus}`) : '—'}</p>
          <h2>${t('timeline')}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">${timeHeader(t, 'when')}</th>
                <th scope="col">${t('event')}</th>
                <th scope="col">${t('stream')}</th>
                <th scope="col">${t('actor')}</th>
                <th scope="col">${t('summary')}</th>
              </tr>
            </thead>
            <tbody>
              ${detail.data!.timeline.map(
                (i) => html`<tr key=${i.eventId}>
                  <td><${Instant} iso=${i.occurredAt} /></td>
                  <td>${i.type} v${i.version}</td>
                  <td>${i.streamId}#${i.streamVersion}</td>
                  <td>${i.actor}</td>
                  <td>${i.summary}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : null
    }
    <p><a href="#/orders">← ${t('back')}</a></p>
  </section>`;
}
