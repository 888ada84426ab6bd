import { CustomerNotificationFailedV1, CustomerNotifiedV1 } from '@mtd/contracts';
import {
  assertNever,
  evolveNotification,
  initialNotificationState,
  type NotificationEvent,
  type NotificationState,
} from '#domain/notification';

/** The email was accepted by the mail system (SES, or the local outbox). */
export interface RecordEmailSent {
  type: 'RecordEmailSent';
  orderId: string;
  to: string;
  subject: string;
  messageId: string;
  /** When the mail system accepted it (ISO 8601), from the handler's clock. */
  at: string;
}

/** The email could not be sent and retrying the same message will not help. */
export interface RecordEmailFailed {
  type: 'RecordEmailFailed';
  orderId: string;
  to: string;
  error: string;
  at: string;
}

export type NotificationCommand = RecordEmailSent | RecordEmailFailed;

/**
 * Decides what a notification command means for the order's notification stream. Once notified,
 * every command is a no-op: a customer is emailed their tax document once, and a late failure
 * report must not put a notified order into exception.
 */
export function decideNotification(
  command: NotificationCommand,
  state: NotificationState,
): NotificationEvent[] {
  switch (state.status) {
    case 'notified':
      return [];
    case 'pending':
    case 'failed':
      break;
    default:
      return assertNever(state);
  }
  switch (command.type) {
    case 'RecordEmailSent':
      return [
        {
          type: CustomerNotifiedV1.detailType,
          data: {
            orderId: command.orderId,
            notifiedAt: command.at,
            channel: 'email',
            to: command.to,
            subject: command.subject,
            messageId: command.messageId,
          },
        },
      ];
    case 'RecordEmailFailed':
      return [
        {
          type: CustomerNotificationFailedV1.detailType,
          data: { orderId: command.orderId, failedAt: command.at, to: command.to, error: command.error },
        },
      ];
    default:
      return assertNever(command);
  }
}

/** The notification aggregate as `commandHandler` and `deciderSpec` take it. */
export const notificationDecider = {
  decide: decideNotification,
  evolve: evolveNotification,
  initialState: initialNotificationState,
};
