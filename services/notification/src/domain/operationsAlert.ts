import type { OrderAtRiskV1, SlaStage } from '@mtd/contracts';
import { type CustomerEmail, escapeHtml } from '#domain/customerEmail';

const stageNames: Record<SlaStage, string> = {
  'dte-issuance': 'emisión del DTE',
  'dte-broadcast': 'envío al SII',
  notification: 'correo al cliente',
  dispatch: 'despacho',
};

const dateTime = new Intl.DateTimeFormat('es-CL', {
  timeZone: 'America/Santiago',
  dateStyle: 'short',
  timeStyle: 'medium',
});

/** The Spanish early-warning email to operations: which order, which stage, since when. */
export function renderOperationsAlert(warning: OrderAtRiskV1, portalUrl?: string): CustomerEmail {
  const stage = stageNames[warning.stage];
  const subject = `Pedido en riesgo: ${warning.orderId} (${stage})`;
  const deadline = dateTime.format(new Date(warning.deadline));
  const detected = dateTime.format(new Date(warning.detectedAt));
  const link = portalUrl ? `${portalUrl}/#/orders/${encodeURIComponent(warning.orderId)}` : undefined;
  const text = [
    `El pedido ${warning.orderId} no completó la etapa "${stage}" dentro del plazo.`,
    `Plazo: ${deadline} (hora de Chile). Detectado: ${detected}.`,
    link ? `Ver el pedido: ${link}` : 'Revíselo en el portal de back-office.',
  ].join('\n');
  const html = `<p>El pedido <strong>${escapeHtml(warning.orderId)}</strong> no completó la etapa «${escapeHtml(stage)}» dentro del plazo.</p>
<p>Plazo: ${escapeHtml(deadline)} (hora de Chile). Detectado: ${escapeHtml(detected)}.</p>
${link ? `<p><a href="${escapeHtml(link)}">Ver el pedido</a></p>` : ''}`;
  return { subject, text, html };
}
