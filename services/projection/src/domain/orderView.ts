import {
  CustomerNotificationFailedV1,
  CustomerNotifiedV1,
  DteBroadcastFailedV1,
  DteBroadcastV1,
  DteIssuanceFailedV1,
  DteIssuedV1,
  type DteType,
  type EventMetadata,
  ExceptionRetryRequestedV1,
  type MtdEvent,
  OrderAcceptedV1,
  OrderAtRiskV1,
  OrderReceivedV2,
  OrderRejectedV1,
  type RejectionReason,
  type RetryableStage,
  type SiiReception,
  type SlaStage,
} from '@mtd/contracts';
import { businessDayOf } from '#domain/businessDay';

/**
 * Where an order is, derived from the facts seen so far (never from arrival order):
 * - `pending`: only side events (a retry request, an at-risk warning) seen so far;
 * - `received` → `accepted` | `rejected` → `dte-issued` → `broadcast` and/or `notified` → `completed`.
 * `broadcast` (the tax authority took the DTE, customer not yet emailed) and `notified` (emailed, not yet
 * broadcast) are parallel branches after issuance; `completed` is both. A later fact always wins over an
 * earlier stage, so a DteIssued folded before its OrderAccepted already yields `dte-issued`.
 */
export const orderStages = [
  'pending',
  'received',
  'accepted',
  'rejected',
  'dte-issued',
  'broadcast',
  'notified',
  'completed',
] as const;
export type OrderStage = (typeof orderStages)[number];

/** Stages an order leaves no more; everything else is "in process". */
export const terminalStages: readonly OrderStage[] = ['rejected', 'completed'];

export function isOrderStage(value: string): value is OrderStage {
  return (orderStages as readonly string[]).includes(value);
}

/** The stages that can hold an order in exception; same names as the operator's retry stages. */
export type ExceptionStage = RetryableStage;

export interface OrderException {
  stage: ExceptionStage;
  reason: string;
  /** When the failure that opened it happened. */
  since: string;
}

export interface OrderViewLine {
  sku: string;
  description: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

/** Where a fact came from: its business timestamp and its position in its stream. */
export interface FactRef {
  at: string;
  streamId: string;
  streamVersion: number;
}

/**
 * Everything the projection knows about an order, one slot per kind of fact. Each slot merges
 * commutatively (the latest by stream version within a stream, else by timestamp, then stream id), so
 * folding the same events in any order gives the same facts.
 */
export interface OrderFacts {
  received: (FactRef & { via: 'http' | 'batch'; format: 'xml' | 'json' }) | null;
  accepted:
    | (FactRef & {
        channel: string;
        customer: { name: string; email: string };
        lines: OrderViewLine[];
        dispatchBy: string;
      })
    | null;
  rejected: (FactRef & { reasons: RejectionReason[] }) | null;
  issued:
    | (FactRef & {
        dteType: DteType;
        folio: number;
        net: number;
        iva: number;
        total: number;
        customer: { name: string; email: string };
        lines: OrderViewLine[];
      })
    | null;
  issuanceFailure: (FactRef & { reason: string }) | null;
  /** `status` is absent in facts folded before the SII's verdict was recorded in views (a rebuild fills it). */
  broadcast: (FactRef & { attempt: number; trackId: string; status?: SiiReception }) | null;
  broadcastFailure:
    | (FactRef & { attempt: number; maxAttempts: number; error: string; final: boolean })
    | null;
  /** Highest attempt number seen on any broadcast outcome. */
  maxBroadcastAttempt: number;
  notified: (FactRef & { to: string }) | null;
  notificationFailure: (FactRef & { to: string; error: string }) | null;
  /** Every operator retry request, sorted by stream position. */
  retryRequests: (FactRef & { stage: RetryableStage; actor: string })[];
  /** The earliest warning per SLA stage, sorted by stage. */
  atRisk: (FactRef & { stage: SlaStage; deadline: string })[];
}

export interface AtRiskStage {
  stage: SlaStage;
  deadline: string;
  detectedAt: string;
}

/** The back office's view of one order. Every field but `facts`/`applied` is derived from `facts`. */
export interface OrderView {
  orderId: string;
  /** Business day of `receivedAt` in the configured time zone (YYYY-MM-DD); null until OrderReceived is seen. */
  day: string | null;
  stage: OrderStage;
  receivedAt: string | null;
  acceptedAt: string | null;
  rejectedAt: string | null;
  issuedAt: string | null;
  broadcastAt: string | null;
  notifiedAt: string | null;
  /** The later of broadcastAt and notifiedAt once both happened. */
  completedAt: string | null;
  /** The latest business timestamp among the facts. */
  updatedAt: string;
  /** Stable listing key: the order's first known timestamp then its id. */
  listKey: string;
  exception: OrderException | null;
  broadcastAttempts: number;
  /**
   * Where the SII has the DTE: `received` (uploaded, verdict pending) until the verdict queried by track id
   * is in. Null before the broadcast, and for views folded before this field existed until a rebuild.
   */
  siiStatus: SiiReception | null;
  dteType: DteType | null;
  folio: number | null;
  net: number | null;
  iva: number | null;
  total: number | null;
  customer: { name: string; email: string } | null;
  /** The DTE's lines once issued, else the accepted order's (lineTotal = quantity × unitPrice). */
  lines: OrderViewLine[];
  dispatchBy: string | null;
  rejectionReasons: RejectionReason[];
  /** SLA warnings whose stage has not completed yet. */
  atRisk: AtRiskStage[];
  retryRequests: { stage: RetryableStage; requestedAt: string; actor: string }[];
  facts: OrderFacts;
  /** `${streamId}:${streamVersion}` of every event folded, sorted; a redelivered event is dropped. */
  applied: string[];
}

export interface OrderViewConfig {
  /** IANA time zone of the business day. */
  timeZone: string;
}

export const defaultTimeZone = 'America/Santiago';
export const defaultOrderViewConfig: OrderViewConfig = { timeZone: defaultTimeZone };

/** An event folded into a view of another order; a wiring bug, never retried into success. */
export class OrderMismatchError extends Error {
  override readonly name = 'OrderMismatchError';
  constructor(
    readonly viewOrderId: string,
    readonly eventOrderId: string,
  ) {
    super(`event of order ${eventOrderId} cannot be folded into the view of order ${viewOrderId}`);
  }
}

export function appliedKeyOf(metadata: Pick<EventMetadata, 'streamId' | 'streamVersion'>): string {
  return `${metadata.streamId}:${metadata.streamVersion}`;
}

export function emptyOrderFacts(): OrderFacts {
  return {
    received: null,
    accepted: null,
    rejected: null,
    issued: null,
    issuanceFailure: null,
    broadcast: null,
    broadcastFailure: null,
    maxBroadcastAttempt: 0,
    notified: null,
    notificationFailure: null,
    retryRequests: [],
    atRisk: [],
  };
}

/**
 * Folds one event into the view of its order. Duplicates (same stream and version) return the view
 * unchanged (the same object); any order of delivery of the same set of events gives an equal view.
 *
 * @example
 * const view = history.reduce<OrderView | undefined>((v, e) => evolveOrderView(v, e, { timeZone }), undefined);
 */
export function evolveOrderView(
  view: OrderView | undefined,
  event: MtdEvent,
  config: OrderViewConfig = defaultOrderViewConfig,
): OrderView {
  const key = appliedKeyOf(event.metadata);
  if (view?.applied.includes(key)) return view;
  const orderId = event.data.orderId;
  if (view && view.orderId !== orderId) throw new OrderMismatchError(view.orderId, orderId);
  const facts = recordFact(view?.facts ?? emptyOrderFacts(), event);
  const applied = [...(view?.applied ?? []), key].sort(compareStrings);
  return deriveOrderView(orderId, facts, applied, config);
}

/** True when `a` happened after `b`: by version within one stream, else by timestamp then stream id. */
export function isLaterFact(a: FactRef, b: FactRef): boolean {
  if (a.streamId === b.streamId) return a.streamVersion > b.streamVersion;
  if (a.at !== b.at) return a.at > b.at;
  return a.streamId > b.streamId;
}

function latest<T extends FactRef>(current: T | null, candidate: T): T {
  return current && !isLaterFact(candidate, current) ? current : candidate;
}

function refOf(metadata: EventMetadata, at: string): FactRef {
  return { at, streamId: metadata.streamId, streamVersion: metadata.streamVersion };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRefs(a: FactRef, b: FactRef): number {
  return (
    compareStrings(a.at, b.at) || compareStrings(a.streamId, b.streamId) || a.streamVersion - b.streamVersion
  );
}

function recordFact(facts: OrderFacts, event: MtdEvent): OrderFacts {
  const m = event.metadata;
  switch (event.type) {
    case OrderReceivedV2.detailType: {
      const d = event.data;
      return {
        ...facts,
        received: latest(facts.received, { ...refOf(m, d.receivedAt), via: d.source.kind, format: d.format }),
      };
    }
    case OrderAcceptedV1.detailType: {
      const { order } = event.data;
      const accepted = {
        ...refOf(m, event.data.acceptedAt),
        channel: order.channel,
        customer: { name: order.customer.name, email: order.customer.email },
        lines: order.lines.map((l) => ({
          sku: l.sku,
          description: l.description,
          quantity: l.quantity,
          unitPrice: l.unitPrice,
          lineTotal: l.quantity * l.unitPrice,
        })),
        dispatchBy: order.dispatchBy,
      };
      return { ...facts, accepted: latest(facts.accepted, accepted) };
    }
    case OrderRejectedV1.detailType:
      return {
        ...facts,
        rejected: latest(facts.rejected, { ...refOf(m, event.data.rejectedAt), reasons: event.data.reasons }),
      };
    case DteIssuedV1.detailType: {
      const d = event.data;
      const issued = {
        ...refOf(m, d.issuedAt),
        dteType: d.dteType,
        folio: d.folio,
        net: d.net,
        iva: d.iva,
        total: d.total,
        customer: { name: d.customer.name, email: d.customer.email },
        lines: d.lines.map((l) => ({ ...l })),
      };
      return { ...facts, issued: latest(facts.issued, issued) };
    }
    case DteIssuanceFailedV1.detailType:
      return {
        ...facts,
        issuanceFailure: latest(facts.issuanceFailure, {
          ...refOf(m, event.data.failedAt),
          reason: event.data.reason,
        }),
      };
    case DteBroadcastV1.detailType: {
      const d = event.data;
      return {
        ...facts,
        broadcast: latest(facts.broadcast, {
          ...refOf(m, d.broadcastAt),
          attempt: d.attempt,
          trackId: d.trackId,
          status: d.status,
        }),
        maxBroadcastAttempt: Math.max(facts.maxBroadcastAttempt, d.attempt),
      };
    }
    case DteBroadcastFailedV1.detailType: {
      const d = event.data;
      const failure = {
        ...refOf(m, d.failedAt),
        attempt: d.attempt,
        maxAttempts: d.maxAttempts,
        error: d.error,
        final: d.final,
      };
      return {
        ...facts,
        broadcastFailure: latest(facts.broadcastFailure, failure),
        maxBroadcastAttempt: Math.max(facts.maxBroadcastAttempt, d.attempt),
      };
    }
    case CustomerNotifiedV1.detailType:
      return {
        ...facts,
        notified: latest(facts.notified, { ...refOf(m, event.data.notifiedAt), to: event.data.to }),
      };
    case CustomerNotificationFailedV1.detailType: {
      const d = event.data;
      return {
        ...facts,
        notificationFailure: latest(facts.notificationFailure, {
          ...refOf(m, d.failedAt),
          to: d.to,
          error: d.error,
        }),
      };
    }
    case ExceptionRetryRequestedV1.detailType: {
      const request = { ...refOf(m, event.data.requestedAt), stage: event.data.stage, actor: m.actor };
      return { ...facts, retryRequests: [...facts.retryRequests, request].sort(compareRefs) };
    }
    case OrderAtRiskV1.detailType: {
      const warning = {
        ...refOf(m, event.data.detectedAt),
        stage: event.data.stage,
        deadline: event.data.deadline,
      };
      const existing = facts.atRisk.find((w) => w.stage === warning.stage);
      // Keep the earliest warning per stage: the one that tells when the stage first overran.
      if (existing && compareRefs(existing, warning) <= 0) return facts;
      const others = facts.atRisk.filter((w) => w.stage !== warning.stage);
      return { ...facts, atRisk: [...others, warning].sort((a, b) => compareStrings(a.stage, b.stage)) };
    }
    default: {
      const unexpected: never = event;
      throw new Error(`unhandled event ${(unexpected as MtdEvent).type}`);
    }
  }
}

function stageOf(facts: OrderFacts): OrderStage {
  if (facts.broadcast && facts.notified) return 'completed';
  if (facts.notified) return 'notified';
  if (facts.broadcast) return 'broadcast';
  if (facts.issued) return 'dte-issued';
  if (facts.accepted) return 'accepted';
  if (facts.rejected) return 'rejected';
  if (facts.received) return 'received';
  return 'pending';
}

function exceptionOf(facts: OrderFacts): OrderException | null {
  const { issuanceFailure, issued, broadcastFailure, broadcast, notificationFailure, notified } = facts;
  // A failure is open unless a success of the same stage came after it (same stream: by version).
  if (issuanceFailure && !(issued && isLaterFact(issued, issuanceFailure))) {
    return { stage: 'dte-issuance', reason: issuanceFailure.reason, since: issuanceFailure.at };
  }
  if (broadcastFailure?.final && !(broadcast && isLaterFact(broadcast, broadcastFailure))) {
    return { stage: 'dte-broadcast', reason: broadcastFailure.error, since: broadcastFailure.at };
  }
  if (notificationFailure && !(notified && isLaterFact(notified, notificationFailure))) {
    return { stage: 'notification', reason: notificationFailure.error, since: notificationFailure.at };
  }
  return null;
}

function slaStageDone(facts: OrderFacts, stage: SlaStage): boolean {
  switch (stage) {
    case 'dte-issuance':
      return facts.issued !== null || facts.rejected !== null;
    case 'dte-broadcast':
      return facts.broadcast !== null;
    case 'notification':
      return facts.notified !== null;
    case 'dispatch':
      return facts.broadcast !== null && facts.notified !== null;
    default: {
      const unexpected: never = stage;
      throw new Error(`unhandled SLA stage ${String(unexpected)}`);
    }
  }
}

function allRefs(facts: OrderFacts): FactRef[] {
  const single = [
    facts.received,
    facts.accepted,
    facts.rejected,
    facts.issued,
    facts.issuanceFailure,
    facts.broadcast,
    facts.broadcastFailure,
    facts.notified,
    facts.notificationFailure,
  ].filter((f): f is NonNullable<typeof f> => f !== null);
  return [...single, ...facts.retryRequests, ...facts.atRisk];
}

/** The view as a pure function of its facts: the reason the fold is order-independent. */
export function deriveOrderView(
  orderId: string,
  facts: OrderFacts,
  applied: string[],
  config: OrderViewConfig,
): OrderView {
  const times = allRefs(facts)
    .map((r) => r.at)
    .sort(compareStrings);
  const firstAt = facts.received?.at ?? times[0] ?? '';
  const broadcastAt = facts.broadcast?.at ?? null;
  const notifiedAt = facts.notified?.at ?? null;
  const source = facts.issued ?? facts.accepted;
  return {
    orderId,
    day: facts.received ? businessDayOf(facts.received.at, config.timeZone) : null,
    stage: stageOf(facts),
    receivedAt: facts.received?.at ?? null,
    acceptedAt: facts.accepted?.at ?? null,
    rejectedAt: facts.rejected?.at ?? null,
    issuedAt: facts.issued?.at ?? null,
    broadcastAt,
    notifiedAt,
    completedAt:
      broadcastAt && notifiedAt ? ([broadcastAt, notifiedAt].sort(compareStrings)[1] ?? null) : null,
    updatedAt: times[times.length - 1] ?? '',
    listKey: `${firstAt}#${orderId}`,
    exception: exceptionOf(facts),
    broadcastAttempts: facts.maxBroadcastAttempt,
    siiStatus: facts.broadcast?.status ?? null,
    dteType: facts.issued?.dteType ?? null,
    folio: facts.issued?.folio ?? null,
    net: facts.issued?.net ?? null,
    iva: facts.issued?.iva ?? null,
    total: facts.issued?.total ?? null,
    customer: source ? { ...source.customer } : null,
    lines: source ? source.lines.map((l) => ({ ...l })) : [],
    dispatchBy: facts.accepted?.dispatchBy ?? null,
    rejectionReasons: facts.rejected?.reasons ?? [],
    atRisk: facts.atRisk
      .filter((w) => !slaStageDone(facts, w.stage))
      .map((w) => ({ stage: w.stage, deadline: w.deadline, detectedAt: w.at })),
    retryRequests: facts.retryRequests.map((r) => ({ stage: r.stage, requestedAt: r.at, actor: r.actor })),
    facts,
    applied,
  };
}
