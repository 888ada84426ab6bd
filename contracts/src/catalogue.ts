import type { z } from 'zod';
import { ExceptionRetryRequestedV1 } from './backoffice/ExceptionRetryRequested.v1';
import { DteBroadcastV1 } from './dte/DteBroadcast.v1';
import { DteBroadcastFailedV1 } from './dte/DteBroadcastFailed.v1';
import { DteIssuanceFailedV1 } from './dte/DteIssuanceFailed.v1';
import { DteIssuedV1 } from './dte/DteIssued.v1';
import type { EventDefinition, EventMetadata } from './envelope';
import { OrderAcceptedV1 } from './intake/OrderAccepted.v1';
import { OrderReceivedV1 } from './intake/OrderReceived.v1';
import { OrderRejectedV1 } from './intake/OrderRejected.v1';
import { CustomerNotificationFailedV1 } from './notification/CustomerNotificationFailed.v1';
import { CustomerNotifiedV1 } from './notification/CustomerNotified.v1';
import { OrderAtRiskV1 } from './projection/OrderAtRisk.v1';

/** Every published version of every event. Code reads events in their latest version. */
export const eventDefinitions = [
  OrderReceivedV1,
  OrderAcceptedV1,
  OrderRejectedV1,
  DteIssuedV1,
  DteIssuanceFailedV1,
  DteBroadcastV1,
  DteBroadcastFailedV1,
  CustomerNotifiedV1,
  CustomerNotificationFailedV1,
  ExceptionRetryRequestedV1,
  OrderAtRiskV1,
] as const;

type LatestDefinition = (typeof eventDefinitions)[number];
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
  return eventDefinitions
    .filter((d) => d.detailType === detailType)
    .reduce<EventDefinition | undefined>((a, d) => (a && a.version > d.version ? a : d), undefined);
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
 * Validates an EventBridge `detail` against the schema of its own type and version and returns the
 * event as handlers see it. Throws {@link EventValidationError} naming every bad field.
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
  return { type: definition.detailType, ...result.data } as MtdEvent;
}
