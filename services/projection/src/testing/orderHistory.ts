import {
  CustomerNotificationFailedV1,
  CustomerNotifiedV1,
  DteBroadcastFailedV1,
  DteBroadcastV1,
  DteBroadcastV2,
  DteIssuanceFailedV1,
  DteIssuedV1,
  type EventDefinition,
  ExceptionRetryRequestedV1,
  type MtdEvent,
  OrderAcceptedV1,
  OrderAtRiskV1,
  type OrderLine,
  OrderReceivedV2,
  OrderRejectedV1,
  parseEvent,
  type RetryableStage,
  type SiiReception,
  type SlaStage,
  Streams,
} from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';

/** Test data: valid MTD events of one order, each checked by the contracts' own parser. */
export class OrderHistoryBuilder {
  readonly events: MtdEvent[] = [];
  private readonly versions = new Map<string, number>();
  private readonly ids = ulidGenerator();

  constructor(
    readonly orderId: string,
    readonly lines: OrderLine[] = [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990 }],
    readonly dispatchBy = '2026-11-25T18:00:00.000Z',
  ) {}

  get total(): number {
    return this.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  }

  private add(
    definition: EventDefinition,
    streamId: string,
    at: string,
    data: object,
    actor = 'system',
  ): this {
    const streamVersion = (this.versions.get(streamId) ?? 0) + 1;
    this.versions.set(streamId, streamVersion);
    const event = parseEvent({
      metadata: {
        eventId: this.ids.next(),
        eventType: definition.detailType,
        eventVersion: definition.version,
        streamId,
        streamVersion,
        occurredAt: at,
        correlationId: this.orderId,
        causationId: `cause-${streamId}-${streamVersion}`,
        producer: definition.source,
        actor,
      },
      data: { orderId: this.orderId, ...data },
    });
    this.events.push(event);
    return this;
  }

  received(at: string): this {
    const raw = `<PurchaseOrder id="${this.orderId}"/>`;
    return this.add(OrderReceivedV2, Streams.order(this.orderId), at, {
      receivedAt: at,
      source: { kind: 'http' },
      format: 'xml',
      contentHash: 'a'.repeat(64),
      raw,
      rawBytes: raw.length,
    });
  }

  accepted(at: string): this {
    return this.add(OrderAcceptedV1, Streams.order(this.orderId), at, {
      acceptedAt: at,
      order: {
        orderId: this.orderId,
        channel: 'web',
        placedAt: at,
        currency: 'CLP',
        customer: { id: 'C-77', name: 'Ana Pérez', email: 'ana@example.cl' },
        lines: this.lines,
        shipping: { region: 'RM', address: 'Av. Siempre Viva 742, Santiago' },
        dispatchBy: this.dispatchBy,
      },
    });
  }

  rejected(at: string, message = 'quantity must be positive'): this {
    return this.add(OrderRejectedV1, Streams.order(this.orderId), at, {
      rejectedAt: at,
      reasons: [{ path: 'lines[0].quantity', code: 'too_small', message }],
    });
  }

  issued(at: string, folio = 4711): this {
    const total = this.total;
    const net = Math.round(total / 1.19);
    return this.add(DteIssuedV1, Streams.dte(this.orderId), at, {
      dteType: 39,
      folio,
      issuedAt: at,
      net,
      iva: total - net,
      total,
      customer: { id: 'C-77', name: 'Ana Pérez', email: 'ana@example.cl' },
      lines: this.lines.map((l) => ({ ...l, lineTotal: l.quantity * l.unitPrice })),
      xml: '<DTE/>',
    });
  }

  issuanceFailed(at: string, reason = 'no folios left'): this {
    return this.add(DteIssuanceFailedV1, Streams.dte(this.orderId), at, { failedAt: at, reason });
  }

  broadcastFailed(at: string, attempt: number, final: boolean, maxAttempts = 3): this {
    return this.add(DteBroadcastFailedV1, Streams.dte(this.orderId), at, {
      dteType: 39,
      folio: 4711,
      failedAt: at,
      attempt,
      maxAttempts,
      error: 'SII unavailable (503)',
      final,
      ...(final ? {} : { nextAttemptAt: at }),
    });
  }

  broadcast(at: string, attempt = 1): this {
    return this.add(DteBroadcastV1, Streams.dte(this.orderId), at, {
      dteType: 39,
      folio: 4711,
      broadcastAt: at,
      attempt,
      trackId: `T-${this.orderId}`,
    });
  }

  /** The SII's answers to one upload (DteBroadcast v2): the envelope received, then queried, its verdict. */
  siiAnswered(at: string, status: SiiReception, attempt = 1): this {
    return this.add(DteBroadcastV2, Streams.dte(this.orderId), at, {
      dteType: 39,
      folio: 4711,
      broadcastAt: at,
      attempt,
      trackId: `T-${this.orderId}`,
      status,
      objections: status === 'accepted-with-objections' ? ['Giro del receptor no informado'] : [],
    });
  }

  notified(at: string): this {
    return this.add(CustomerNotifiedV1, Streams.notification(this.orderId), at, {
      notifiedAt: at,
      channel: 'email',
      to: 'ana@example.cl',
      subject: 'Su boleta',
      messageId: `M-${this.orderId}`,
    });
  }

  notificationFailed(at: string, error = 'mailbox full'): this {
    return this.add(CustomerNotificationFailedV1, Streams.notification(this.orderId), at, {
      failedAt: at,
      to: 'ana@example.cl',
      error,
    });
  }

  retryRequested(at: string, stage: RetryableStage, user = 'user:operadora'): this {
    return this.add(
      ExceptionRetryRequestedV1,
      Streams.backoffice(this.orderId),
      at,
      { stage, requestedAt: at },
      user,
    );
  }

  atRisk(at: string, stage: SlaStage, deadline: string): this {
    return this.add(OrderAtRiskV1, Streams.sla(this.orderId), at, { stage, deadline, detectedAt: at });
  }
}

export function anOrder(
  orderId: string,
  options: { lines?: OrderLine[]; dispatchBy?: string } = {},
): OrderHistoryBuilder {
  return new OrderHistoryBuilder(orderId, options.lines, options.dispatchBy);
}

/** The events in a random order with some delivered two or three times, as EventBridge may do. */
export function shuffledWithDuplicates<T>(events: readonly T[], random: () => number): T[] {
  const delivered = [...events];
  for (const event of events) {
    if (random() < 0.35) delivered.push(event);
    if (random() < 0.1) delivered.push(event);
  }
  for (let i = delivered.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [delivered[i], delivered[j]] = [delivered[j] as T, delivered[i] as T];
  }
  return delivered;
}

/** Re-exported: the one implementation lives in the platform. */
export { seededRandom } from '@mtd/platform';
