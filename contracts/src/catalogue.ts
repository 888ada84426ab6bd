import type { z } from 'zod';
import { ExceptionRetryRequestedV1 } from './backoffice/ExceptionRetryRequested.v1';
import { DteBroadcastV1 } from './dte/DteBroadcast.v1';
import { DteBroadcastV2 } from './dte/DteBroadcast.v2';
import { DteBroadcastFailedV1 } from './dte/DteBroadcastFailed.v1';
import { DteBroadcastFailedV2 } from './dte/DteBroadcastFailed.v2';
import { DteIssuanceFailedV1 } from './dte/DteIssuanceFailed.v1';
import { DteIssuedV1 } from './dte/DteIssued.v1';
import { DteIssuedV2 } from './dte/DteIssued.v2';
import type { EventDefinition, EventMetadata } from './envelope';
import { OrderAcceptedV1 } from './intake/OrderAccepted.v1';
import { OrderReceivedV1 } from './intake/OrderReceived.v1';
import { OrderReceivedV2 } from './intake/OrderReceived.v2';
import { OrderRejectedV1 } from './intake/OrderRejected.v1';
import { CustomerNotificationFailedV1 } from './notification/CustomerNotificationFailed.v1';
import { CustomerNotifiedV1 } from './notification/CustomerNotified.v1';
import { OrderAtRiskV1 } from './projection/OrderAtRisk.v1';
import { upcasterFrom } from './upcasting';

/** The newest version of every event: what producers write and what handlers read. */
export const latestEventDefinitions = [
  OrderReceivedV2,
  OrderAcceptedV1,
  OrderRejectedV1,
  DteIssuedV2,
  DteIssuanceFailedV1,
  DteBroadcastV2,
  DteBroadcastFailedV2,
  CustomerNotifiedV1,
  CustomerNotificationFailedV1,
  ExceptionRetryRequestedV1,
  OrderAtRiskV1,
] as const;

/** Every published version of every event, oldest first: each has a committed schema snapshot. */
export const eventDefinitions: readonly EventDefinition[] = [
  OrderReceivedV1,
  DteIssuedV1,
  DteBroadcastV1,
  DteBroadcastFailedV1,
  ...latestEventDefinitions,
];

type LatestDefinition = (typeof latestEventDefinitions)[number];
export type EventType = LatestDefinition['detailType'];

/**
 * An MTD event as handlers see it: `type` repeats `metadata.eventType` so a `switch (event.type)`
 * narrows `data`.
 */
export type MtdEvent = LatestDefinition extends infer D
  ? D extends EventDefinition<infer T, number, infer S>
    ? { type: T; metadata: EventMetadata; data: z.infer<S> }
    : never
  : never;
export type EventOf<T extends EventType> = Extract<MtdEvent, { type: T }>;
export type DataOf<T extends EventType> = EventOf<T>['data'];

/** An event a decider emits: metadata is added by the command handler. */
export type DomainEvent = MtdEvent extends infer E
  ? E extends { type: infer T; data: infer D }
    ? { type: T; data: D }
    : never
  : never;

export function findDefinition(detailType: string, version: number): EventDefinition | undefined {
  return eventDefinitions.find((d) => d.detailType === detailType && d.version === version);
}

export function latestDefinition(detailType: string): EventDefinition | undefined {
  return latestEventDefinitions.find((d) => d.detailType === detailType);
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** An event that does not match its registered schema; names the event, version and every field. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  constructor(
    readonly eventType: string,
    readonly eventVersion: number | undefined,
    readonly issues: ValidationIssue[],
  ) {
    super(
      `${eventType}${eventVersion === undefined ? '' : ` v${eventVersion}`} is invalid: ${issues
        .map((i) => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
}

export function issuesOf(error: z.ZodError, prefix = ''): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))]
      .join('')
      .replace(/^\./, ''),
    message: issue.message,
  }));
}

/**
 * Brings a stored envelope of any published version to the latest version of its type, one
 * upcaster at a time; `metadata.eventVersion` then names the version the data now has. Trusts the
 * stored data (it was validated when written); {@link parseEvent} validates as well.
 */
export function upcastToLatest(envelope: { metadata: EventMetadata; data: unknown }): MtdEvent {
  let { metadata, data } = envelope;
  const latest = latestDefinition(metadata.eventType);
  while (latest && metadata.eventVersion < latest.version) {
    const upcaster = upcasterFrom(metadata.eventType, metadata.eventVersion);
    if (!upcaster) {
      throw new EventValidationError(metadata.eventType, metadata.eventVersion, [
        {
          path: 'metadata.eventVersion',
          message: `no upcaster from v${metadata.eventVersion} to v${latest.version}`,
        },
      ]);
    }
    data = upcaster.upcast(data, metadata);
    metadata = { ...metadata, eventVersion: upcaster.toVersion };
  }
  return { type: metadata.eventType, metadata, data } as MtdEvent;
}

/**
 * Validates an EventBridge `detail` against the schema of its own type and version, upcasts it to
 * the latest version and validates that too, and returns the event as handlers see it. Throws
 * {@link EventValidationError} naming the event, version and every bad field.
 */
export function parseEvent(detail: unknown): MtdEvent {
  const head = (detail as { metadata?: { eventType?: unknown; eventVersion?: unknown } } | null)?.metadata;
  const eventType = typeof head?.eventType === 'string' ? head.eventType : '(unknown event)';
  const eventVersion = typeof head?.eventVersion === 'number' ? head.eventVersion : undefined;
  const definition = eventVersion === undefined ? undefined : findDefinition(eventType, eventVersion);
  if (!definition) {
    throw new EventValidationError(eventType, eventVersion, [
      { path: 'metadata', message: `no registered event ${eventType} v${String(eventVersion)}` },
    ]);
  }
  const result = definition.detail.safeParse(detail);
  if (!result.success) throw new EventValidationError(eventType, eventVersion, issuesOf(result.error));
  const upcast = upcastToLatest(result.data as { metadata: EventMetadata; data: unknown });
  if (upcast.metadata.eventVersion === definition.version) return upcast;
  const latest = latestDefinition(eventType)!;
  const checked = latest.detail.safeParse({ metadata: upcast.metadata, data: upcast.data });
  if (!checked.success) throw new EventValidationError(eventType, latest.version, issuesOf(checked.error));
  return { type: latest.detailType, ...checked.data } as MtdEvent;
}
