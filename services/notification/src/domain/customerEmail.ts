import type { DteIssuedV2, DteType } from '@mtd/contracts';

/** The rendered customer email: what any mail system needs besides the addresses. */
export interface CustomerEmail {
  subject: string;
  text: string;
  html: string;
}

const documentNames: Record<DteType, string> = {
  39: 'boleta electrónica',
  33: 'factura electrónica',
};

// CLP has no minor unit (money is whole pesos); es-CL groups with dots: 19990 -> "$19.990".
const pesos = new Intl.NumberFormat('es-CL', { style: 'currency', currency: 'CLP' });
const count = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 0 });
// Chile's civil time, so the date the customer reads does not depend on the server's time zone.
const longDate = new Intl.DateTimeFormat('es-CL', { timeZone: 'America/Santiago', dateStyle: 'long' });

/** Formats whole Chilean pesos: `formatClp(19990)` is `"$19.990"`. */
export function formatClp(amount: number): string {
  return pesos.format(amount);
}

const htmlEntities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => htmlEntities[c] ?? c);
}

/** `"Boleta electrónica N° 4711"` or `"Factura electrónica N° 4711"`. */
export function documentTitle(dte: Pick<DteIssuedV2, 'dteType' | 'folio'>): string {
  const name = documentNames[dte.dteType];
  return `${name.charAt(0).toUpperCase()}${name.slice(1)} N° ${dte.folio}`;
}

/**
 * The Spanish email that sends a customer their tax document: a greeting, the document (boleta 39 or
 * factura 33) and folio, its lines, neto / IVA (19%) / total in pesos, and the order id. Every value
 * from the order is HTML-escaped in the HTML part (names and descriptions come from partners).
 *
 * @example renderCustomerEmail(dteIssued.data).subject // "Tu boleta electrónica N° 4711 – pedido PO-1001"
 */
export function renderCustomerEmail(dte: DteIssuedV2): CustomerEmail {
  const title = documentTitle(dte);
  const subject = `Tu ${documentNames[dte.dteType]} N° ${dte.folio} – pedido ${dte.orderId}`;
  const issuedOn = longDate.format(new Date(dte.issuedAt));
  const totals: Array<[string, number]> = [
    ['Neto', dte.net],
    ['IVA (19%)', dte.iva],
    ['Total', dte.total],
  ];
  const buyer = dte.customer.taxId ? ` (RUT ${dte.customer.taxId})` : '';

  const inSentence = `${documentNames[dte.dteType]} N° ${dte.folio}`;
  const text = [
    title,
    '',
    `Hola ${dte.customer.name}:`,
    '',
    `Gracias por tu compra. Te enviamos tu ${inSentence}${buyer}, emitida el ${issuedOn}, por tu pedido ${dte.orderId}.`,
    '',
    ...dte.lines.map(
      (line) =>
        `- ${line.description}: ${count.format(line.quantity)} x ${formatClp(line.unitPrice)} = ${formatClp(line.lineTotal)}`,
    ),
    '',
    ...totals.map(([label, amount]) => `${label}: ${formatClp(amount)}`),
    '',
    `Pedido: ${dte.orderId}`,
    '',
    ...(dte.ted ? ['Adjuntamos el documento en PDF, con su timbre electrónico.', ''] : []),
    'Este correo se generó automáticamente; por favor no lo respondas.',
    '',
  ].join('\n');

  const cell = 'style="padding:4px 8px;border-bottom:1px solid #ddd"';
  const number = 'style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:right"';
  const rows = dte.lines
    .map(
      (line) =>
        `<tr><td ${cell}>${escapeHtml(line.description)}</td>` +
        `<td ${number}>${count.format(line.quantity)}</td>` +
        `<td ${number}>${escapeHtml(formatClp(line.unitPrice))}</td>` +
        `<td ${number}>${escapeHtml(formatClp(line.lineTotal))}</td></tr>`,
    )
    .join('\n');
  const totalRows = totals
    .map(
      ([label, amount]) =>
        `<tr><th colspan="3" ${number}>${escapeHtml(label)}</th><td ${number}>${escapeHtml(formatClp(amount))}</td></tr>`,
    )
    .join('\n');

  const html = `<!DOCTYPE html>
<html lang="es">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#222">
<h1 style="font-size:1.3em">${escapeHtml(title)}</h1>
<p>Hola ${escapeHtml(dte.customer.name)}:</p>
<p>Gracias por tu compra. Te enviamos tu <strong>${escapeHtml(inSentence)}</strong>${escapeHtml(buyer)}, emitida el ${escapeHtml(issuedOn)}, por tu pedido <strong>${escapeHtml(dte.orderId)}</strong>.</p>
<table style="border-collapse:collapse">
<thead><tr><th ${cell}>Descripción</th><th ${number}>Cantidad</th><th ${number}>Precio unitario</th><th ${number}>Total</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>
${totalRows}
</tfoot>
</table>
<p>Pedido: ${escapeHtml(dte.orderId)}</p>
<p style="color:#777;font-size:small">Este correo se generó automáticamente; por favor no lo respondas.</p>
</body>
</html>
`;
  return { subject, text, html };
}

/** The attachment's file name: `boleta-electronica-4711.pdf`, `factura-electronica-4711.pdf`. */
export function documentFileName(dte: Pick<DteIssuedV2, 'dteType' | 'folio'>): string {
  return `${dte.dteType === 33 ? 'factura' : 'boleta'}-electronica-${dte.folio}.pdf`;
}

/**
 * The idempotency key of the email a DteIssued event triggers: the same event (however often it is
 * delivered) always gives the same key, and the order id makes the outbox readable.
 */
export function customerEmailKey(orderId: string, dteIssuedEventId: string): string {
  return `${orderId}-${dteIssuedEventId}`;
}
