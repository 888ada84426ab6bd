import { describe, expect, it } from 'vitest';
import { timelineItemOf, timelineKeyOf } from '#domain/timeline';
import { anOrder } from '#src/testing/orderHistory';

describe('timeline item', () => {
  const h = anOrder('PO-7')
    .received('2026-11-24T13:00:00.000Z')
    .accepted('2026-11-24T13:00:01.000Z')
    .rejected('2026-11-24T13:00:01.000Z')
    .issuanceFailed('2026-11-24T13:00:02.000Z')
    .issued('2026-11-24T13:00:03.000Z')
    .broadcastFailed('2026-11-24T13:00:04.000Z', 1, true, 1)
    .broadcast('2026-11-24T13:00:05.000Z')
    .notificationFailed('2026-11-24T13:00:06.000Z')
    .notified('2026-11-24T13:00:07.000Z')
    .retryRequested('2026-11-24T13:00:08.000Z', 'notification')
    .atRisk('2026-11-24T13:00:09.000Z', 'dispatch', '2026-11-24T13:00:00.000Z');

  it('keys by time, stream and padded version so items sort in order', () => {
    const first = h.events[0]!;
    expect(timelineKeyOf(first)).toBe('2026-11-24T13:00:00.000Z#order-PO-7#0000000001');
    const keys = h.events.map(timelineKeyOf);
    expect([...keys].sort()).toEqual(keys);
  });

  it('summarizes every event type in one line', () => {
    const items = h.events.map((e) => timelineItemOf(e, 'America/Santiago'));
    for (const item of items) {
      expect(item.summary.length).toBeGreaterThan(10);
      expect(item.summary).not.toContain('\n');
    }
    expect(items[0]).toMatchObject({
      orderId: 'PO-7',
      type: 'OrderReceived',
      version: 2,
      streamVersion: 1,
      actor: 'system',
    });
    expect(items.map((i) => i.summary)).toEqual([
      'Pedido recibido por HTTP en XML',
      'Pedido aceptado: 1 línea(s), cliente Ana Pérez, despacho antes de 2026-11-25 15:00:00 (America/Santiago)',
      'Pedido rechazado (1 motivo(s)): lines[0].quantity: quantity must be positive',
      'Falló la emisión del DTE: no folios left',
      'DTE 39 folio 4711 emitido por $19.980 (neto $16.790, IVA $3.190)',
      'Falló el envío al SII (intento 1/1): SII unavailable (503); intentos agotados, pedido en excepción',
      'DTE folio 4711 aceptado por el SII (intento 1, track T-PO-7)',
      'Falló el correo al cliente (ana@example.cl): mailbox full',
      'Cliente notificado por correo a ana@example.cl',
      'Reintento de notification solicitado por user:operadora',
      'Pedido en riesgo: la etapa dispatch venció el 2026-11-24 10:00:00 (America/Santiago)',
    ]);
  });

  it('shows the instants inside a summary in the configured time zone, named', () => {
    const retry = anOrder('PO-9').broadcastFailed('2026-07-01T15:30:00.000Z', 1, false);
    // Winter in Santiago (UTC-4); the summer cases above are UTC-3.
    expect(timelineItemOf(retry.events[0]!, 'America/Santiago').summary).toContain(
      'se reintentará 2026-07-01 11:30:00 (America/Santiago)',
    );
    expect(timelineItemOf(retry.events[0]!, 'UTC').summary).toContain(
      'se reintentará 2026-07-01 15:30:00 (UTC)',
    );
  });

  it("tells the SII's two answers apart: received under review, then the verdict", () => {
    const sii = anOrder('PO-8')
      .siiAnswered('2026-11-24T13:00:05.000Z', 'received')
      .siiAnswered('2026-11-24T13:00:10.000Z', 'accepted')
      .siiAnswered('2026-11-24T13:00:15.000Z', 'accepted-with-objections', 2);
    expect(sii.events.map((e) => timelineItemOf(e, 'America/Santiago').summary)).toEqual([
      'DTE folio 4711 recibido por el SII, en revisión (intento 1, track T-PO-8)',
      'DTE folio 4711 aceptado por el SII (intento 1, track T-PO-8)',
      'DTE folio 4711 aceptado con reparos por el SII (intento 2, track T-PO-8) (1 reparo(s)): Giro del receptor no informado',
    ]);
  });
});
