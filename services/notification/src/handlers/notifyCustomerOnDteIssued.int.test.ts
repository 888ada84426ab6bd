import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CustomerNotificationFailedV1,
  CustomerNotifiedV1,
  type DteIssuedV1,
  type MtdEvent,
  Sources,
  Streams,
} from '@mtd/contracts';
import {
  type Clock,
  EffectInProgressError,
  type EventHandler,
  type HandlerContext,
  ulidGenerator,
} from '@mtd/platform';
import { logDynamoCalls, startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmailMessage, type EmailSender, EmailSendFailedError } from '#adapters/emailSender';
import { outboxEmailSender } from '#adapters/outboxEmailSender';
import { customerEmailKey } from '#domain/customerEmail';
import { createNotification } from '#src/index';
import { aDteIssuedEvent } from '#src/testing/aDteIssuedEvent';
import { parseEml } from '#src/testing/parseEml';

const clock: Clock = { now: () => new Date('2026-11-24T10:00:05.000Z') };
const ids = ulidGenerator(clock);
const from = '"Tienda" <no-reply@tienda.cl>';
const delivery = (overrides: Partial<HandlerContext> = {}): HandlerContext => ({
  subscription: 'notifyCustomerOnDteIssued',
  attempt: 1,
  ...overrides,
});

/** Counts what reaches the real sender and can fail on demand. */
function spying(sender: EmailSender) {
  const sent: EmailMessage[] = [];
  let failWith: Error | undefined;
  return {
    sent,
    failNextWith(error: Error) {
      failWith = error;
    },
    sender: {
      async send(message: EmailMessage) {
        sent.push(message);
        const error = failWith;
        failWith = undefined;
        if (error) throw error;
        return sender.send(message);
      },
    } satisfies EmailSender,
  };
}

describe('notifyCustomerOnDteIssued', () => {
  let engine: TestEngine;
  let outbox: string;
  let email: ReturnType<typeof spying>;
  let handle: EventHandler;

  const streamOf = async (orderId: string) =>
    (await engine.reader.readStream(Streams.notification(orderId))).events;

  beforeAll(async () => {
    engine = await startTestEngine({ clock });
  });
  afterAll(() => engine.close());
  beforeEach(async () => {
    outbox = await mkdtemp(join(tmpdir(), 'mtd-notification-'));
    email = spying(outboxEmailSender({ dir: outbox, clock }));
    handle = createNotification({
      store: engine.storeFor(Sources.notification),
      clock,
      ids,
      email: email.sender,
      from,
      claims: engine.claims,
    }).notifyCustomerOnDteIssued;
  });
  afterEach(() => rm(outbox, { recursive: true, force: true }));

  it('emails the customer one .eml and records CustomerNotified caused by the DteIssued', async () => {
    const event = aDteIssuedEvent({ orderId: 'PO-2001' });

    await expect(handle(event, delivery())).resolves.toBeUndefined();

    const files = await readdir(outbox);
    expect(files).toEqual([`PO-2001-${event.metadata.eventId}.eml`]);
    const eml = parseEml(await readFile(join(outbox, files[0]!), 'utf8'));
    expect(eml.headers.get('to')).toBe('ana@example.cl');
    expect(eml.headers.get('subject')).toBe('Tu boleta electrónica N° 4711 – pedido PO-2001');

    const events = await streamOf('PO-2001');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: CustomerNotifiedV1.detailType,
      data: {
        orderId: 'PO-2001',
        notifiedAt: '2026-11-24T10:00:05.000Z',
        channel: 'email',
        to: 'ana@example.cl',
        subject: 'Tu boleta electrónica N° 4711 – pedido PO-2001',
        messageId: files[0],
      },
      metadata: {
        streamId: Streams.notification('PO-2001'),
        streamVersion: 1,
        causationId: event.metadata.eventId,
        correlationId: 'PO-2001',
        actor: 'system',
        producer: Sources.notification,
      },
    });
  });

  it('delivered twice, and three times at once: one email sent, one .eml, one CustomerNotified', async () => {
    const event = aDteIssuedEvent({ orderId: 'PO-2002' });
    await handle(event, delivery());
    await handle(event, delivery({ attempt: 2 }));
    expect(email.sent).toHaveLength(1);

    // Three runners racing on the same event before any recorded: the claim lets one send; the others
    // are told it is in progress (the runner retries them, and the retry finds CustomerNotified).
    const raced = aDteIssuedEvent({ orderId: 'PO-2003' });
    const results = await Promise.allSettled([1, 2, 3].map(() => handle(raced, delivery())));
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect(r.reason).toBeInstanceOf(EffectInProgressError);
    await handle(raced, delivery({ attempt: 2 }));

    expect(email.sent.map((m) => m.tags?.orderId)).toEqual(['PO-2002', 'PO-2003']);
    expect(await readdir(outbox)).toHaveLength(2);
    expect((await streamOf('PO-2002')).map((e) => e.type)).toEqual([CustomerNotifiedV1.detailType]);
    expect((await streamOf('PO-2003')).map((e) => e.type)).toEqual([CustomerNotifiedV1.detailType]);
  });

  it('reads nothing of the new stream on a first delivery; a repeat, even one betting on a new stream, sends nothing', async () => {
    const log = logDynamoCalls(engine.client);
    const streamReads = () => log.calls.filter((c) => c.table === 'mtd-events' && c.operation === 'Query');
    try {
      const event = aDteIssuedEvent({ orderId: 'PO-2020' });
      await handle(event, delivery({ firstDelivery: true }));
      expect(streamReads()).toEqual([]);
      expect(email.sent).toHaveLength(1);

      log.clear();
      await handle(event, delivery({ attempt: 2 }));
      expect(streamReads().length).toBeGreaterThan(0);
      // A delivery told it is the first that is not (a lost bet): it finds the cause's claim taken,
      // so it reads the stream after all, finds CustomerNotified, and sends nothing.
      log.clear();
      await handle(event, delivery({ firstDelivery: true }));
      expect(streamReads().length).toBeGreaterThan(0);
      expect(email.sent).toHaveLength(1);
      expect(await readdir(outbox)).toHaveLength(1);
      expect((await streamOf('PO-2020')).map((e) => e.type)).toEqual([CustomerNotifiedV1.detailType]);
    } finally {
      log.stop();
    }
  });

  it('a delivery that finds the email sent but not recorded (the sender crashed in between) records it without sending', async () => {
    const event = aDteIssuedEvent({ orderId: 'PO-2010' });
    const key = customerEmailKey('PO-2010', event.metadata.eventId);
    // The crashed delivery: its claim completed with SES's message id, then the process died.
    await engine.claims.once('customer-email', key, async () => ({ messageId: 'ses-first' }));
    await handle(event, delivery({ attempt: 2 }));
    expect(email.sent).toEqual([]);
    const [notified] = await streamOf('PO-2010');
    expect(notified).toMatchObject({ type: CustomerNotifiedV1.detailType, data: { messageId: 'ses-first' } });
  });

  it('never emails twice for an order already notified, even for a different DteIssued', async () => {
    await handle(aDteIssuedEvent({ orderId: 'PO-2004' }), delivery());
    await handle(aDteIssuedEvent({ orderId: 'PO-2004' }), delivery());
    expect(email.sent).toHaveLength(1);
    expect(await readdir(outbox)).toHaveLength(1);
    expect(await streamOf('PO-2004')).toHaveLength(1);
  });

  it('records a permanent send failure as CustomerNotificationFailed and does not retry it', async () => {
    const event = aDteIssuedEvent({ orderId: 'PO-2005' });
    email.failNextWith(
      new EmailSendFailedError('SES SendEmail failed (MessageRejected): Email address is not verified.', {
        permanent: true,
        code: 'MessageRejected',
      }),
    );

    await expect(handle(event, delivery())).resolves.toBeUndefined();
    await handle(event, delivery({ attempt: 2 }));

    expect(email.sent).toHaveLength(1);
    expect(await readdir(outbox)).toEqual([]);
    const events = await streamOf('PO-2005');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: CustomerNotificationFailedV1.detailType,
      data: {
        orderId: 'PO-2005',
        failedAt: '2026-11-24T10:00:05.000Z',
        to: 'ana@example.cl',
        error: 'SES SendEmail failed (MessageRejected): Email address is not verified.',
      },
      metadata: { causationId: event.metadata.eventId, correlationId: 'PO-2005' },
    });
  });

  it('throws a transient failure for the runner to retry, recording nothing; the retry notifies', async () => {
    const event = aDteIssuedEvent({ orderId: 'PO-2006' });
    const throttled = new EmailSendFailedError('SES SendEmail failed (TooManyRequestsException)', {
      permanent: false,
      code: 'TooManyRequestsException',
    });
    email.failNextWith(throttled);

    await expect(handle(event, delivery())).rejects.toBe(throttled);
    expect(await streamOf('PO-2006')).toEqual([]);

    await handle(event, delivery({ attempt: 2 }));
    expect((await streamOf('PO-2006')).map((e) => e.type)).toEqual([CustomerNotifiedV1.detailType]);
    expect(await readdir(outbox)).toHaveLength(1);
  });

  it('does nothing on a replay: no email, no event', async () => {
    await handle(aDteIssuedEvent({ orderId: 'PO-2007' }), delivery({ replayName: 'rebuild-2026-11-24' }));
    expect(email.sent).toEqual([]);
    expect(await readdir(outbox)).toEqual([]);
    expect(await streamOf('PO-2007')).toEqual([]);
  });

  it('ignores events that are not DteIssued', async () => {
    const dte = aDteIssuedEvent({ orderId: 'PO-2008' });
    const notified = {
      type: CustomerNotifiedV1.detailType,
      metadata: { ...dte.metadata, eventType: CustomerNotifiedV1.detailType, producer: Sources.notification },
      data: {
        orderId: 'PO-2008',
        notifiedAt: dte.data.issuedAt,
        channel: 'email',
        to: 'ana@example.cl',
        subject: 's',
        messageId: 'm',
      },
    } satisfies MtdEvent;
    await handle(notified, delivery());
    expect(email.sent).toEqual([]);
    expect(await streamOf('PO-2008')).toEqual([]);
  });

  it('emails a factura to a business buyer at their address', async () => {
    const customer: DteIssuedV1['customer'] = {
      id: 'C-9',
      taxId: '76123456-7',
      name: 'Ferretería Sur SpA',
      email: 'compras@sur.cl',
    };
    await handle(aDteIssuedEvent({ orderId: 'PO-2009', dteType: 33, folio: 88, customer }), delivery());
    expect(email.sent[0]).toMatchObject({
      from,
      to: ['compras@sur.cl'],
      subject: 'Tu factura electrónica N° 88 – pedido PO-2009',
      tags: { orderId: 'PO-2009' },
    });
  });
});
