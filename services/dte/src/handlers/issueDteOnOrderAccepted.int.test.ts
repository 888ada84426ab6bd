import {
  DteIssuanceFailedV1,
  DteIssuedV2,
  ExceptionRetryRequestedV1,
  type MtdEvent,
  OrderRejectedV1,
  Sources,
  Streams,
} from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { logDynamoCalls } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCredentials } from '#adapters/issuerCredentials';
import { verifyXmlSignatures } from '#signing/verification';
import { aLine, anAcceptedOrder, orderAcceptedEvent } from '#src/testing/anAcceptedOrder';
import { startDteRig } from '#src/testing/dteTestRig';
import { fakeTaxAuthority } from '#src/testing/fakeTaxAuthority';
import { aTestCaf } from '#src/testing/testIssuer';
import { UnexpectedEventError } from '#src/unexpectedEventError';

describe('issueDteOnOrderAccepted', () => {
  let rig: Awaited<ReturnType<typeof startDteRig>>;
  beforeAll(async () => {
    rig = await startDteRig(fakeTaxAuthority().authority);
  });
  afterAll(() => rig.close());
  const deliver = (event: ReturnType<typeof orderAcceptedEvent>) =>
    rig.handlers.issueDteOnOrderAccepted(event, rig.context('issueDteOnOrderAccepted'));

  it('issues the DTE once even when OrderAccepted is delivered twice at the same time', async () => {
    const event = orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-TWICE' }));
    await Promise.all([deliver(event), deliver(event)]);
    await deliver(event); // and once more, later
    const events = await rig.dteEvents('PO-TWICE');
    expect(events.map((e) => e.type)).toEqual([DteIssuedV2.detailType]);
    const issued = events[0];
    if (issued?.type !== DteIssuedV2.detailType) throw new Error('expected DteIssued');
    expect(issued.metadata.causationId).toBe(event.metadata.eventId);
    expect(issued.metadata.correlationId).toBe('PO-TWICE');
    expect(issued.data).toMatchObject({
      dteType: 39,
      net: 16790,
      iva: 3190,
      total: 19980,
      issuedAt: '2026-11-24T10:00:02.000Z',
    });
    expect(issued.data.xml).toContain(`<Folio>${issued.data.folio}</Folio>`);
    expect(issued.data.xml).toContain('<RUTEmisor>76543210-3</RUTEmisor>');
  });

  it('does not reserve another folio for a redelivery of an issued order', async () => {
    const first = orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-A', customer: { taxId: '76123456-7' } }));
    await deliver(first);
    // A second OrderAccepted event (a new eventId) for the same order: already issued, nothing to do.
    await deliver(
      orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-A', customer: { taxId: '76123456-7' } })),
    );
    await deliver(
      orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-B', customer: { taxId: '76123456-7' } })),
    );
    const [a] = await rig.dteEvents('PO-A');
    const [b] = await rig.dteEvents('PO-B');
    if (a?.type !== DteIssuedV2.detailType || b?.type !== DteIssuedV2.detailType)
      throw new Error('expected DteIssued');
    expect(a.data.dteType).toBe(33);
    expect(b.data.folio).toBe(a.data.folio + 1);
  });

  it('reads nothing on the first delivery, and a repeat (even one that bets the stream is new) changes nothing', async () => {
    const log = logDynamoCalls(rig.engine.client);
    const streamReads = () => log.calls.filter((c) => c.table === 'mtd-events' && c.operation === 'Query');
    const folioWrites = () =>
      log.calls.filter((c) => c.table === 'mtd-dte-folios' && c.operation === 'PutItem');
    const first = { ...rig.context('issueDteOnOrderAccepted'), firstDelivery: true };
    try {
      const event = orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-FIRST' }));
      await rig.handlers.issueDteOnOrderAccepted(event, first);
      expect(streamReads()).toEqual([]);
      expect(folioWrites()).toHaveLength(1);
      const [issued] = await rig.dteEvents('PO-FIRST');
      if (issued?.type !== DteIssuedV2.detailType) throw new Error('expected DteIssued');

      // A redelivery reads the stream and finds its DteIssued.
      log.clear();
      await deliver(event);
      expect(streamReads().length).toBeGreaterThan(0);
      // A lost bet (the stream exists, this store does not cache it): the append's no-stream
      // condition fails, the handler reads, re-decides, and does nothing; the order's folio is the
      // one the ledger gave it before, so no other folio is taken.
      log.clear();
      await rig.handlers.issueDteOnOrderAccepted(event, first);
      expect(folioWrites()).toEqual([]);
      expect(streamReads().length).toBeGreaterThan(0);
      expect((await rig.dteEvents('PO-FIRST')).map((e) => e.metadata.eventId)).toEqual([
        issued.metadata.eventId,
      ]);
      await deliver(orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-AFTER' })));
      const [next] = await rig.dteEvents('PO-AFTER');
      if (next?.type !== DteIssuedV2.detailType) throw new Error('expected DteIssued');
      expect(next.data.folio).toBe(issued.data.folio + 1);
    } finally {
      log.stop();
    }
  });

  it('records DteIssuanceFailed, reserving no folio, for a document over the size limit', async () => {
    const huge = anAcceptedOrder({
      orderId: 'PO-HUGE',
      lines: Array.from({ length: 1000 }, (_, i) => aLine({ sku: `SKU-${i}`, description: 'x'.repeat(80) })),
    });
    await deliver(orderAcceptedEvent(huge));
    const events = await rig.dteEvents('PO-HUGE');
    expect(events.map((e) => e.type)).toEqual([DteIssuanceFailedV1.detailType]);
    expect(events[0]?.data).toMatchObject({
      orderId: 'PO-HUGE',
      reason: expect.stringMatching(/over the \d+-byte limit/),
    });
    // The next boleta still gets the next folio: none was taken by the failed order.
    const cafs = await rig.cafs.list(39);
    const before = await rig.deps.folios.allocate(39, 'PO-PROBE-1', cafs);
    const after = await rig.deps.folios.allocate(39, 'PO-PROBE-2', cafs);
    expect(after.folio).toBe(before.folio + 1);
  });

  it('records DteIssuanceFailed naming the field and the SII limit an order breaks', async () => {
    const order = anAcceptedOrder({
      orderId: 'PO-LONG',
      customer: { taxId: '76123456-7' },
      lines: [aLine({ description: 'd'.repeat(81) }), ...Array.from({ length: 60 }, () => aLine())],
    });
    await deliver(orderAcceptedEvent(order));
    const [failed] = await rig.dteEvents('PO-LONG');
    expect(failed?.type).toBe(DteIssuanceFailedV1.detailType);
    expect(failed?.data).toMatchObject({
      reason:
        'the DTE of order PO-LONG cannot be issued: the order has 61 lines; a factura takes at most 60; lines[0].description has 81 characters; NmbItem takes at most 80',
    });
  });

  it('refuses an event its subscription does not route to it', async () => {
    const event = orderAcceptedEvent(anAcceptedOrder());
    const wrong = { ...event, type: OrderRejectedV1.detailType } as unknown as typeof event;
    await expect(deliver(wrong)).rejects.toBeInstanceOf(UnexpectedEventError);
  });
});

describe('issuance when the CAF runs out', () => {
  it('warns as it runs low, records a retryable exception when it is out, and goes on gapless from a new CAF', async () => {
    const fake = fakeTaxAuthority();
    const rig = await startDteRig(fake.authority, undefined, {
      cafs: [aTestCaf(39, 1, 3)],
      folioLowWater: 2,
    });
    try {
      const deliver = (orderId: string) =>
        rig.handlers.issueDteOnOrderAccepted(
          orderAcceptedEvent(anAcceptedOrder({ orderId })),
          rig.context('issueDteOnOrderAccepted'),
        );
      for (const orderId of ['PO-X1', 'PO-X2', 'PO-X3', 'PO-X4']) await deliver(orderId);
      const folioOf = async (orderId: string) => {
        const [first] = await rig.dteEvents(orderId);
        return first?.type === DteIssuedV2.detailType ? first.data.folio : first?.type;
      };
      expect(await Promise.all(['PO-X1', 'PO-X2', 'PO-X3', 'PO-X4'].map(folioOf))).toEqual([
        1,
        2,
        3,
        DteIssuanceFailedV1.detailType,
      ]);
      const [failed] = await rig.dteEvents('PO-X4');
      expect(failed?.data).toMatchObject({
        reason: expect.stringMatching(
          /^no authorised folio of DTE type 39 is left after folio 3: load a new CAF/,
        ),
      });
      expect(rig.alerts.seen).toEqual(['low 39 2', 'low 39 1', 'low 39 0', 'exhausted 39 PO-X4']);

      // An operator loads a CAF and retries: the order gets the next folio, none skipped.
      rig.cafs.add(aTestCaf(39, 4, 10));
      const accepted = orderAcceptedEvent(anAcceptedOrder({ orderId: 'PO-X4' }), 1);
      await rig.engine
        .storeFor(Sources.intake)
        .append(Streams.order('PO-X4'), [accepted], { expectedVersion: 'no-stream' });
      await rig.handlers.retryDteOnExceptionRetryRequested(retryIssuance('PO-X4'), rig.context('retry'));
      expect(await rig.dteEvents('PO-X4')).toMatchObject([
        { type: DteIssuanceFailedV1.detailType },
        { type: DteIssuedV2.detailType, data: { folio: 4, caf: { from: 4, to: 10 } } },
      ]);
    } finally {
      await rig.close();
    }
  });
});

/** An operator's retry of a failed issuance, as the back office appends it. */
function retryIssuance(orderId: string): MtdEvent {
  const ids = ulidGenerator();
  return {
    type: ExceptionRetryRequestedV1.detailType,
    metadata: {
      eventId: ids.next(),
      eventType: ExceptionRetryRequestedV1.detailType,
      eventVersion: 1,
      streamId: Streams.backoffice(orderId),
      streamVersion: 1,
      occurredAt: '2026-11-24T11:00:00.000Z',
      correlationId: orderId,
      causationId: ids.next(),
      producer: Sources.backoffice,
      actor: 'user:operadora',
    },
    data: { orderId, stage: 'dte-issuance', requestedAt: '2026-11-24T11:00:00.000Z' },
  };
}

describe('the signing certificate', () => {
  it('warns once a day when it nears its end, and a renewed one signs new documents without touching old ones', async () => {
    const rig = await startDteRig(fakeTaxAuthority().authority);
    try {
      const now = rig.deps.clock.now();
      const day = 24 * 60 * 60 * 1000;
      // Issued 350 days before the rig's clock, valid for a year: 15 days left.
      const old = selfSignedCredentials({
        now: new Date(now.getTime() - 350 * day),
        rut: '11111111-1',
        name: 'Firma antigua',
        days: 365,
      });
      let current = old;
      rig.deps.credentials = { current: async () => current };
      const deliver = (orderId: string) =>
        rig.handlers.issueDteOnOrderAccepted(
          orderAcceptedEvent(anAcceptedOrder({ orderId })),
          rig.context('issue'),
        );
      await deliver('PO-CERT-1');
      await deliver('PO-CERT-2');
      expect(rig.alerts.seen).toEqual(['certificate 15']);

      current = selfSignedCredentials({ now, rut: '11111111-1', name: 'Firma nueva' });
      await deliver('PO-CERT-3');
      const [first] = await rig.dteEvents('PO-CERT-1');
      const [third] = await rig.dteEvents('PO-CERT-3');
      if (first?.type !== DteIssuedV2.detailType || third?.type !== DteIssuedV2.detailType)
        throw new Error('not issued');
      expect(first.data.signature?.certificateSubject).toContain('Firma antigua');
      expect(third.data.signature?.certificateSubject).toContain('Firma nueva');
      // The document signed before the renewal still verifies with the certificate it carries.
      expect(verifyXmlSignatures(first.data.xml)).toEqual([{ reference: '#T39F1', valid: true }]);
      expect(verifyXmlSignatures(third.data.xml)).toEqual([{ reference: '#T39F3', valid: true }]);
      expect(rig.alerts.seen).toEqual(['certificate 15']);
    } finally {
      await rig.close();
    }
  });
});
