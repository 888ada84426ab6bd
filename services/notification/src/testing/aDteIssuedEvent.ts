import { DteIssuedV2 as DteIssued, type DteIssuedV2, type EventOf, Sources, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';

const ids = ulidGenerator();

/** DteIssued data for a boleta of two lines (PO-1001, folio 4711, $19.990 + $5.000); override any field. */
export function aDteIssued(overrides: Partial<DteIssuedV2> = {}): DteIssuedV2 {
  return {
    orderId: 'PO-1001',
    dteType: 39,
    folio: 4711,
    issuedAt: '2026-11-24T10:00:01.123Z',
    net: 21001,
    iva: 3989,
    total: 24990,
    gross: 24990,
    customer: { id: 'C-77', name: 'Ana Pérez', email: 'ana@example.cl' },
    lines: [
      { sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9995, lineTotal: 19990 },
      { sku: 'SKU-2', description: 'Cuaderno', quantity: 1, unitPrice: 5000, lineTotal: 5000 },
    ],
    issuer: {
      rut: '76543210-3',
      name: 'Comercial MTD SpA',
      giro: 'Venta al por menor por correo y por internet',
      address: 'Av. Providencia 1234',
      comuna: 'Providencia',
      resolution: { date: '2026-01-15', number: 0 },
    },
    xml: '<DTE version="1.0"/>',
    ted: null,
    caf: null,
    signature: null,
    ...overrides,
  };
}

/** A whole, schema-valid DteIssued event as a handler receives it, with a fresh ULID eventId. */
export function aDteIssuedEvent(overrides: Partial<DteIssuedV2> = {}): EventOf<typeof DteIssued.detailType> {
  const data = aDteIssued(overrides);
  const detail = DteIssued.detail.parse({
    metadata: {
      eventId: ids.next(),
      eventType: DteIssued.detailType,
      eventVersion: DteIssued.version,
      streamId: Streams.dte(data.orderId),
      streamVersion: 1,
      occurredAt: data.issuedAt,
      correlationId: data.orderId,
      causationId: ids.next(),
      producer: Sources.dte,
      actor: 'system',
    },
    data,
  });
  return { type: DteIssued.detailType, ...detail };
}
