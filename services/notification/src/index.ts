import type { Clock, EventHandler, EventStore, IdGenerator } from '@mtd/platform';
import type { EmailSender } from '#adapters/emailSender';
import { notifyCustomerOnDteIssued } from '#handlers/notifyCustomerOnDteIssued';

export { type EmailMessage, type EmailSender, EmailSendFailedError } from '#adapters/emailSender';
export { messageIdFor, outboxEmailSender } from '#adapters/outboxEmailSender';
export { sesEmailSender, toEmailSendFailedError } from '#adapters/sesEmailSender';
export {
  type CustomerEmail,
  customerEmailKey,
  documentTitle,
  escapeHtml,
  formatClp,
  renderCustomerEmail,
} from '#domain/customerEmail';
export {
  decideNotification,
  type NotificationCommand,
  notificationDecider,
  type RecordEmailFailed,
  type RecordEmailSent,
} from '#domain/decideNotification';
export {
  evolveNotification,
  initialNotificationState,
  type NotificationEvent,
  type NotificationState,
} from '#domain/notification';
export { type AtRiskRow, digestRows, formatChileTime, renderOperationsDigest } from '#domain/operationsAlert';
export {
  type NotifyCustomerOnDteIssuedDeps,
  notifyCustomerOnDteIssued,
} from '#handlers/notifyCustomerOnDteIssued';
export {
  type NotifyOperationsOnOrderAtRiskDeps,
  notifyOperationsOnOrderAtRisk,
  operationsDigestKey,
} from '#handlers/notifyOperationsOnOrderAtRisk';

export interface NotificationDeps {
  /** An event store appending as `mtd.notification`. */
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  /** The SES v2 sender in AWS, the `.eml` outbox locally. */
  email: EmailSender;
  /** The sender address, e.g. `"Tienda" <no-reply@tienda.cl>`. */
  from: string;
}

/**
 * The notification service's handlers, one per subscription in `@mtd/contracts` (`subscriptions.ts`),
 * keyed by subscription name. The same functions run in the local runtime and in Lambda.
 */
export function createNotification(deps: NotificationDeps): { notifyCustomerOnDteIssued: EventHandler } {
  return { notifyCustomerOnDteIssued: notifyCustomerOnDteIssued(deps) };
}
