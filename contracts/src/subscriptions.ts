import { ExceptionRetryRequestedV1 } from './backoffice/ExceptionRetryRequested.v1';
import { DteBroadcastV2 } from './dte/DteBroadcast.v2';
import { DteBroadcastFailedV1 } from './dte/DteBroadcastFailed.v1';
import { DteIssuedV1 } from './dte/DteIssued.v1';
import { OrderAcceptedV1 } from './intake/OrderAccepted.v1';
import { OrderAtRiskV1 } from './projection/OrderAtRisk.v1';

/** An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). */
export type EventPattern = { [field: string]: unknown };

export type ServiceName = 'intake' | 'dte' | 'notification' | 'projection' | 'backoffice';

export interface Subscription {
  /** Unique; the handler's name (`<action>On<Event>`), also the local checkpoint and the AWS rule name. */
  readonly name: string;
  readonly service: ServiceName;
  readonly description: string;
  /** Exactly what the EventBridge rule matches in AWS and the local matcher matches locally. */
  readonly pattern: EventPattern;
  /**
   * `external`: the handler has effects outside MTD (tax authority, email) and so ignores replayed
   * events unless told otherwise; `internal`: it only writes MTD state and accepts replays.
   */
  readonly effects: 'external' | 'internal';
}

const anyMtdEvent = { source: [{ prefix: 'mtd.' }] };

/** Who consumes what. A new consumer is one entry here plus a handler. */
export const subscriptions = [
  {
    name: 'issueDteOnOrderAccepted',
    service: 'dte',
    description: 'Issue the tax document of every accepted order.',
    pattern: { source: [OrderAcceptedV1.source], 'detail-type': [OrderAcceptedV1.detailType] },
    effects: 'internal',
  },
  {
    name: 'broadcastDteOnDteIssued',
    service: 'dte',
    description: 'Send a newly issued DTE to the tax authority (first attempt).',
    pattern: { source: [DteIssuedV1.source], 'detail-type': [DteIssuedV1.detailType] },
    effects: 'external',
  },
  {
    name: 'retryBroadcastOnDteBroadcastFailed',
    service: 'dte',
    description: 'Try the broadcast again after a failed attempt that was not the last one.',
    pattern: {
      source: [DteBroadcastFailedV1.source],
      'detail-type': [DteBroadcastFailedV1.detailType],
      detail: { data: { final: [false] } },
    },
    effects: 'external',
  },
  {
    name: 'retryDteOnExceptionRetryRequested',
    service: 'dte',
    description: 'An operator asked to retry a failed DTE issuance or broadcast.',
    pattern: {
      source: [ExceptionRetryRequestedV1.source],
      'detail-type': [ExceptionRetryRequestedV1.detailType],
      detail: { data: { stage: ['dte-issuance', 'dte-broadcast'] } },
    },
    effects: 'external',
  },
  {
    name: 'notifyCustomerOnDteIssued',
    service: 'notification',
    description: 'Email the customer their tax document.',
    pattern: { source: [DteIssuedV1.source], 'detail-type': [DteIssuedV1.detailType] },
    effects: 'external',
  },
  {
    name: 'notifyOperationsOnOrderAtRisk',
    service: 'notification',
    description: 'Email the operations address when a stage of an order overran its deadline.',
    pattern: { source: [OrderAtRiskV1.source], 'detail-type': [OrderAtRiskV1.detailType] },
    effects: 'external',
  },
  {
    name: 'projectOrderOnEvent',
    service: 'projection',
    description: 'Fold every MTD event into the order view and the order timeline.',
    pattern: anyMtdEvent,
    effects: 'internal',
  },
  // After the projection's: the bus docs list a channel's consumers version by version, and v1 of
  // DteBroadcast (no status) matches only the catch-all ones.
  {
    name: 'checkDteStatusOnDteBroadcast',
    service: 'dte',
    description:
      'Query the tax authority, by track id, for its verdict on a DTE it received: accepted, accepted with objections, or rejected.',
    pattern: {
      source: [DteBroadcastV2.source],
      'detail-type': [DteBroadcastV2.detailType],
      detail: { data: { status: ['received'] } },
    },
    effects: 'external',
  },
] as const satisfies readonly Subscription[];

export type SubscriptionName = (typeof subscriptions)[number]['name'];

export function subscriptionNamed(name: SubscriptionName): Subscription {
  const found = subscriptions.find((s) => s.name === name);
  if (!found) throw new Error(`no subscription named ${name}`);
  return found;
}
