import type { Clock, EffectClaims, EventHandler, EventStore, IdGenerator } from '@mtd/platform';
import type { EmailSender } from '#adapters/emailSender';
import { type DtePdfRenderer, workerPdfRenderer } from '#adapters/pdfRenderer';
import { notifyCustomerOnDteIssued } from '#handlers/notifyCustomerOnDteIssued';

export {
  type EmailAttachment,
  type EmailMessage,
  type EmailSender,
  EmailSendFailedError,
  messageIdFor,
} from '#adapters/emailSender';
export { outboxEmailSender } from '#adapters/outboxEmailSender';
export {
  type DtePdfRenderer,
  inlinePdfRenderer,
  PdfRenderFailedError,
  workerPdfRenderer,
} from '#adapters/pdfRenderer';
export { sesEmailSender, toEmailSendFailedError } from '#adapters/sesEmailSender';
export {
  type CustomerEmail,
  customerEmailKey,
  documentFileName,
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
export { renderDtePdf } from '#src/pdf/renderDtePdf';

export interface NotificationDeps {
  /** An event store appending as `mtd.notification`. */
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  /** The SES v2 sender in AWS, the `.eml` outbox locally. */
  email: EmailSender;
  /** The sender address, e.g. `"Tienda" <no-reply@tienda.cl>`. */
  from: string;
  /** The PDF renderer; a worker thread by default (Lambda passes `inlinePdfRenderer()`). */
  pdf?: DtePdfRenderer;
  /** Claims taken before each email, so a cause sends at most one (platform `EffectClaims`). */
  claims: EffectClaims;
}

/**
 * The notification service's handlers, one per subscription in `@mtd/contracts` (`subscriptions.ts`),
 * keyed by subscription name. The same functions run in the local runtime and in Lambda.
 */
export function createNotification(deps: NotificationDeps): { notifyCustomerOnDteIssued: EventHandler } {
  return {
    notifyCustomerOnDteIssued: notifyCustomerOnDteIssued({ ...deps, pdf: deps.pdf ?? workerPdfRenderer() }),
  };
}
