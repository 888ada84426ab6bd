import {
  CustomerNotificationFailedV1,
  CustomerNotifiedV1,
  type DomainEvent,
  type EventType,
} from '@mtd/contracts';

/** The events of a `notification-<orderId>` stream, the only ones this aggregate folds. */
export type NotificationEvent = Extract<
  DomainEvent,
  { type: typeof CustomerNotifiedV1.detailType | typeof CustomerNotificationFailedV1.detailType }
>;

/**
 * The customer notification of one order. `pending` until the first email attempt is recorded;
 * `failed` after a permanent failure (the order is in exception); `notified` once an email was sent,
 * which is final: nothing after it emails the customer again.
 */
export type NotificationState =
  | { status: 'pending' }
  | {
      status: 'notified';
      orderId: string;
      to: string;
      subject: string;
      messageId: string;
      notifiedAt: string;
    }
  | { status: 'failed'; orderId: string; to: string; lastError: string; failedAt: string; failures: number };

export const initialNotificationState = (): NotificationState => ({ status: 'pending' });

const notificationEventTypes: ReadonlySet<EventType> = new Set([
  CustomerNotifiedV1.detailType,
  CustomerNotificationFailedV1.detailType,
]);

export function isNotificationEvent(event: DomainEvent): event is NotificationEvent {
  return notificationEventTypes.has(event.type);
}

/** Folds one event into the state; events of other aggregates leave it unchanged. */
export function evolveNotification(state: NotificationState, event: DomainEvent): NotificationState {
  if (!isNotificationEvent(event)) return state;
  switch (event.type) {
    case CustomerNotifiedV1.detailType: {
      const { orderId, to, subject, messageId, notifiedAt } = event.data;
      return { status: 'notified', orderId, to, subject, messageId, notifiedAt };
    }
    case CustomerNotificationFailedV1.detailType: {
      // A failure recorded after a success (a late, out-of-band attempt) does not undo the email.
      if (state.status === 'notified') return state;
      const { orderId, to, error, failedAt } = event.data;
      const failures = state.status === 'failed' ? state.failures + 1 : 1;
      return { status: 'failed', orderId, to, lastError: error, failedAt, failures };
    }
    default:
      return assertNever(event);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
