import {
  DteBroadcastFailedV2,
  DteBroadcastV2,
  DteIssuedV2,
  ExceptionRetryRequestedV1,
  type MtdEvent,
  OrderAcceptedV1,
  type PurchaseOrder,
  Sources,
  Streams,
} from '@mtd/contracts';
import {
  type Caf,
  createDte,
  type DteHandlers,
  dynamoFolioLedger,
  folioLedgerTable,
  httpTaxAuthority,
  parseCaf,
  selfSignedCredentials,
  signedEnvelope,
  type TaxAuthority,
} from '@mtd/dte';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIssuer } from './localDte';
import { startTaxAuthoritySimulator, type TaxAuthoritySimulator } from './taxAuthoritySimulator';

/**
 * Acceptance 5 of issue 15, through the dte service's real handlers and the local SII simulator: a
 * broken document signature, a folio outside its CAF and a schema error are each rejected by the SII
 * with its reasons, each order ends in a visible exception (a final DteBroadcastFailed with the SII's
 * rejection), and an operator's retry sends it again.
 */

const now = new Date('2026-11-24T13:00:00.000Z');
const clock = { now: () => new Date(now) };
const ids = ulidGenerator(clock);
const credentials = selfSignedCredentials({ now, rut: localIssuer.senderRut, name: 'Firma de prueba' });

/** How the wire mangles the next upload: nothing, or one of the faults the SII must catch. */
let fault: 'none' | 'signature' | 'schema' = 'none';

function tamper(envelope: string, dteType: 33 | 39): string {
  if (fault === 'none') return envelope;
  const dte = /<DTE [\s\S]*<\/DTE>/.exec(envelope)?.[0] ?? '';
  const changed =
    fault === 'signature'
      ? dte.replace(/<MntTotal>(\d+)<\/MntTotal>/, (_m, total) => `<MntTotal>${Number(total) - 1}</MntTotal>`)
      : dte.replace('<IndServicio>3</IndServicio>', '');
  // The envelope is signed again over the changed document: only the document is wrong.
  return signedEnvelope(
    { dteType, issuer: localIssuer, documents: [changed] },
    credentials,
    now.toISOString(),
  );
}

const anOrder = (orderId: string): PurchaseOrder => ({
  orderId,
  channel: 'web',
  placedAt: now.toISOString(),
  currency: 'CLP',
  customer: { id: 'C-1', name: 'Ana Pérez', email: 'ana@example.cl' },
  lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990 }],
  shipping: { region: 'RM', address: 'Av. Siempre Viva 742' },
  dispatchBy: now.toISOString(),
});

const metadata = (type: string, streamId: string, producer: string, actor = 'system') => ({
  eventId: ids.next(),
  eventType: type,
  eventVersion: 1,
  streamId,
  streamVersion: 1,
  occurredAt: now.toISOString(),
  correlationId: streamId,
  causationId: ids.next(),
  producer,
  actor,
});

describe('the SII simulator rejects, the order goes into a retryable exception', () => {
  let engine: TestEngine;
  let simulator: TaxAuthoritySimulator;
  let handlers: DteHandlers;
  let boletas: Caf;

  beforeAll(async () => {
    engine = await startTestEngine({ tables: [folioLedgerTable('folios')] });
    simulator = await startTaxAuthoritySimulator({
      failureRate: 0,
      latencyMs: { min: 0, max: 0 },
      processingPolls: 0,
    });
    boletas = parseCaf(
      simulator.issueCaf({ rut: localIssuer.rut, name: localIssuer.name, dteType: 39, count: 2 }),
    );
    const real = httpTaxAuthority({
      baseUrl: simulator.url,
      timeoutMs: 5000,
      credentials: { current: async () => credentials },
    });
    const wire: TaxAuthority = {
      upload: (submission) =>
        real.upload({ ...submission, envelope: tamper(submission.envelope, submission.dteType) }),
      status: (trackId, rut) => real.status(trackId, rut),
    };
    handlers = createDte({
      store: engine.storeFor(Sources.dte),
      clock,
      ids,
      random: () => 0.5,
      folios: dynamoFolioLedger({ client: engine.client, tableName: 'folios' }),
      // A CAF store that claims folios 1..4 where the SII authorised 1..2: folio 3 is outside its CAF.
      cafs: { list: async (dteType) => (dteType === 39 ? [{ ...boletas, to: 4 }] : []) },
      credentials: { current: async () => credentials },
      taxAuthority: wire,
      claims: engine.claims,
      issuer: localIssuer,
      alerts: { foliosRunningLow: () => {}, foliosExhausted: () => {}, certificateExpiring: () => {} },
      broadcast: { maxAttempts: 3, baseMs: 1, maxMs: 2 },
      statusPollMs: 1,
    });
  }, 60_000);
  afterAll(async () => {
    await simulator.close();
    await engine.close();
  });

  const dteEvents = async (orderId: string) => (await engine.reader.readStream(Streams.dte(orderId))).events;

  /** Delivers the order's dte events to dte's own reactors until nothing is left to do. */
  async function settle(orderId: string): Promise<MtdEvent[]> {
    const done = new Set<string>();
    for (let round = 0; round < 20; round++) {
      const next = (await dteEvents(orderId)).find((e) => !done.has(e.metadata.eventId));
      if (!next) return dteEvents(orderId);
      done.add(next.metadata.eventId);
      const handler =
        next.type === DteIssuedV2.detailType
          ? handlers.broadcastDteOnDteIssued
          : next.type === DteBroadcastV2.detailType && next.data.status === 'received'
            ? handlers.checkDteStatusOnDteBroadcast
            : undefined;
      if (handler) while (await handler(next, { subscription: 'test', attempt: 1 })) {}
    }
    throw new Error(`${orderId} did not settle`);
  }

  async function issue(orderId: string): Promise<MtdEvent[]> {
    const order = anOrder(orderId);
    const accepted = {
      type: OrderAcceptedV1.detailType,
      metadata: metadata(OrderAcceptedV1.detailType, Streams.order(orderId), Sources.intake, 'partner:web'),
      data: { orderId, acceptedAt: now.toISOString(), order },
    } as MtdEvent;
    await engine
      .storeFor(Sources.intake)
      .append(Streams.order(orderId), [accepted], { expectedVersion: 'no-stream' });
    await handlers.issueDteOnOrderAccepted(accepted, { subscription: 'test', attempt: 1 });
    return settle(orderId);
  }

  async function retry(orderId: string): Promise<MtdEvent[]> {
    const request = {
      type: ExceptionRetryRequestedV1.detailType,
      metadata: metadata(
        ExceptionRetryRequestedV1.detailType,
        Streams.backoffice(orderId),
        Sources.backoffice,
        'user:operadora',
      ),
      data: { orderId, stage: 'dte-broadcast', requestedAt: now.toISOString() },
    } as MtdEvent;
    await handlers.retryDteOnExceptionRetryRequested(request, { subscription: 'test', attempt: 1 });
    return settle(orderId);
  }

  const outcome = (events: MtdEvent[]) =>
    events.map((e) =>
      e.type === DteBroadcastV2.detailType
        ? `${e.type} ${e.data.status}`
        : e.type === DteBroadcastFailedV2.detailType
          ? `${e.type}${e.data.final ? ' final' : ''}: ${e.data.rejection?.siiStatus} ${e.data.rejection?.reasons.join(' | ')}`
          : e.type,
    );

  it('a broken document signature: rejected with its reasons, in exception, accepted after a retry', async () => {
    fault = 'signature';
    const events = await issue('PO-SIG');
    expect(outcome(events)).toEqual([
      'DteIssued',
      'DteBroadcast received',
      'DteBroadcastFailed final: EPR T39F1: firma del DTE inválida | T39F1: el timbre dice MNT=19980 y el documento 19979',
    ]);
    expect(events.at(-1)?.data).toMatchObject({
      error: expect.stringMatching(/^El SII rechazó el envío \d+ \(EPR\)/),
    });
    fault = 'none';
    expect(outcome(await retry('PO-SIG')).slice(3)).toEqual([
      'DteBroadcast received',
      'DteBroadcast accepted',
    ]);
  });

  it('a schema error: rejected (RSC), in exception, accepted after a retry', async () => {
    fault = 'schema';
    const events = await issue('PO-XSD');
    expect(outcome(events).slice(0, 2)).toEqual(['DteIssued', 'DteBroadcast received']);
    expect(outcome(events)[2]).toMatch(/^DteBroadcastFailed final: RSC .*IndServicio/);
    fault = 'none';
    expect(outcome(await retry('PO-XSD')).slice(3)).toEqual([
      'DteBroadcast received',
      'DteBroadcast accepted',
    ]);
  });

  it('a folio outside its CAF: rejected, in exception; a retry sends it again and the SII still refuses it', async () => {
    fault = 'none';
    const events = await issue('PO-RNG');
    expect(events[0]?.data).toMatchObject({ folio: 3 });
    expect(outcome(events).slice(1)).toEqual([
      'DteBroadcast received',
      'DteBroadcastFailed final: EPR T39F3: folio 3 fuera del rango autorizado por el CAF (1-2)',
    ]);
    const again = await retry('PO-RNG');
    expect(outcome(again).slice(3)).toEqual([
      'DteBroadcast received',
      'DteBroadcastFailed final: EPR T39F3: folio 3 fuera del rango autorizado por el CAF (1-2)',
    ]);
  });
});
