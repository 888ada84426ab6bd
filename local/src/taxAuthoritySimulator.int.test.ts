import { generateKeyPairSync } from 'node:crypto';
import type { PurchaseOrder } from '@mtd/contracts';
import {
  type Caf,
  httpTaxAuthority,
  issueCaf,
  nodeHttpTransport,
  parseCaf,
  planIssuance,
  signedDocument,
  signSeedRequest,
  TaxAuthorityRejectedError,
  TaxAuthorityUnavailableError,
} from '@mtd/dte';
import { afterEach, describe, expect, it } from 'vitest';
import { localIssuer } from './localDte';
import { credentials, credentialsSource, envelopeOf, issuedAt, signedDocumentOf } from './siiTestSender';
import { startTaxAuthoritySimulator, type TaxAuthoritySimulator } from './taxAuthoritySimulator';

const anOrder = (orderId: string, taxId?: string): PurchaseOrder => ({
  orderId,
  channel: 'web',
  placedAt: issuedAt,
  currency: 'CLP',
  customer: { id: 'C-1', name: 'Ana Pérez', email: 'ana@example.cl', ...(taxId ? { taxId } : {}) },
  lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990 }],
  shipping: { region: 'RM', address: 'Av. Siempre Viva 742, Santiago' },
  dispatchBy: issuedAt,
});

/** A signed document of the order with `folio`, stamped with `caf`. */
const aDocument = (orderId: string, caf: Caf, folio: number, taxId?: string) =>
  signedDocumentOf(anOrder(orderId, taxId), caf, folio);

let simulator: TaxAuthoritySimulator | undefined;
afterEach(() => simulator?.close());

async function start(options: { failureRate?: number; random?: () => number } = {}) {
  simulator = await startTaxAuthoritySimulator({
    failureRate: options.failureRate ?? 0,
    latencyMs: { min: 0, max: 0 },
    processingPolls: 1,
    ...(options.random ? { random: options.random } : {}),
  });
  const client = httpTaxAuthority({
    baseUrl: simulator.url,
    timeoutMs: 5000,
    credentials: credentialsSource,
  });
  const caf = (dteType: 33 | 39, count = 10) =>
    parseCaf(simulator!.issueCaf({ rut: localIssuer.rut, name: localIssuer.name, dteType, count }));
  const send = (dteType: 33 | 39, documents: string[], folio = 1) =>
    client.upload({
      dteType,
      folio,
      envelope: envelopeOf(dteType, documents),
      senderRut: localIssuer.senderRut,
      companyRut: localIssuer.rut,
    });
  /** The verdict, polling past the simulator's REC answers. */
  const verdict = async (trackId: string) => {
    for (let i = 0; i < 5; i++) {
      const answer = await client.status(trackId, localIssuer.rut);
      if (answer.kind !== 'pending') return answer;
    }
    throw new Error('no verdict');
  };
  return { simulator, client, caf, send, verdict };
}

describe('the SII simulator over loopback HTTP', () => {
  it('authenticates by seed and token, receives an envelope with a track id, and accepts it after processing', async () => {
    const { client, caf, send } = await start();
    const boletas = caf(39);
    const { trackId } = await send(39, [aDocument('PO-1', boletas, 1)]);
    expect(trackId).toMatch(/^\d+$/);
    // Still in process on the first query, the verdict on the next one.
    await expect(client.status(trackId, localIssuer.rut)).resolves.toEqual({
      kind: 'pending',
      siiStatus: 'REC',
    });
    await expect(client.status(trackId, localIssuer.rut)).resolves.toEqual({
      kind: 'accepted',
      siiStatus: 'EPR',
    });
    expect(simulator?.received()).toBe(1);
  });

  it('accepts a factura without the buyer giro with an objection (reparo)', async () => {
    const { caf, send, verdict } = await start();
    const { trackId } = await send(33, [aDocument('PO-F', caf(33), 1, '76123456-7')]);
    await expect(verdict(trackId)).resolves.toEqual({
      kind: 'accepted-with-objections',
      siiStatus: 'EPR',
      objections: ['T33F1: giro del receptor no informado'],
    });
  });

  it('rejects a document whose signature is broken, with the reasons', async () => {
    const { caf, send, verdict } = await start();
    const document = aDocument('PO-2', caf(39), 1);
    // One amount changed after signing (the envelope itself is signed afresh, so only the DTE breaks).
    const tampered = document.replace('<MntTotal>19980</MntTotal>', '<MntTotal>1998</MntTotal>');
    const { trackId } = await send(39, [tampered]);
    await expect(verdict(trackId)).resolves.toEqual({
      kind: 'rejected',
      siiStatus: 'EPR',
      reasons: ['T39F1: firma del DTE inválida', 'T39F1: el timbre dice MNT=19980 y el documento 1998'],
    });
  });

  it('rejects a folio outside the CAF, and a CAF it did not authorise', async () => {
    const { caf, send, verdict } = await start();
    const tenFolios = caf(39, 10);
    const outside = await send(39, [aDocument('PO-3', tenFolios, 11)], 11);
    await expect(verdict(outside.trackId)).resolves.toMatchObject({
      kind: 'rejected',
      reasons: ['T39F11: folio 11 fuera del rango autorizado por el CAF (1-10)'],
    });
    const forged = parseCaf(
      issueCaf({
        authorityKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
        issuerRut: localIssuer.rut,
        issuerName: localIssuer.name,
        dteType: 39,
        from: 1,
        to: 100,
        authorizedOn: '2026-11-01',
      }),
    );
    const notOurs = await send(39, [aDocument('PO-4', forged, 50)], 50);
    await expect(verdict(notOurs.trackId)).resolves.toMatchObject({
      kind: 'rejected',
      reasons: ['T39F50: el CAF del timbre no fue autorizado por el SII (FRMA inválida)'],
    });
  });

  it('rejects a schema error (RSC) and a broken envelope signature (RFR)', async () => {
    const { client, caf, verdict } = await start();
    const document = aDocument('PO-5', caf(39), 1);
    const noIndServicio = document.replace('<IndServicio>3</IndServicio>', '');
    const schemaError = await client.upload({
      dteType: 39,
      folio: 1,
      envelope: envelopeOf(39, [noIndServicio]),
      senderRut: localIssuer.senderRut,
      companyRut: localIssuer.rut,
    });
    const rsc = await verdict(schemaError.trackId);
    expect(rsc).toMatchObject({ kind: 'rejected', siiStatus: 'RSC' });
    expect(rsc.kind === 'rejected' && rsc.reasons.join('\n')).toMatch(/IndServicio/);

    const other = aDocument('PO-6', caf(39), 11);
    const envelope = envelopeOf(39, [other]).replace('<NroResol>0</NroResol>', '<NroResol>1</NroResol>');
    const badEnvelope = await client.upload({
      dteType: 39,
      folio: 11,
      envelope,
      senderRut: localIssuer.senderRut,
      companyRut: localIssuer.rut,
    });
    await expect(verdict(badEnvelope.trackId)).resolves.toEqual({
      kind: 'rejected',
      siiStatus: 'RFR',
      reasons: ['Firma del envío inválida'],
    });
  });

  it('receives a folio once, as the SII does: a repeat of an accepted document is refused as repeated (the client reads it as already accepted), other content under its folio is a 409', async () => {
    const { caf, send, verdict, simulator: sii } = await start();
    const boletas = caf(39);
    const document = aDocument('PO-7', boletas, 1);
    const first = await send(39, [document]);
    // The same signed document in a new envelope (signed again, a later TmstFirmaEnv): a new track id,
    // whose verdict waits for the first one's.
    const repeat = await send(39, [document]);
    expect(repeat.trackId).not.toBe(first.trackId);
    await expect(verdict(first.trackId)).resolves.toEqual({ kind: 'accepted', siiStatus: 'EPR' });
    // Over the wire the SII rejects the repeat (DTE-3-100); MTD's client takes that as "already sent".
    const answers: string[] = [];
    const overTheWire = nodeHttpTransport();
    const watched = httpTaxAuthority({
      baseUrl: sii.url,
      timeoutMs: 5000,
      credentials: credentialsSource,
      transport: async (request) => {
        const response = await overTheWire(request);
        answers.push(response.body.toString('latin1'));
        return response;
      },
    });
    let answer = await watched.status(repeat.trackId, localIssuer.rut);
    while (answer.kind === 'pending') answer = await watched.status(repeat.trackId, localIssuer.rut);
    expect(answer).toEqual({ kind: 'accepted', siiStatus: 'EPR' });
    expect(answers.at(-1)).toMatch(/<RECHAZADOS>1<\/RECHAZADOS>/);
    expect(answers.at(-1)).toMatch(/DTE Repetido \(DTE-3-100\)/);
    expect(sii.received()).toBe(1);
    expect(sii.submissions()).toBe(2);

    const otherOrder = {
      ...anOrder('PO-8'),
      lines: [{ sku: 'X', description: 'Otra', quantity: 1, unitPrice: 5 }],
    };
    const different = signedDocument(
      { ...planIssuance(otherOrder, localIssuer, issuedAt).document, folio: 1 },
      boletas,
      credentials,
      issuedAt,
    ).xml;
    const refused = send(39, [different]);
    await expect(refused).rejects.toBeInstanceOf(TaxAuthorityRejectedError);
    await expect(refused).rejects.toMatchObject({ siiStatus: 'HTTP-409' });
    expect(sii.received()).toBe(1);
  });

  it('refuses a token request whose seed signature does not hold, and an upload without a token', async () => {
    const { simulator: sii } = await start();
    const seedAnswer = await (await fetch(`${sii.url}/sii/semilla`)).text();
    const seed = /<SEMILLA>(\d+)<\/SEMILLA>/.exec(seedAnswer)?.[1] ?? '';
    const forged = signSeedRequest(seed, credentials).replace(
      `<Semilla>${seed}</Semilla>`,
      '<Semilla>000000000001</Semilla>',
    );
    expect(await (await fetch(`${sii.url}/sii/token`, { method: 'POST', body: forged })).text()).toMatch(
      /<ESTADO>-07<\/ESTADO>/,
    );
    const upload = await fetch(`${sii.url}/sii/upload?rutSender=1-9&rutCompany=1-9`, {
      method: 'POST',
      body: '<EnvioDTE/>',
    });
    expect(await upload.text()).toMatch(/<STATUS>5<\/STATUS>/);
  });

  it('fails uploads at the failure rate (503, unavailable to the client), and recovers when lowered', async () => {
    const { caf, send } = await start({ failureRate: 1 });
    const document = aDocument('PO-9', caf(39), 1);
    await expect(send(39, [document])).rejects.toBeInstanceOf(TaxAuthorityUnavailableError);
    expect(simulator?.received()).toBe(0);
    simulator?.setFailureRate(0);
    await expect(send(39, [document])).resolves.toMatchObject({ trackId: expect.any(String) });
    expect(simulator?.received()).toBe(1);
  });

  it('fails when the random draw falls under the failure rate', async () => {
    const draws = [0.3, 0.7];
    let i = 0;
    const { caf, send } = await start({ failureRate: 0.5, random: () => draws[i++] ?? 0.9 });
    const document = aDocument('PO-10', caf(39), 1);
    await expect(send(39, [document])).rejects.toBeInstanceOf(TaxAuthorityUnavailableError);
    await expect(send(39, [document])).resolves.toMatchObject({ trackId: expect.any(String) });
  });

  it('issues CAFs for consecutive ranges, signed with its own SII key', async () => {
    const { caf } = await start();
    expect([caf(39, 5), caf(39, 5), caf(33, 3)].map((c) => [c.dteType, c.from, c.to])).toEqual([
      [39, 1, 5],
      [39, 6, 10],
      [33, 1, 3],
    ]);
  });
});
