import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmailMessage, EmailSendFailedError, messageIdFor } from '#adapters/emailSender';
import { outboxEmailSender } from '#adapters/outboxEmailSender';
import { renderCustomerEmail } from '#domain/customerEmail';
import { aDteIssued } from '#src/testing/aDteIssuedEvent';
import { parseEml } from '#src/testing/parseEml';

const at = new Date('2026-11-24T10:00:02.000Z');
const clock = { now: () => at };

const aMessage = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  from: '"Tienda Ñandú" <no-reply@tienda.cl>',
  to: ['ana@example.cl'],
  ...renderCustomerEmail(aDteIssued()),
  idempotencyKey: 'PO-1001-01JD9Y3ZK1V5S6QX2T8W4R7N0M',
  tags: { orderId: 'PO-1001' },
  ...overrides,
});

describe('outboxEmailSender', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtd-outbox-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one RFC 5322 multipart/alternative .eml named after the idempotency key', async () => {
    const message = aMessage();
    const { messageId } = await outboxEmailSender({ dir, clock }).send(message);

    expect(messageId).toBe('PO-1001-01JD9Y3ZK1V5S6QX2T8W4R7N0M.eml');
    expect(await readdir(dir)).toEqual([messageId]);
    const raw = await readFile(join(dir, messageId), 'utf8');

    // Every line ends in CRLF and fits the 998-octet limit; headers are 7-bit (encoded words).
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(raw.split('\r\n').every((line) => Buffer.byteLength(line) <= 998)).toBe(true);
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    expect(head).toMatch(/^Subject: =\?UTF-8\?/m);

    const eml = parseEml(raw);
    expect(eml.headers.get('subject')).toBe('Tu boleta electrónica N° 4711 – pedido PO-1001');
    expect(eml.headers.get('from')).toBe('Tienda Ñandú <no-reply@tienda.cl>');
    expect(eml.headers.get('to')).toBe('ana@example.cl');
    expect(eml.headers.get('mime-version')).toBe('1.0');
    expect(eml.headers.get('date')).toBe('Tue, 24 Nov 2026 10:00:02 +0000');
    expect(eml.headers.get('message-id')).toBe('<PO-1001-01JD9Y3ZK1V5S6QX2T8W4R7N0M@tienda.cl>');
    expect(eml.headers.get('x-mtd-idempotency-key')).toBe(message.idempotencyKey);
    expect(eml.headers.get('content-type')).toMatch(/^multipart\/alternative;\s*boundary=/);

    expect(eml.parts.map((p) => p.headers.get('content-type'))).toEqual([
      'text/plain; charset=utf-8',
      'text/html; charset=utf-8',
    ]);
    // Text parts travel in canonical form: CRLF line breaks (RFC 2046 §4.1.1).
    const canonical = (value: string) => value.replace(/\n/g, '\r\n');
    expect(eml.parts[0]?.body).toBe(canonical(message.text));
    expect(eml.parts[1]?.body).toBe(canonical(message.html));
  });

  it('rewrites the same file on a redelivery: still exactly one .eml, with the same Message-ID', async () => {
    const sender = outboxEmailSender({ dir, clock });
    const first = await sender.send(aMessage());
    const again = await sender.send(
      aMessage({ subject: 'Tu boleta electrónica N° 4711 – pedido PO-1001 (bis)' }),
    );

    expect(again.messageId).toBe(first.messageId);
    expect(await readdir(dir)).toEqual([first.messageId]);
    const eml = parseEml(await readFile(join(dir, first.messageId), 'utf8'));
    expect(eml.headers.get('subject')).toMatch(/\(bis\)$/);
    expect(eml.headers.get('message-id')).toBe(messageIdFor(aMessage().idempotencyKey, aMessage().from));
    expect(eml.headers.get('x-mtd-message-id')).toBe(eml.headers.get('message-id'));
  });

  it('keeps one file when the same email is sent concurrently', async () => {
    const sender = outboxEmailSender({ dir, clock });
    await Promise.all(Array.from({ length: 8 }, () => sender.send(aMessage())));
    expect(await readdir(dir)).toEqual(['PO-1001-01JD9Y3ZK1V5S6QX2T8W4R7N0M.eml']);
  });

  it('writes one file per key and creates the outbox directory', async () => {
    const nested = join(dir, 'outbox');
    const sender = outboxEmailSender({ dir: nested, clock });
    await sender.send(aMessage({ idempotencyKey: 'PO-1-A' }));
    await sender.send(aMessage({ idempotencyKey: 'PO-2-B' }));
    expect((await readdir(nested)).sort()).toEqual(['PO-1-A.eml', 'PO-2-B.eml']);
  });

  it('makes the outbox again when it is removed while the sender runs', async () => {
    const nested = join(dir, 'outbox');
    const sender = outboxEmailSender({ dir: nested, clock });
    await sender.send(aMessage({ idempotencyKey: 'PO-1-A' }));
    await rm(nested, { recursive: true });
    await Promise.all(['PO-2-B', 'PO-3-C'].map((key) => sender.send(aMessage({ idempotencyKey: key }))));
    expect((await readdir(nested)).sort()).toEqual(['PO-2-B.eml', 'PO-3-C.eml']);
  });

  it('writes every one of many concurrent emails', async () => {
    const sender = outboxEmailSender({ dir, clock });
    const keys = Array.from({ length: 40 }, (_, i) => `PO-${i}-K`);
    await Promise.all(keys.map((key) => sender.send(aMessage({ idempotencyKey: key }))));
    expect((await readdir(dir)).sort()).toEqual(keys.map((key) => `${key}.eml`).sort());
  });

  it('refuses a key that is not a safe file name, permanently, writing nothing', async () => {
    const send = outboxEmailSender({ dir, clock }).send(aMessage({ idempotencyKey: '../escape' }));
    await expect(send).rejects.toBeInstanceOf(EmailSendFailedError);
    await expect(send).rejects.toMatchObject({ permanent: true, code: 'InvalidIdempotencyKey' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports an unwritable outbox as a transient failure', async () => {
    const notADirectory = join(dir, 'file');
    await writeFile(notADirectory, '');
    const send = outboxEmailSender({ dir: notADirectory, clock }).send(aMessage());
    await expect(send).rejects.toMatchObject({ name: 'EmailSendFailedError', permanent: false });
  });
});

describe('messageIdFor', () => {
  it('is a valid msg-id on the sender domain, whatever the key holds', () => {
    expect(messageIdFor('PO..1-01J', 'no-reply@tienda.cl')).toBe('<PO--1-01J@tienda.cl>');
    expect(messageIdFor('K', 'sin dominio')).toBe('<K@mtd.local>');
  });
});
