import {
  CustomerNotificationFailedV1,
  CustomerNotifiedV1,
  DteBroadcastFailedV1,
  DteBroadcastV1,
  DteIssuanceFailedV1,
  DteIssuedV1,
  ExceptionRetryRequestedV1,
  type MtdEvent,
  OrderAcceptedV1,
  OrderAtRiskV1,
  OrderReceivedV2,
  OrderRejectedV1,
} from '@mtd/contracts';
import { localTimeOf } from '#domain/businessDay';

/** One line of an order's trace: one per event, keyed so a redelivery rewrites the same item. */
export interface TimelineItem {
  orderId: string;
  /** `${occurredAt}#${streamId}#${streamVersion padded to 10}`: sorts by time, then stream position. */
  sk: string;
  eventId: string;
  type: string;
  version: number;
  streamId: string;
  streamVersion: number;
  occurredAt: string;
  actor: string;
  /** One line in Spanish, for operators. */
  summary: string;
}

export function timelineKeyOf(event: MtdEvent): string {
  const m = event.metadata;
  return `${m.occurredAt}#${m.streamId}#${String(m.streamVersion).padStart(10, '0')}`;
}

const pesos = (amount: number) => `$${amount.toLocaleString('es-CL')}`;

/** The operator-facing one-line summary of an event. */
/** One line for people; instants in it are shown in `timeZone`, named (the item's own time stays UTC). */
export function summaryOf(event: MtdEvent, timeZone: string): string {
  switch (event.type) {
    case OrderReceivedV2.detailType: {
      const d = event.data;
      const from = d.source.kind === 'http' ? 'HTTP' : `lote ${d.source.file} (#${d.source.index})`;
      return `Pedido recibido por ${from} en ${d.format.toUpperCase()}`;
    }
    case OrderAcceptedV1.detailType: {
      const { order } = event.data;
      return `Pedido aceptado: ${order.lines.length} línea(s), cliente ${order.customer.name}, despacho antes de ${localTimeOf(order.dispatchBy, timeZone)}`;
    }
    case OrderRejectedV1.detailType: {
      const { reasons } = event.data;
      const first = reasons[0];
      return `Pedido rechazado (${reasons.length} motivo(s))${first ? `: ${first.path}: ${first.message}` : ''}`;
    }
    case DteIssuedV1.detailType: {
      const d = event.data;
      return `DTE ${d.dteType} folio ${d.folio} emitido por ${pesos(d.total)} (neto ${pesos(d.net)}, IVA ${pesos(d.iva)})`;
    }
    case DteIssuanceFailedV1.detailType:
      return `Falló la emisión del DTE: ${event.data.reason}`;
    case DteBroadcastV1.detailType: {
      // Two answers of the SII to one upload: received (track id), then the verdict queried by it.
      const d = event.data;
      const at = `(intento ${d.attempt}, track ${d.trackId})`;
      if (d.status === 'received') return `DTE folio ${d.folio} recibido por el SII, en revisión ${at}`;
      if (d.status === 'accepted') return `DTE folio ${d.folio} aceptado por el SII ${at}`;
      const first = d.objections[0] ? `: ${d.objections[0]}` : '';
      return `DTE folio ${d.folio} aceptado con reparos por el SII ${at} (${d.objections.length} reparo(s))${first}`;
    }
    case DteBroadcastFailedV1.detailType: {
      const d = event.data;
      const next = d.final
        ? 'intentos agotados, pedido en excepción'
        : `se reintentará ${d.nextAttemptAt ? localTimeOf(d.nextAttemptAt, timeZone) : 'luego'}`;
      return `Falló el envío al SII (intento ${d.attempt}/${d.maxAttempts}): ${d.error}; ${next}`;
    }
    case CustomerNotifiedV1.detailType:
      return `Cliente notificado por correo a ${event.data.to}`;
    case CustomerNotificationFailedV1.detailType:
      return `Falló el correo al cliente (${event.data.to}): ${event.data.error}`;
    case ExceptionRetryRequestedV1.detailType: {
      const comment = event.data.comment ? `: ${event.data.comment}` : '';
      return `Reintento de ${event.data.stage} solicitado por ${event.metadata.actor}${comment}`;
    }
    case OrderAtRiskV1.detailType:
      return `Pedido en riesgo: la etapa ${event.data.stage} venció el ${localTimeOf(event.data.deadline, timeZone)}`;
    default: {
      const unexpected: never = event;
      throw new Error(`unhandled event ${(unexpected as MtdEvent).type}`);
    }
  }
}

export function timelineItemOf(event: MtdEvent, timeZone: string): TimelineItem {
  const m = event.metadata;
  return {
    orderId: event.data.orderId,
    sk: timelineKeyOf(event),
    eventId: m.eventId,
    type: m.eventType,
    version: m.eventVersion,
    streamId: m.streamId,
    streamVersion: m.streamVersion,
    occurredAt: m.occurredAt,
    actor: m.actor,
    summary: summaryOf(event, timeZone),
  };
}
