/**
 * One email, shaped after SES v2 `SendEmail` with `Content.Simple`: a subject and both a text and an
 * HTML body, UTF-8.
 */
export interface EmailMessage {
  /** `no-reply@tienda.cl` or `"Tienda" <no-reply@tienda.cl>`. */
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /**
   * Stable for one logical email (derived from the triggering event id), so a redelivery is
   * recognisable: the outbox overwrites the same file, SES carries it as a header and a tag.
   * Letters, digits, `.`, `_` and `-` only.
   */
  idempotencyKey: string;
  /** Labels for the mail system's delivery events (SES `EmailTags`), e.g. `{ orderId }`. */
  tags?: Readonly<Record<string, string>>;
  /** Files attached to the message (the DTE's PDF). */
  attachments?: readonly EmailAttachment[];
}

/** A file attached to an email. */
export interface EmailAttachment {
  /** e.g. `boleta-electronica-4711.pdf`. */
  filename: string;
  /** e.g. `application/pdf`. */
  contentType: string;
  content: Uint8Array;
}

/** The port every mail system implements: the SES v2 adapter in AWS, the `.eml` outbox locally. */
export interface EmailSender {
  /** Resolves with the mail system's id for the message; rejects with {@link EmailSendFailedError}. */
  send(message: EmailMessage): Promise<{ messageId: string }>;
}

/**
 * The mail system did not take the message. `permanent`: sending the same message again will not
 * help (rejected content or address, unverified sender, suspended account), so the failure is
 * recorded; otherwise (throttling, a 5xx, the network) the delivery is retried.
 */
export class EmailSendFailedError extends Error {
  override readonly name = 'EmailSendFailedError';
  readonly permanent: boolean;
  /** The mail system's error name (`MessageRejected`, `TooManyRequestsException`, `EACCES`, …). */
  readonly code: string;
  constructor(message: string, options: { permanent: boolean; code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent;
    this.code = options.code;
  }
}

const idempotencyKeyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Throws a permanent {@link EmailSendFailedError} unless the key is safe as a file name and header. */
export function assertIdempotencyKey(key: string): void {
  if (!idempotencyKeyPattern.test(key)) {
    throw new EmailSendFailedError(
      `idempotency key ${JSON.stringify(key)} must be 1-200 letters, digits, . _ or - (not starting with . _ -)`,
      { permanent: true, code: 'InvalidIdempotencyKey' },
    );
  }
}

/**
 * The deterministic Message-ID of an email, from its idempotency key (for a customer email: the order
 * id and the DteIssued event id): the same cause always gives the same id, so a copy that slipped
 * through is recognisable. The outbox uses it as the `Message-ID`; SES replaces any Message-ID with
 * its own, so both senders also carry it as `X-MTD-Message-ID`.
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'mtd.local';
  // dot-atom-text (RFC 5322 §3.6.4) allows no leading, trailing or doubled dots: keep only safe chars.
  return `<${idempotencyKey.replace(/[^A-Za-z0-9_-]/g, '-')}@${domain}>`;
}
