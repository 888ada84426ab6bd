// The back-office portal: vanilla ES modules, hash routes, every datum from /api with the user's token.
import { currentLang, dateTime, money, setLang, t } from './i18n.js';

const main = document.getElementById('main');
const session = {
  get token() {
    return sessionStorage.getItem('mtd.token');
  },
  get user() {
    return JSON.parse(sessionStorage.getItem('mtd.user') ?? 'null');
  },
  save(body) {
    sessionStorage.setItem('mtd.token', body.token);
    sessionStorage.setItem('mtd.user', JSON.stringify({ username: body.username, role: body.role }));
  },
  clear() {
    sessionStorage.removeItem('mtd.token');
    sessionStorage.removeItem('mtd.user');
  },
};

// Which views each role sees; mirrors the API's access rules (the API enforces them anyway).
const views = [
  { route: 'dashboard', key: 'dashboard', roles: ['operator', 'analyst', 'auditor', 'admin'] },
  { route: 'orders', key: 'orders', roles: ['operator', 'analyst', 'auditor', 'admin'] },
  { route: 'exceptions', key: 'exceptions', roles: ['operator', 'auditor', 'admin'] },
  { route: 'stats', key: 'statistics', roles: ['analyst', 'admin'] },
  { route: 'audit', key: 'audit', roles: ['auditor', 'admin'] },
  { route: 'dead-letters', key: 'deadLetters', roles: ['operator', 'admin'] },
  { route: 'users', key: 'users', roles: ['admin'] },
];
const can = (route) => views.find((v) => v.route === route)?.roles.includes(session.user?.role);

/** Builds an element: h('td', { class: 'x' }, 'text', child). Text is always set as text, never HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('show'), 4000);
}

class ApiError extends Error {}
async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { ...(options.headers ?? {}), authorization: `Bearer ${session.token}` },
  });
  if (response.status === 401) {
    session.clear();
    render();
    toast(t('sessionExpired'));
    throw new ApiError(t('sessionExpired'));
  }
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(body?.message ?? `${response.status}`);
  return body;
}

const charts = [];
function chart(canvas, config) {
  if (!window.Chart) return;
  charts.push(
    new window.Chart(canvas, {
      ...config,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
    }),
  );
}

let stopStream;
/** Follows /api/orders/stream (fetch, so the token goes in a header, not the URL). */
function followOrders(onOrder) {
  const controller = new AbortController();
  (async () => {
    for (;;) {
      try {
        const response = await fetch('/api/orders/stream', {
          headers: { authorization: `Bearer ${session.token}` },
          signal: controller.signal,
        });
        if (response.status === 401) {
          session.clear();
          render();
          return;
        }
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = /^event: ?(.*)$/m.exec(block)?.[1];
            const data = /^data: ?(.*)$/m.exec(block)?.[1];
            if (event === 'order' && data) onOrder(JSON.parse(data));
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 1000));
      if (controller.signal.aborted || !session.token) return;
    }
  })();
  return () => controller.abort();
}

function ordersTable(rows, { retry } = {}) {
  const tbody = h('tbody');
  const byId = new Map();
  const rowFor = (o) => {
    const risk = (o.atRisk ?? []).length > 0;
    const tr = h(
      'tr',
      {
        'data-order': o.orderId,
        'data-stage': o.stage,
        class: [risk ? 'at-risk' : '', o.exception ? 'exception' : ''].join(' ').trim() || undefined,
      },
      h('td', {}, h('a', { href: `#/orders/${encodeURIComponent(o.orderId)}` }, o.orderId)),
      h(
        'td',
        {},
        h('span', { class: `badge ${o.stage}` }, o.stage),
        risk
          ? h(
              'span',
              { class: 'badge risk', title: o.atRisk.map((r) => r.stage).join(', ') },
              ` ⚠ ${t('atRisk')}: ${o.atRisk.map((r) => r.stage).join(', ')}`,
            )
          : null,
      ),
      h('td', {}, dateTime(o.receivedAt)),
      h('td', {}, o.folio ?? '—'),
      h('td', {}, money(o.total)),
      h('td', {}, o.exception ? `${o.exception.stage}: ${o.exception.reason}` : ''),
      retry
        ? h(
            'td',
            {},
            o.exception
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'primary',
                    'aria-label': `${t('retry')} ${o.orderId}`,
                    onclick: (e) => retry(o, e.target),
                  },
                  t('retry'),
                )
              : '',
          )
        : null,
    );
    return tr;
  };
  const upsert = (o) => {
    const tr = rowFor(o);
    const old = byId.get(o.orderId);
    if (old) old.replaceWith(tr);
    else tbody.prepend(tr);
    byId.set(o.orderId, tr);
  };
  [...rows].reverse().forEach(upsert);
  const table = h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['order', 'stage', 'receivedAt', 'folio', 'total', 'exception'].map((k) =>
          h('th', { scope: 'col' }, t(k)),
        ),
        retry ? h('th', { scope: 'col' }, t('retry')) : null,
      ),
    ),
    tbody,
  );
  return {
    table,
    upsert,
    remove: (id) => {
      byId.get(id)?.remove();
      byId.delete(id);
    },
  };
}

async function dashboard() {
  const wrap = h(
    'section',
    { 'aria-labelledby': 'dash-title' },
    h('h1', { id: 'dash-title' }, `${t('dashboard')} · ${t('today')}`),
  );
  main.replaceChildren(wrap);
  if (can('stats')) {
    const s = await api('/api/stats');
    const kpi = (label, value, id) =>
      h(
        'div',
        { class: 'kpi', 'data-kpi': id },
        h('div', { class: 'label' }, label),
        h('div', { class: 'value' }, value),
      );
    wrap.append(
      h(
        'div',
        { class: 'kpis', role: 'list', 'aria-label': 'KPI' },
        kpi(t('ordersToday'), s.orders, 'orders'),
        kpi(t('issued'), s.issued, 'issued'),
        kpi(t('revenue'), money(s.revenue), 'revenue'),
        kpi(t('aov'), money(s.averageOrderValue), 'aov'),
        kpi(t('exceptionsOpen'), s.exceptionsOpen, 'exceptions'),
        kpi(t('atRisk'), s.atRiskOpen ?? 0, 'atRisk'),
        kpi(
          t('slaCompliance'),
          s.dispatch.share === null ? '—' : `${(s.dispatch.share * 100).toFixed(1)} %`,
          'sla',
        ),
      ),
    );
    const card = (title, id) => {
      const c = h('canvas', { id, role: 'img', 'aria-label': title });
      return [
        h(
          'section',
          { class: 'card', 'aria-label': title },
          h('h2', {}, title),
          h('div', { class: 'chart' }, c),
        ),
        c,
      ];
    };
    const [c1, hourly] = card(t('ordersPerHour'), 'chart-hourly');
    const [c2, funnel] = card(t('funnel'), 'chart-funnel');
    const [c3, top] = card(t('topProducts'), 'chart-top');
    const [c4, sla] = card(t('sla'), 'chart-sla');
    wrap.append(h('div', { class: 'grid' }, c1, c2, c3, c4));
    chart(hourly, {
      type: 'bar',
      data: {
        labels: [...Array(24).keys()].map((x) => `${x}h`),
        datasets: [{ label: t('ordersToday'), data: s.ordersPerHour, backgroundColor: '#1f6fd1' }],
      },
      options: { plugins: { legend: { display: false } } },
    });
    chart(funnel, {
      type: 'bar',
      data: {
        labels: [t('received'), t('accepted'), t('issued'), t('completed'), t('rejected')],
        datasets: [
          {
            data: [s.received, s.accepted, s.issued, s.byStage.completed, s.rejected],
            backgroundColor: ['#5c8fd6', '#3b78c4', '#2a62a8', '#2e7d32', '#c62828'],
          },
        ],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } } },
    });
    chart(top, {
      type: 'bar',
      data: {
        labels: s.topProductsByRevenue.map((p) => p.description),
        datasets: [
          {
            label: t('revenue'),
            data: s.topProductsByRevenue.map((p) => p.revenue),
            backgroundColor: '#f2a33a',
          },
        ],
      },
      options: { plugins: { legend: { display: false } } },
    });
    chart(sla, {
      type: 'doughnut',
      data: {
        labels: [t('onTime'), t('late')],
        datasets: [
          {
            data: [s.dispatch.onTime, s.dispatch.due - s.dispatch.onTime],
            backgroundColor: ['#2e7d32', '#e0e0e0'],
          },
        ],
      },
    });
  }
  await liveOrders(wrap, 'h2');
}

async function liveOrders(container, headingTag = 'h1') {
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'live-title' },
    h(headingTag, { id: 'live-title' }, t('live')),
  );
  container.append(section);
  const page = await api('/api/orders?limit=100');
  const table = ordersTable(page.items);
  section.append(table.table);
  stopStream = followOrders((o) => table.upsert(o));
}

async function orders() {
  const wrap = h(
    'section',
    { 'aria-labelledby': 'orders-title' },
    h('h1', { id: 'orders-title' }, t('orders')),
  );
  main.replaceChildren(wrap);
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  // The server names the stages it filters by; the portal keeps no copy of the list.
  const { stages } = await api('/api/orders?limit=1');
  const stage = h(
    'select',
    { name: 'stage', 'aria-label': t('filterStage') },
    h('option', { value: '' }, t('all')),
    ...stages.map((s) => h('option', { value: s, selected: params.get('stage') === s }, s)),
  );
  const exc = h('input', {
    type: 'checkbox',
    name: 'exception',
    checked: params.get('exception') === 'true',
  });
  const risk = h('input', { type: 'checkbox', name: 'atRisk', checked: params.get('atRisk') === 'true' });
  const age = h('input', {
    type: 'number',
    min: 0,
    name: 'minAgeMinutes',
    value: params.get('minAgeMinutes') ?? '',
  });
  wrap.append(
    h(
      'form',
      {
        class: 'inline',
        role: 'search',
        onsubmit: (e) => {
          e.preventDefault();
          const q = new URLSearchParams();
          if (stage.value) q.set('stage', stage.value);
          if (exc.checked) q.set('exception', 'true');
          if (risk.checked) q.set('atRisk', 'true');
          if (age.value) q.set('minAgeMinutes', age.value);
          location.hash = `#/orders?${q}`;
        },
      },
      h('label', {}, t('filterStage'), stage),
      h('label', {}, t('onlyExceptions'), exc),
      h('label', {}, t('onlyAtRisk'), risk),
      h('label', {}, t('minAge'), age),
      h('button', { type: 'submit' }, t('apply')),
    ),
  );
  const page = await api(`/api/orders?${params}&limit=100`);
  wrap.append(ordersTable(page.items).table);
}

async function exceptions() {
  const wrap = h(
    'section',
    { 'aria-labelledby': 'exc-title' },
    h('h1', { id: 'exc-title' }, t('exceptions')),
  );
  main.replaceChildren(wrap);
  const page = await api('/api/exceptions?limit=200');
  if (page.items.length === 0) {
    wrap.append(h('p', { class: 'muted' }, t('noExceptions')));
  }
  const retry = can('dead-letters')
    ? async (o, button) => {
        button.disabled = true;
        try {
          await api(`/api/exceptions/${encodeURIComponent(o.orderId)}/retry`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          });
          toast(`${t('retryRequested')}: ${o.orderId}`);
        } catch (error) {
          toast(error.message);
          button.disabled = false;
        }
      }
    : undefined;
  const table = ordersTable(page.items, { retry });
  wrap.append(table.table);
  // Resolved exceptions leave the list live.
  stopStream = followOrders((o) => (o.exception ? table.upsert(o) : table.remove(o.orderId)));
}

async function orderDetail(orderId) {
  const { order, timeline } = await api(`/api/orders/${encodeURIComponent(orderId)}`);
  main.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'od-title' },
      h(
        'h1',
        { id: 'od-title' },
        `${t('order')} ${order.orderId} · `,
        h('span', { class: `badge ${order.stage}` }, order.stage),
      ),
      order.atRisk.length
        ? h(
            'p',
            { class: 'error' },
            `⚠ ${t('atRisk')}: ${order.atRisk.map((r) => `${r.stage} (${dateTime(r.deadline)})`).join(', ')}`,
          )
        : null,
      order.exception
        ? h('p', { class: 'error' }, `${t('exception')}: ${order.exception.stage}: ${order.exception.reason}`)
        : null,
      h('p', {}, `${t('folio')}: ${order.folio ?? '—'} · ${t('total')}: ${money(order.total)}`),
      h('h2', {}, t('timeline')),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['when', 'event', 'stream', 'actor', 'summary'].map((k) => h('th', { scope: 'col' }, t(k))),
          ),
        ),
        h(
          'tbody',
          {},
          ...timeline.map((i) =>
            h(
              'tr',
              {},
              h('td', {}, dateTime(i.occurredAt)),
              h('td', {}, `${i.type} v${i.version}`),
              h('td', {}, `${i.streamId}#${i.streamVersion}`),
              h('td', {}, i.actor),
              h('td', {}, i.summary),
            ),
          ),
        ),
      ),
      h('p', {}, h('a', { href: '#/orders' }, `← ${t('back')}`)),
    ),
  );
}

async function stats() {
  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'America/Santiago' });
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const from = h('input', { type: 'date', name: 'from', value: params.get('from') ?? today });
  const to = h('input', { type: 'date', name: 'to', value: params.get('to') ?? today });
  const wrap = h('section', { 'aria-labelledby': 'st-title' }, h('h1', { id: 'st-title' }, t('statistics')));
  main.replaceChildren(wrap);
  const query = () => new URLSearchParams({ from: from.value, to: to.value });
  wrap.append(
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e) => {
          e.preventDefault();
          location.hash = `#/stats?${query()}`;
        },
      },
      h('label', {}, t('from'), from),
      h('label', {}, t('to'), to),
      h('button', { type: 'submit' }, t('show')),
      h(
        'button',
        {
          type: 'button',
          id: 'download-csv',
          onclick: async () => {
            const csv = await api(`/api/stats?${query()}&format=csv`);
            const link = h('a', {
              href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })),
              download: `mtd-stats-${from.value}_${to.value}.csv`,
            });
            document.body.append(link);
            link.click();
            link.remove();
          },
        },
        t('downloadCsv'),
      ),
    ),
  );
  const s = await api(`/api/stats?${query()}`);
  const rows = [
    ['ordersToday', s.orders],
    ['received', s.received],
    ['accepted', s.accepted],
    ['rejected', s.rejected],
    ['issued', s.issued],
    ['revenue', money(s.revenue)],
    ['aov', money(s.averageOrderValue)],
    ['exceptionsOpen', s.exceptionsOpen],
    [
      'slaCompliance',
      s.dispatch.share === null
        ? '—'
        : `${(s.dispatch.share * 100).toFixed(1)} % (${s.dispatch.onTime}/${s.dispatch.due})`,
    ],
  ];
  wrap.append(
    h(
      'table',
      { 'aria-label': t('statistics') },
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, t('metric')), h('th', { scope: 'col' }, t('value'))),
      ),
      h(
        'tbody',
        {},
        ...rows.map(([k, v]) =>
          h('tr', { 'data-metric': k }, h('th', { scope: 'row' }, t(k)), h('td', {}, v)),
        ),
        ...Object.entries(s.latencies).map(([k, l]) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, k),
            h(
              'td',
              {},
              `p50 ${l.p50 ?? '—'} ms · p95 ${l.p95 ?? '—'} ms · p99 ${l.p99 ?? '—'} ms (n=${l.count})`,
            ),
          ),
        ),
        ...s.topProductsByQuantity.map((p, i) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, `Top ${i + 1}`),
            h('td', {}, `${p.description} (${p.sku}) · ${p.quantity} · ${money(p.revenue)}`),
          ),
        ),
      ),
    ),
  );
}

async function audit() {
  const result = h('p', { id: 'verify-result', 'aria-live': 'polite' });
  const proofResult = h('p', { id: 'proof-result', 'aria-live': 'polite' });
  const orderId = h('input', { name: 'orderId', required: true, autocomplete: 'off' });
  const redact = h('input', { type: 'checkbox', name: 'redact' });
  const wrap = h(
    'section',
    { 'aria-labelledby': 'au-title' },
    h('h1', { id: 'au-title' }, t('audit')),
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          id: 'verify',
          onclick: async () => {
            const v = await api('/api/audit/verify');
            result.className = v.ok ? 'ok' : 'error';
            result.textContent = v.ok
              ? t('chainOk', { n: v.treeSize })
              : t('chainBroken', { seq: v.problems[0]?.where, reason: v.problems[0]?.detail });
          },
        },
        t('verify'),
      ),
    ),
    result,
    // A proof file for one order: the auditor checks it offline with `mtd audit check-proof FILE`.
    h('h2', { id: 'au-proof' }, t('proof')),
    h(
      'form',
      {
        class: 'inline',
        'aria-labelledby': 'au-proof',
        onsubmit: async (e) => {
          e.preventDefault();
          const id = orderId.value.trim();
          const query = redact.checked ? '?redact=true' : '';
          try {
            const proof = await api(`/api/audit/proof/${encodeURIComponent(id)}${query}`);
            const name = `mtd-proof-${id.replace(/[^\w.-]/g, '_')}${redact.checked ? '-redacted' : ''}.json`;
            const link = h('a', {
              href: URL.createObjectURL(
                new Blob([`${JSON.stringify(proof, null, 2)}\n`], { type: 'application/json' }),
              ),
              download: name,
            });
            document.body.append(link);
            link.click();
            link.remove();
            proofResult.className = 'ok';
            proofResult.textContent = t('proofReady', {
              n: proof.entries.length,
              size: proof.checkpoint.treeSize,
            });
          } catch (error) {
            proofResult.className = 'error';
            proofResult.textContent = error.message;
          }
        },
      },
      h('label', {}, t('order'), orderId),
      h('label', {}, t('redact'), redact),
      h('button', { type: 'submit', id: 'download-proof' }, t('downloadProof')),
    ),
    proofResult,
  );
  main.replaceChildren(wrap);
  const [checkpoints, page] = await Promise.all([
    api('/api/audit/checkpoints?limit=20'),
    api('/api/audit?limit=100'),
  ]);
  wrap.append(
    h('h2', { id: 'au-checkpoints' }, t('checkpoints', { n: checkpoints.total })),
    checkpoints.items.length === 0
      ? h('p', { class: 'muted' }, t('noCheckpoints'))
      : h(
          'table',
          { 'aria-labelledby': 'au-checkpoints', id: 'checkpoints' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['treeSize', 'when', 'rootHash', 'keyId'].map((k) => h('th', { scope: 'col' }, t(k))),
            ),
          ),
          h(
            'tbody',
            {},
            ...checkpoints.items.map((c) =>
              h(
                'tr',
                { 'data-tree-size': c.treeSize },
                h('td', {}, c.treeSize),
                h('td', {}, dateTime(c.time)),
                h('td', {}, h('code', { title: c.rootHash }, c.rootHash.slice(0, 16))),
                h('td', {}, h('code', { title: c.keyId }, c.keyId.slice(0, 16))),
              ),
            ),
          ),
        ),
    h('h2', { id: 'au-leaves' }, t('leaves', { n: page.treeSize })),
    h(
      'table',
      { 'aria-labelledby': 'au-leaves' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['seq', 'when', 'stream', 'event', 'hash'].map((k) => h('th', { scope: 'col' }, t(k))),
        ),
      ),
      h(
        'tbody',
        {},
        ...page.items.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, e.index),
            h('td', {}, dateTime(e.appendedAt)),
            h('td', {}, `${e.streamId}#${e.streamVersion}`),
            h('td', {}, h('code', {}, e.eventId)),
            h('td', {}, h('code', {}, e.leafHash.slice(0, 16))),
          ),
        ),
      ),
    ),
  );
}

async function deadLetters() {
  const wrap = h('section', { 'aria-labelledby': 'dl-title' }, h('h1', { id: 'dl-title' }, t('deadLetters')));
  main.replaceChildren(wrap);
  const { items } = await api('/api/dead-letters');
  if (items.length === 0) wrap.append(h('p', { class: 'muted' }, t('noDeadLetters')));
  wrap.append(
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['subscription', 'event', 'status', 'attempts', 'lastError', 'redrive'].map((k) =>
            h('th', { scope: 'col' }, t(k)),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...items.map((l) =>
          h(
            'tr',
            {},
            h('td', {}, l.subscription),
            h('td', {}, l.event),
            h('td', {}, l.status),
            h('td', {}, l.attempts),
            h('td', {}, l.lastError),
            h(
              'td',
              {},
              l.status === 'dead'
                ? h(
                    'button',
                    {
                      type: 'button',
                      'aria-label': `${t('redrive')} ${l.eventId}`,
                      onclick: async (e) => {
                        e.target.disabled = true;
                        try {
                          await api(
                            `/api/dead-letters/${encodeURIComponent(l.subscription)}/${encodeURIComponent(l.eventId)}/redrive`,
                            { method: 'POST' },
                          );
                          toast(t('redriven'));
                        } catch (error) {
                          toast(error.message);
                          e.target.disabled = false;
                        }
                      },
                    },
                    t('redrive'),
                  )
                : '',
            ),
          ),
        ),
      ),
    ),
  );
}

async function users() {
  const out = h('p', { 'aria-live': 'polite' });
  const name = h('input', { name: 'username', required: true, autocomplete: 'off' });
  const role = h(
    'select',
    { name: 'role' },
    ...['operator', 'analyst', 'auditor', 'admin'].map((r) => h('option', { value: r }, r)),
  );
  const wrap = h(
    'section',
    { 'aria-labelledby': 'us-title' },
    h('h1', { id: 'us-title' }, t('users')),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const u = await api('/api/users', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ username: name.value, role: role.value }),
            });
            out.className = 'ok';
            out.textContent = t('created', { p: u.password });
          } catch (error) {
            out.className = 'error';
            out.textContent = error.message;
          }
        },
      },
      h('label', {}, t('username'), name),
      h('label', {}, t('role'), role),
      h('button', { type: 'submit', class: 'primary' }, t('create')),
    ),
    out,
  );
  main.replaceChildren(wrap);
  const { items } = await api('/api/users');
  wrap.append(
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, t('username')), h('th', { scope: 'col' }, t('role'))),
      ),
      h('tbody', {}, ...items.map((u) => h('tr', {}, h('td', {}, u.username), h('td', {}, u.role)))),
    ),
  );
}

function signIn() {
  const error = h('p', { class: 'error', role: 'alert' });
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  main.replaceChildren(
    h(
      'form',
      {
        class: 'signin',
        'aria-labelledby': 'si-title',
        onsubmit: async (e) => {
          e.preventDefault();
          const response = await fetch('/api/auth/login', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: user.value, password: pass.value }),
          });
          const body = await response.json();
          if (!response.ok) {
            error.textContent = `${t('signInFailed')}: ${body.message}`;
            return;
          }
          session.save(body);
          location.hash = '#/dashboard';
          render();
        },
      },
      h('h1', { id: 'si-title' }, t('signIn')),
      h('label', { for: 'username' }, t('username'), user),
      h('label', { for: 'password' }, t('password'), pass),
      h('button', { type: 'submit', class: 'primary' }, t('signIn')),
      error,
    ),
  );
  user.focus();
}

function renderChrome() {
  document.getElementById('lang').textContent = t('langButton');
  document.getElementById('lang').setAttribute('aria-label', t('language'));
  document.getElementById('nav').setAttribute('aria-label', t('mainNav'));
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  const user = session.user;
  document.getElementById('logout').hidden = !user;
  document.getElementById('whoami').textContent = user ? `${user.username} (${user.role})` : '';
  const route = location.hash.replace(/^#\//, '').split(/[/?]/)[0] || 'dashboard';
  document
    .getElementById('nav')
    .replaceChildren(
      ...(user
        ? views
            .filter((v) => v.roles.includes(user.role))
            .map((v) =>
              h(
                'a',
                { href: `#/${v.route}`, 'aria-current': v.route === route ? 'page' : undefined },
                t(v.key),
              ),
            )
        : []),
    );
}

async function render() {
  stopStream?.();
  stopStream = undefined;
  while (charts.length) charts.pop().destroy();
  renderChrome();
  if (!session.token) return signIn();
  const [route, arg] = location.hash.replace(/^#\//, '').split('?')[0].split('/');
  const pages = {
    dashboard,
    orders: arg ? () => orderDetail(decodeURIComponent(arg)) : orders,
    exceptions,
    stats,
    audit,
    'dead-letters': deadLetters,
    users,
  };
  const page = pages[route || 'dashboard'] ?? dashboard;
  try {
    await page();
  } catch (error) {
    if (!(error instanceof ApiError && !session.token))
      main.append(h('p', { class: 'error', role: 'alert' }, error.message));
  }
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(currentLang() === 'es' ? 'en' : 'es');
  render();
});
document.getElementById('logout').addEventListener('click', () => {
  session.clear();
  location.hash = '';
  render();
});
window.addEventListener('hashchange', render);
setLang(currentLang());
render();
