import {
  DteBroadcastFailedV2,
  DteBroadcastV2,
  DteIssuedV2,
  ExceptionRetryRequestedV1,
  type MtdEvent,
  Sources,
  Streams,
} from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { anAcceptedOrder, orderAcceptedEvent } from '#src/testing/anAcceptedOrder';
import { startDteRig } from '#src/testing/dteTestRig';
import { fakeTaxAuthority } from '#src/testing/fakeTaxAuthority';

const ids = ulidGenerator();
let rig: Awaited<ReturnType<typeof startDteRig>> | undefined;
afterEach(() => rig?.close());

async function issued(fake: ReturnType<typeof fakeTaxAuthority>, orderId: string) {
  rig = await startDteRig(fake.authority);
  await rig.handlers.issueDteOnOrderAccepted(
    orderAcceptedEvent(anAcceptedOrder({ orderId })),
    rig.context('issue'),
  );
  return rig;
}

const summary = (events: MtdEvent[]) =>
  events.map((e) =>
    e.type === DteBroadcastFailedV2.detailType
      ? `${e.type}#${e.data.attempt}${e.data.final ? ' final' : ''}`
      : e.type === DteBroadcastV2.detailType
        ? `${e.type}#${e.data.attempt} ${e.data.status}`
        : e.type,
  );

/** An operator's retry as the back office would append it. */
function retryRequested(orderId: string, stage: 'dte-broadcast' | 'dte-issuance'): MtdEvent {
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
    data: { orderId, stage, requestedAt: '2026-11-24T11:00:00.000Z' },
  };
}

describe('broadcasting a DTE', () => {
  it('broadcasts at the first attempt and records the receipt', async () => {
    const fake = fakeTaxAuthority();
    const r = await issued(fake, 'PO-OK');
    const events = await r.settle('PO-OK');
    expect(summary(events)).toEqual([
      DteIssuedV2.detailType,
      `${DteBroadcastV2.detailType}#1 received`,
      `${DteBroadcastV2.detailType}#1 accepted`,
    ]);
    expect(events[1]?.data).toMatchObject({ trackId: '1001' });
    expect(fake.submissions).toHaveLength(1);
    expect(fake.submissions[0]?.envelope).toMatch(
      /^<\?xml version="1.0" encoding="ISO-8859-1"\?>\n<EnvioBOLETA /,
    );
    expect(fake.submissions[0]?.envelope).toContain('<TipoDTE>39</TipoDTE>');
  });

  it('records DteBroadcastFailed per failed attempt with a backoff, then DteBroadcast', async () => {
    const fake = fakeTaxAuthority({ failures: 2 });
    const r = await issued(fake, 'PO-FLAKY');
    const events = await r.settle('PO-FLAKY');
    expect(summary(events)).toEqual([
      DteIssuedV2.detailType,
      `${DteBroadcastFailedV2.detailType}#1`,
      `${DteBroadcastFailedV2.detailType}#2`,
      `${DteBroadcastV2.detailType}#3 received`,
      `${DteBroadcastV2.detailType}#3 accepted`,
    ]);
    // Full jitter with random 0.5: half of base·2^(n-1) (base 1000 ms) after the failure.
    const [, first, second] = events;
    if (first?.type !== DteBroadcastFailedV2.detailType || second?.type !== DteBroadcastFailedV2.detailType)
      throw new Error();
    expect(Date.parse(first.data.nextAttemptAt ?? '') - Date.parse(first.data.failedAt)).toBe(500);
    expect(Date.parse(second.data.nextAttemptAt ?? '') - Date.parse(second.data.failedAt)).toBe(1000);
    expect(fake.submissions).toHaveLength(3);
  });

  it('waits for nextAttemptAt with { retryAt } instead of failing', async () => {
    const fake = fakeTaxAuthority({ failures: 1 });
    const r = await issued(fake, 'PO-WAIT');
    const [issuedEvent] = await r.dteEvents('PO-WAIT');
    await r.handlers.broadcastDteOnDteIssued(issuedEvent as MtdEvent, r.context('broadcastDteOnDteIssued'));
    const failed = (await r.dteEvents('PO-WAIT'))[1];
    if (failed?.type !== DteBroadcastFailedV2.detailType) throw new Error('expected DteBroadcastFailed');
    const early = await r.handlers.retryBroadcastOnDteBroadcastFailed(failed, r.context('retry'));
    expect(early).toEqual({ retryAt: new Date(failed.data.nextAttemptAt ?? '') });
    expect(fake.submissions).toHaveLength(1);
    r.time.set(failed.data.nextAttemptAt ?? '');
    await expect(
      r.handlers.retryBroadcastOnDteBroadcastFailed(failed, r.context('retry')),
    ).resolves.toBeUndefined();
    // A late duplicate of the same failure sends nothing more.
    await r.handlers.retryBroadcastOnDteBroadcastFailed(failed, r.context('retry'));
    expect(fake.submissions).toHaveLength(2);
    expect(summary(await r.dteEvents('PO-WAIT')).at(-1)).toBe(`${DteBroadcastV2.detailType}#2 received`);
  });

  it('ends in a final failure after maxAttempts, and an operator retry starts a new round', async () => {
    const fake = fakeTaxAuthority({ failures: 5 });
    const r = await issued(fake, 'PO-DOWN');
    expect(summary(await r.settle('PO-DOWN'))).toEqual([
      DteIssuedV2.detailType,
      `${DteBroadcastFailedV2.detailType}#1`,
      `${DteBroadcastFailedV2.detailType}#2`,
      `${DteBroadcastFailedV2.detailType}#3 final`,
    ]);
    const retry = retryRequested('PO-DOWN', 'dte-broadcast');
    await r.handlers.retryDteOnExceptionRetryRequested(retry, r.context('retryDteOnExceptionRetryRequested'));
    await r.handlers.retryDteOnExceptionRetryRequested(retry, r.context('retryDteOnExceptionRetryRequested'));
    const events = await r.settle('PO-DOWN');
    expect(summary(events).slice(4)).toEqual([
      `${DteBroadcastFailedV2.detailType}#4`,
      `${DteBroadcastFailedV2.detailType}#5`,
      `${DteBroadcastV2.detailType}#6 received`,
      `${DteBroadcastV2.detailType}#6 accepted`,
    ]);
    const round2 = events[4];
    if (round2?.type !== DteBroadcastFailedV2.detailType) throw new Error();
    expect(round2.data.maxAttempts).toBe(6);
    expect(round2.metadata).toMatchObject({ causationId: retry.metadata.eventId, actor: 'user:operadora' });
    // The new round's backoff starts again from the base.
    expect(Date.parse(round2.data.nextAttemptAt ?? '') - Date.parse(round2.data.failedAt)).toBe(500);
    expect(fake.submissions).toHaveLength(6);
  });

  it('goes to exception at once when the tax authority refuses the upload', async () => {
    const fake = fakeTaxAuthority({ reject: true });
    const r = await issued(fake, 'PO-BAD');
    const events = await r.settle('PO-BAD');
    expect(summary(events)).toEqual([DteIssuedV2.detailType, `${DteBroadcastFailedV2.detailType}#1 final`]);
    expect(events[1]?.data).toMatchObject({
      rejection: { siiStatus: 'UPL-7', reasons: ['Error de schema en el envío'] },
    });
  });

  it('polls the verdict while the SII processes, then records an acceptance with objections', async () => {
    const fake = fakeTaxAuthority({
      pendingPolls: 2,
      verdict: {
        kind: 'accepted-with-objections',
        siiStatus: 'EPR',
        objections: ['Giro del receptor no informado'],
      },
    });
    const r = await issued(fake, 'PO-REPARO');
    const before = r.deps.clock.now().getTime();
    const events = await r.settle('PO-REPARO');
    expect(summary(events)).toEqual([
      DteIssuedV2.detailType,
      `${DteBroadcastV2.detailType}#1 received`,
      `${DteBroadcastV2.detailType}#1 accepted-with-objections`,
    ]);
    expect(events[2]?.data).toMatchObject({
      objections: ['Giro del receptor no informado'],
      siiStatus: 'EPR',
    });
    expect(fake.polls.get('1001')).toBe(3);
    // Two pending answers: two polls of statusPollMs (2 s) apart, no failure recorded.
    expect(r.deps.clock.now().getTime() - before).toBe(4000);
  });

  it('turns the SII rejection of a received document into an exception with its reasons, retryable', async () => {
    const fake = fakeTaxAuthority({
      verdict: { kind: 'rejected', siiStatus: 'RFR', reasons: ['Firma del DTE T39F1 inválida'] },
    });
    const r = await issued(fake, 'PO-RFR');
    const events = await r.settle('PO-RFR');
    expect(summary(events)).toEqual([
      DteIssuedV2.detailType,
      `${DteBroadcastV2.detailType}#1 received`,
      `${DteBroadcastFailedV2.detailType}#1 final`,
    ]);
    expect(events[2]?.data).toMatchObject({
      trackId: '1001',
      error: expect.stringMatching(/^El SII rechazó el envío 1001 \(RFR\): Firma del DTE T39F1 inválida$/),
      rejection: { siiStatus: 'RFR', reasons: ['Firma del DTE T39F1 inválida'] },
    });
  });

  it('does not broadcast a replayed DteIssued', async () => {
    const fake = fakeTaxAuthority();
    const r = await issued(fake, 'PO-REPLAY');
    const [issuedEvent] = await r.dteEvents('PO-REPLAY');
    await r.handlers.broadcastDteOnDteIssued(issuedEvent as MtdEvent, {
      subscription: 'b',
      attempt: 1,
      replayName: 'rebuild-1',
    });
    expect(fake.submissions).toHaveLength(0);
    expect(await r.dteEvents('PO-REPLAY')).toHaveLength(1);
  });

  it('re-runs a failed issuance on an operator retry, reading the accepted order back', async () => {
    const fake = fakeTaxAuthority();
    rig = await startDteRig(fake.authority);
    const order = anAcceptedOrder({ orderId: 'PO-REISSUE' });
    const accepted = orderAcceptedEvent(order, 1);
    const intake = rig.engine.storeFor(Sources.intake);
    await intake.append(Streams.order(order.orderId), [accepted], { expectedVersion: 'no-stream' });
    // The first delivery never ran to the end (e.g. dead-lettered): the operator asks to retry.
    await rig.handlers.retryDteOnExceptionRetryRequested(
      retryRequested(order.orderId, 'dte-issuance'),
      rig.context('retry'),
    );
    expect(summary(await rig.settle(order.orderId))).toEqual([
      DteIssuedV2.detailType,
      `${DteBroadcastV2.detailType}#1 received`,
      `${DteBroadcastV2.detailType}#1 accepted`,
    ]);
  });
});
