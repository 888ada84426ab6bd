import type { OrderAtRiskV1, SlaStage } from '@mtd/contracts';
import { type CustomerEmail, escapeHtml } from '#domain/customerEmail';

const stageNames: Record<SlaStage, string> = {
  'dte-issuance': 'emisión del DTE',
  'dte-broadcast': 'envío al SII',
  notification: 'correo al cliente',
  dispatch: 'despacho',
};

/** The order of the stages in an order's life, for rows within one order. */
const stageOrder: readonly SlaStage[] = ['dte-issuance', 'dte-broadcast', 'notification', 'dispatch'];

const chileParts = new Intl.DateTimeFormat('es-CL', {
  timeZone: 'America/Santiago',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `24-11-2026 07:02:00`, Chile time: fixed fields, so a table column lines up and reads the same everywhere. */
export function formatChileTime(iso: string): string {
  const parts = chileParts.formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('day')}-${part('month')}-${part('year')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** One row of the digest: an order's stage that overran its deadline. */
export interface AtRiskRow {
  orderId: string;
  stage: SlaStage;
  deadline: string;
  /** The order in the portal; absent without a portal URL. */
  link?: string;
}

/**
 * The rows of a digest: one per order and stage (a repeated warning counts once, with its earliest
 * deadline), grouped by order, orders by their earliest deadline then id, stages in the order's
 * life order. The same warnings in any order give the same rows.
 */
export function digestRows(warnings: readonly OrderAtRiskV1[], portalUrl?: string): AtRiskRow[] {
  const byOrder = new Map<string, Map<SlaStage, string>>();
  for (const w of warnings) {
    const stages = byOrder.get(w.orderId) ?? new Map<SlaStage, string>();
    const known = stages.get(w.stage);
    if (known === undefined || w.deadline < known) stages.set(w.stage, w.deadline);
    byOrder.set(w.orderId, stages);
  }
  const orders = [...byOrder.entries()].map(([orderId, stages]) => ({
    orderId,
    earliest: [...stages.values()].sort()[0] ?? '',
    stages,
  }));
  orders.sort((a, b) =>
    a.earliest !== b.earliest ? (a.earliest < b.earliest ? -1 : 1) : a.orderId < b.orderId ? -1 : 1,
  );
  return orders.flatMap(({ orderId, stages }) =>
    stageOrder
      .filter((stage) => stages.has(stage))
      .map((stage) => ({
        orderId,
        stage,
        deadline: stages.get(stage) ?? '',
        ...(portalUrl ? { link: `${portalUrl}/#/orders/${encodeURIComponent(orderId)}` } : {}),
      })),
  );
}

function subjectOf(rows: readonly AtRiskRow[], orders: number): string {
  const stages = rows.length === 1 ? stageNames[rows[0]!.stage] : `${rows.length} etapas fuera de plazo`;
  if (orders === 1) return `1 pedido en riesgo: ${rows[0]!.orderId} (${stages})`;
  return `${orders} pedidos en riesgo (${stages})`;
}

/**
 * The Spanish digest to operations of every order at risk in one interval: the count in the
 * subject, then a table of order, stage, deadline (Chile time) and a link to the order in the
 * portal. Order ids come from partners, so the HTML escapes them.
 *
 * @example renderOperationsDigest(warnings, 'https://backoffice.mtd.example.cl').subject // '3 pedidos en riesgo (4 etapas fuera de plazo)'
 */
export function renderOperationsDigest(
  warnings: readonly OrderAtRiskV1[],
  portalUrl?: string,
): CustomerEmail {
  const rows = digestRows(warnings, portalUrl);
  if (rows.length === 0) throw new RangeError('an operations digest needs at least one warning');
  const orders = new Set(rows.map((r) => r.orderId)).size;
  const detected = warnings.map((w) => w.detectedAt).sort();
  const since = formatChileTime(detected[0]!);
  const until = formatChileTime(detected[detected.length - 1]!);
  const when = since === until ? `Detectado: ${since}` : `Detectado entre ${since} y ${until}`;
  const intro =
    orders === 1
      ? 'Un pedido no completó a tiempo las etapas indicadas.'
      : `${orders} pedidos no completaron a tiempo las etapas indicadas.`;
  const text = [
    intro,
    `${when} (hora de Chile).`,
    '',
    ...rows.map(
      (r) =>
        `- ${r.orderId} · ${stageNames[r.stage]} · plazo ${formatChileTime(r.deadline)}${r.link ? ` · ${r.link}` : ''}`,
    ),
    '',
    portalUrl
      ? 'Cada enlace abre el pedido en el portal de back-office.'
      : 'Revíselos en el portal de back-office.',
  ].join('\n');
  const cell = 'style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:left"';
  const html = `<p>${escapeHtml(intro)}</p>
<p>${escapeHtml(when)} (hora de Chile).</p>
<table style="border-collapse:collapse">
<thead><tr><th ${cell}>Pedido</th><th ${cell}>Etapa</th><th ${cell}>Plazo (hora de Chile)</th>${portalUrl ? `<th ${cell}>Enlace</th>` : ''}</tr></thead>
<tbody>
${rows
  .map(
    (r) =>
      `<tr><td ${cell}>${escapeHtml(r.orderId)}</td><td ${cell}>${escapeHtml(stageNames[r.stage])}</td><td ${cell}>${escapeHtml(formatChileTime(r.deadline))}</td>${r.link ? `<td ${cell}><a href="${escapeHtml(r.link)}">Ver el pedido</a></td>` : ''}</tr>`,
  )
  .join('\n')}
</tbody>
</table>
${portalUrl ? '' : '<p>Revíselos en el portal de back-office.</p>'}`;
  return { subject: subjectOf(rows, orders), text, html };
}
