import { DteIssuedV2, Streams } from '@mtd/contracts';
import {
  type Cause,
  type CommandHandlerDeps,
  commandHandler,
  type EffectClaims,
  type EventHandler,
  loadForEffect,
} from '@mtd/platform';
import { type EmailMessage, type EmailSender, EmailSendFailedError } from '#adapters/emailSender';
import type { DtePdfRenderer } from '#adapters/pdfRenderer';
import { customerEmailKey, documentFileName, renderCustomerEmail } from '#domain/customerEmail';
import {
  decideNotification,
  type NotificationCommand,
  notificationDecider,
} from '#domain/decideNotification';

export interface NotifyCustomerOnDteIssuedDeps extends CommandHandlerDeps {
  email: EmailSender;
  /** The sender address, e.g. `"Tienda" <no-reply@tienda.cl>`. */
  from: string;
  /** Renders the document's printed form, attached as a PDF (off the event loop locally). */
  pdf: DtePdfRenderer;
  /** The service's effect claims: one email per DteIssued, however many deliveries race. */
  claims: EffectClaims;
}

const handleNotification = commandHandler(notificationDecider);

/**
 * Subscription `notifyCustomerOnDteIssued`: emails the customer their tax document when it is issued
 * and records the outcome on `notification-<orderId>`.
 *
 * - Replays (`context.replayName`) never email: the subscription's effects are external.
 * - A redelivered DteIssued, or any after the customer was notified, sends nothing.
 * - A permanent send failure is recorded as CustomerNotificationFailed (the order goes into
 *   exception); a transient one is thrown, so the runner retries with backoff and dead-letters
 *   after 10 attempts.
 *
 * The send is claimed first (platform `EffectClaims.act`, keyed by order id and DteIssued event id),
 * then the stream is looked at: concurrent deliveries of one DteIssued send one email, and a delivery
 * after the email went out whose CustomerNotified could not be appended gets the first send's message
 * id and only records it. A crash between the send and the append sends again once the claim's lease
 * runs out; that copy carries the same Message-ID (`X-MTD-Message-ID` on SES, which sets its own
 * Message-ID), so it is recognisable as the same email.
 */
export function notifyCustomerOnDteIssued(deps: NotifyCustomerOnDteIssuedDeps): EventHandler {
  return async (event, context) => {
    if (event.type !== DteIssuedV2.detailType) return;
    if (context.replayName !== undefined) return;

    const dte = event.data;
    const streamId = Streams.notification(dte.orderId);
    const cause: Cause = { causationId: event.metadata.eventId, correlationId: dte.orderId, actor: 'system' };
    // The notification stream is made by the order's one DteIssued: on its certain first delivery
    // (and a claim this delivery took, not found taken) nothing is read; the append's no-stream
    // condition catches a lost bet. Set by the look.
    let assumeNewStream = false;
    const to = dte.customer.email;
    const content = renderCustomerEmail(dte);
    const record = async (command: NotificationCommand) => {
      await handleNotification(deps, streamId, cause, (current) => decideNotification(command, current), {
        assumeNewStream,
      });
    };

    try {
      await deps.claims.act('customer-email', customerEmailKey(dte.orderId, event.metadata.eventId), {
        look: async (claim) => {
          assumeNewStream = context.firstDelivery === true && claim === 'taken';
          const { state, handled } = await loadForEffect(notificationDecider, deps.store, streamId, cause, {
            assumeNewStream,
          });
          return handled || state.status === 'notified' ? undefined : true;
        },
        effect: async () => {
          // The printed form goes with it; a document issued before DTEs were stamped (DteIssued v1)
          // has no TED to print, so its email goes without one.
          const pdf = dte.ted ? await deps.pdf.render(dte) : undefined;
          const message: EmailMessage = {
            from: deps.from,
            to: [to],
            ...content,
            idempotencyKey: customerEmailKey(dte.orderId, event.metadata.eventId),
            tags: { orderId: dte.orderId },
            ...(pdf
              ? {
                  attachments: [
                    { filename: documentFileName(dte), contentType: 'application/pdf', content: pdf },
                  ],
                }
              : {}),
          };
          return deps.email.send(message);
        },
        record: (_due, { messageId }) =>
          record({
            type: 'RecordEmailSent',
            orderId: dte.orderId,
            to,
            subject: content.subject,
            messageId,
            at: deps.clock.now().toISOString(),
          }),
      });
    } catch (error) {
      if (!(error instanceof EmailSendFailedError) || !error.permanent) throw error;
      await record({
        type: 'RecordEmailFailed',
        orderId: dte.orderId,
        to,
        error: error.message,
        at: deps.clock.now().toISOString(),
      });
    }
  };
}
