import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { Failure, type OrderRow, OrdersTable } from '../components';
import { upsertOrder, useOrderUpdates } from '../liveOrders';
import { usePortal } from '../session';

export function Exceptions() {
  const { t, api, can, toast } = usePortal();
  const [rows, setRows] = useState<OrderRow[]>();
  const [error, setError] = useState<string>();
  const refresh = useCallback(() => {
    api<{ items: OrderRow[] }>('/api/exceptions?limit=200').then(
      (page) => setRows(page.items),
      (e: Error) => setError(e.message),
    );
  }, []);
  useEffect(refresh, []);
  // Resolved exceptions leave the list live.
  useOrderUpdates(
    (order) => setRows((current) => upsertOrder(current ?? [], order, (o) => o.exception !== null)),
    refresh,
  );
  const retry = can('POST /api/exceptions/:orderId/retry')
    ? async (order: OrderRow) => {
        try {
          await api(`/api/exceptions/${encodeURIComponent(order.orderId)}/retry`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          });
          toast(t('retryRequested', { id: order.orderId }));
        } catch (e) {
          toast((e as Error).message);
        }
      }
    : undefined;
  return html`<section aria-labelledby="exc-title">
    <h1 id="exc-title">${t('exceptions')}</h1>
    <${Failure} message=${error} />
    ${
      rows === undefined
        ? html`<p>${t('loading')}</p>`
        : rows.length === 0
          ? html`<p class="muted">${t('noExceptions')}</p>`
          : html`<${OrdersTable} rows=${rows} retry=${retry} caption=${t('exceptions')} />`
    }
  </section>`;
}
