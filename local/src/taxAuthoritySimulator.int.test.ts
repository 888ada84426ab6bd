import { httpTaxAuthority, TaxAuthorityUnavailableError } from '@mtd/dte';
import { afterEach, describe, expect, it } from 'vitest';
import { startTaxAuthoritySimulator, type TaxAuthoritySimulator } from './taxAuthoritySimulator';

const dte = (type: number, folio: number, item = 'Tijeras') =>
  `<?xml version="1.0" encoding="UTF-8"?><DTE version="1.0"><Documento ID="T${type}F${folio}"><Encabezado><IdDoc><TipoDTE>${type}</TipoDTE><Folio>${folio}</Folio><FchEmis>2026-11-24</FchEmis></IdDoc></Encabezado><Detalle><NroLinDet>1</NroLinDet><NmbItem>${item}</NmbItem></Detalle></Documento></DTE>`;

let simulator: TaxAuthoritySimulator | undefined;
afterEach(() => simulator?.close());

const post = (body: string) =>
  fetch(`${simulator?.url}/dte`, { method: 'POST', body, headers: { 'content-type': 'application/xml' } });

describe('tax authority simulator over loopback HTTP', () => {
  it('accepts a DTE with a trackId and answers a resend with the same trackId', async () => {
    simulator = await startTaxAuthoritySimulator({ failureRate: 0, latencyMs: { min: 0, max: 0 } });
    const first = await post(dte(39, 1));
    expect(first.status).toBe(200);
    const { trackId } = (await first.json()) as { trackId: string };
    expect(trackId).toMatch(/^\d+$/);
    const again = await post(dte(39, 1));
    expect(await again.json()).toEqual({ trackId });
    const other = (await (await post(dte(33, 1))).json()) as { trackId: string };
    expect(other.trackId).not.toBe(trackId);
    expect(simulator.received()).toBe(2);
    const listed = (await (await fetch(`${simulator.url}/dte`)).json()) as {
      dteType: number;
      folio: number;
    }[];
    expect(listed.map((d) => [d.dteType, d.folio])).toEqual([
      [39, 1],
      [33, 1],
    ]);
  });

  it('refuses a different document under a folio it already has', async () => {
    simulator = await startTaxAuthoritySimulator({ failureRate: 0, latencyMs: { min: 0, max: 0 } });
    await post(dte(39, 5));
    expect((await post(dte(39, 5, 'Otra cosa'))).status).toBe(409);
  });

  it('answers 503 at failure rate 1, and recovers when the rate is lowered', async () => {
    simulator = await startTaxAuthoritySimulator({ failureRate: 1, latencyMs: { min: 1, max: 5 } });
    for (let i = 0; i < 5; i++) expect((await post(dte(39, 2))).status).toBe(503);
    expect(simulator.received()).toBe(0);
    simulator.setFailureRate(0);
    expect((await post(dte(39, 2))).status).toBe(200);
    expect(simulator.received()).toBe(1);
  });

  it('fails when the random draw falls under the failure rate', async () => {
    const draws = [0.3, 0.7];
    let i = 0;
    simulator = await startTaxAuthoritySimulator({
      failureRate: 0.5,
      latencyMs: { min: 0, max: 0 },
      random: () => draws[i++] ?? 0,
    });
    expect((await post(dte(39, 3))).status).toBe(503);
    expect((await post(dte(39, 3))).status).toBe(200);
  });

  it("is what dte's HTTP client expects: a receipt, the same one on a resend, 503 as unavailable", async () => {
    simulator = await startTaxAuthoritySimulator({ failureRate: 0, latencyMs: { min: 0, max: 2 } });
    const client = httpTaxAuthority({ baseUrl: simulator.url, timeoutMs: 2000 });
    const submission = { dteType: 33 as const, folio: 9, xml: dte(33, 9) };
    const { trackId } = await client.submit(submission);
    await expect(client.submit(submission)).resolves.toEqual({ trackId });
    simulator.setFailureRate(1);
    await expect(client.submit(submission)).rejects.toBeInstanceOf(TaxAuthorityUnavailableError);
  });

  it('refuses malformed XML and a document without TipoDTE or Folio with 400', async () => {
    simulator = await startTaxAuthoritySimulator({ failureRate: 0, latencyMs: { min: 0, max: 0 } });
    expect((await post('<DTE><Documento></DTE>')).status).toBe(400);
    expect(
      (
        await post(
          '<DTE version="1.0"><Documento><Encabezado><IdDoc><Folio>1</Folio></IdDoc></Encabezado></Documento></DTE>',
        )
      ).status,
    ).toBe(400);
    expect((await post(dte(39, 0))).status).toBe(400);
    expect(simulator.received()).toBe(0);
  });
});
