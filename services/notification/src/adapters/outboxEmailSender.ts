import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '@mtd/platform';
import MailComposer from 'nodemailer/lib/mail-composer';
import {
  assertIdempotencyKey,
  type EmailMessage,
  type EmailSender,
  EmailSendFailedError,
  messageIdFor,
} from '#adapters/emailSender';

/**
 * The local mail system (DESIGN §4): each email becomes `<dir>/<idempotencyKey>.eml`, a complete
 * RFC 5322 message (multipart/alternative text + HTML, UTF-8, inside multipart/mixed with its
 * attachments when it has any) any mail client opens.
 *
 * The file is written to a temporary name, fsynced and renamed into place, and the directory is
 * fsynced before `send` returns, so a reader never sees a half-written `.eml`, a `kill -9` leaves
 * either the whole message or none, and a sent message survives a power cut. A redelivery (same key)
 * replaces the same file: one `.eml` per email however often it is sent. The message id returned is
 * the file name.
 */
export function outboxEmailSender(options: { dir: string; clock?: Clock }): EmailSender {
  const { dir, clock = systemClock } = options;
  // Each is a trip to libuv's pool, which the embedded engine's LevelDB shares; under load a send
  // waited its turn for each (docs/decisions.md). The folder is made once (again if it is removed),
  // and concurrent sends share a directory fsync that started after their renames.
  let made: Promise<unknown> | undefined;
  const makeDirectory = () => {
    made ??= mkdir(dir, { recursive: true }).catch((error) => {
      made = undefined;
      throw error;
    });
    return made;
  };
  const syncDirectory = sharedRuns(() => syncDirectoryEntry(dir));
  return {
    async send(message: EmailMessage) {
      assertIdempotencyKey(message.idempotencyKey);
      const fileName = `${message.idempotencyKey}.eml`;
      try {
        const raw = await composeEml(message, clock.now());
        await makeDirectory();
        try {
          await writeAtomically(dir, fileName, raw);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          // The outbox was removed while the runtime ran: made again, once.
          made = undefined;
          await makeDirectory();
          await writeAtomically(dir, fileName, raw);
        }
        await syncDirectory();
      } catch (error) {
        // A full or read-only disk may clear up; the runner retries and dead-letters if it does not.
        throw new EmailSendFailedError(`could not write ${fileName} to the outbox ${dir}`, {
          permanent: false,
          code: (error as NodeJS.ErrnoException).code ?? 'OutboxWriteFailed',
          cause: error,
        });
      }
      return { messageId: fileName };
    },
  };
}

async function composeEml(message: EmailMessage, date: Date): Promise<Buffer> {
  const composer = new MailComposer({
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    date,
    messageId: messageIdFor(message.idempotencyKey, message.from),
    headers: {
      'X-MTD-Idempotency-Key': message.idempotencyKey,
      'X-MTD-Message-ID': messageIdFor(message.idempotencyKey, message.from),
      ...Object.fromEntries(Object.entries(message.tags ?? {}).map(([k, v]) => [`X-MTD-Tag-${k}`, v])),
    },
    textEncoding: 'quoted-printable',
    attachments: (message.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content),
    })),
  });
  const built = await composer.compile().build();
  // MailComposer leaves the body's own line breaks as LF (its SMTP transports convert them on the
  // wire); a stored message must use CRLF throughout (RFC 5322 §2.1). The output is 7-bit after
  // quoted-printable and encoded words, so a latin1 round trip is lossless.
  return Buffer.from(built.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

async function writeAtomically(dir: string, fileName: string, content: Buffer): Promise<void> {
  // Not `.eml`, so a reader of the outbox never picks up a partial file.
  const temporary = join(dir, `.${fileName}.${randomUUID()}.tmp`);
  try {
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, join(dir, fileName));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The rename is durable only once the directory entry is on disk. */
async function syncDirectoryEntry(dir: string): Promise<void> {
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * `work` for each caller, shared: a caller waits for a run that started after it called (the one
 * under way may have started before its rename), and every caller that arrives while a run is
 * under way shares the next one. So a directory fsync covers every rename done before it began.
 */
function sharedRuns(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = () => {
    const run = work().finally(() => {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  };
  return () => {
    if (next) return next;
    if (!running) return start();
    const queued = running
      .catch(() => {})
      .then(() => {
        next = undefined;
        return start();
      });
    next = queued;
    return queued;
  };
}
