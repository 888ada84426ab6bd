import { type SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import {
  assertIdempotencyKey,
  type EmailMessage,
  type EmailSender,
  EmailSendFailedError,
  messageIdFor,
} from '#adapters/emailSender';

/**
 * SES v2 errors that sending the same message again cannot fix: the message or an address is
 * rejected (`MessageRejected`, `BadRequestException`), the MAIL FROM domain is not verified, or the
 * account may not send. Everything else (throttling, quotas, 5xx, network) is transient.
 */
const permanentErrors: ReadonlySet<string> = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'BadRequestException',
]);

/** SES tag names and values: ASCII letters, digits, `_` and `-`, at most 256 characters. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
}

/**
 * Sends through Amazon SES v2 `SendEmail` with simple (text + HTML, UTF-8) content. Build the client
 * once at the composition root and pass it in. `configurationSetName` routes SES delivery events
 * (bounces, complaints) to where the operators watch them; `message.tags` become `EmailTags`.
 *
 * SES has no idempotency token: the handlers claim each send first (platform `EffectClaims`), and
 * a copy sent after a crash in the middle of a send carries the same `X-MTD-Idempotency-Key` and
 * `X-MTD-Message-ID` headers, so a reader recognises it.
 */
export function sesEmailSender(options: { client: SESv2Client; configurationSetName?: string }): EmailSender {
  const { client, configurationSetName } = options;
  return {
    async send(message: EmailMessage) {
      assertIdempotencyKey(message.idempotencyKey);
      const tags = Object.entries(message.tags ?? {});
      const input: SendEmailCommandInput = {
        FromEmailAddress: message.from,
        Destination: { ToAddresses: [...message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
            // SES overwrites a Message-ID header with its own (SES header fields), so the stable id
            // travels in a header of ours.
            Headers: [
              { Name: 'X-MTD-Idempotency-Key', Value: message.idempotencyKey },
              { Name: 'X-MTD-Message-ID', Value: messageIdFor(message.idempotencyKey, message.from) },
            ],
            ...(message.attachments && message.attachments.length > 0
              ? {
                  Attachments: message.attachments.map((a) => ({
                    FileName: a.filename,
                    ContentType: a.contentType,
                    ContentDisposition: 'ATTACHMENT' as const,
                    ContentTransferEncoding: 'BASE64' as const,
                    RawContent: a.content,
                  })),
                }
              : {}),
          },
        },
        ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
        ...(tags.length > 0
          ? { EmailTags: tags.map(([name, value]) => ({ Name: tagValue(name), Value: tagValue(value) })) }
          : {}),
      };
      let messageId: string | undefined;
      try {
        ({ MessageId: messageId } = await client.send(new SendEmailCommand(input)));
      } catch (error) {
        throw toEmailSendFailedError(error);
      }
      if (!messageId) {
        throw new EmailSendFailedError('SES accepted the email but returned no MessageId', {
          permanent: false,
          code: 'MissingMessageId',
        });
      }
      return { messageId };
    },
  };
}

/** Maps an SES v2 (or network) error to an {@link EmailSendFailedError} that says whether to retry. */
export function toEmailSendFailedError(error: unknown): EmailSendFailedError {
  const code = error instanceof Error ? error.name : 'UnknownError';
  const detail = error instanceof Error ? error.message : String(error);
  const permanent = permanentErrors.has(code);
  return new EmailSendFailedError(`SES SendEmail failed (${code}): ${detail}`, {
    permanent,
    code,
    cause: error,
  });
}
