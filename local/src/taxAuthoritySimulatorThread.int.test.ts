import { existsSync } from 'node:fs';
import { httpTaxAuthority, parseCaf, TaxAuthorityUnavailableError } from '@mtd/dte';
import { osThreadId } from '@mtd/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { localIssuer } from './localDte';
import { sampleOrder, seededRandom } from './sampleOrders';
import { credentialsSource, envelopeOf, signedDocumentOf } from './siiTestSender';
import {
  startTaxAuthoritySimulatorThread,
  type TaxAuthoritySimulatorThread,
} from './taxAuthoritySimulatorThread';

let simulator: TaxAuthoritySimulatorThread | undefined;
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

describe('the SII simulator in its own thread', () => {
  it('issues CAFs, judges envelopes and takes its failure rate over the message port, then ends with close', async () => {
    simulator = await startTaxAuthoritySimulatorThread({ failureRate: 0, latencyMs: { min: 0, max: 0 } });
    await simulator.warmUp();
    const caf = parseCaf(
      await simulator.issueCaf({ rut: localIssuer.rut, name: localIssuer.name, dteType: 39, count: 5 }),
    );
    expect({ from: caf.from, to: caf.to }).toEqual({ from: 1, to: 5 });

    const client = httpTaxAuthority({
      baseUrl: simulator.url,
      timeoutMs: 5000,
      credentials: credentialsSource,
    });
    const upload = (folio: number) => {
      const order = {
        ...sampleOrder({ orderId: `PO-${folio}`, random: seededRandom(folio) }),
        customer: { id: 'C-1', name: 'Ana Pérez', email: 'ana@example.cl' },
      };
      return client.upload({
        dteType: 39,
        folio,
        envelope: envelopeOf(39, [signedDocumentOf(order, caf, folio)]),
        senderRut: localIssuer.senderRut,
        companyRut: localIssuer.rut,
      });
    };
    const { trackId } = await upload(1);
    await expect(client.status(trackId, localIssuer.rut)).resolves.toEqual({
      kind: 'pending',
      siiStatus: 'REC',
    });
    await expect(client.status(trackId, localIssuer.rut)).resolves.toEqual({
      kind: 'accepted',
      siiStatus: 'EPR',
    });

    // Once the rate is set, the very next upload meets it.
    await simulator.setFailureRate(1);
    await expect(upload(2)).rejects.toBeInstanceOf(TaxAuthorityUnavailableError);
    await simulator.setFailureRate(0);
    await expect(upload(2)).resolves.toMatchObject({ trackId: expect.any(String) });

    const threads = simulator.threads();
    if (osThreadId() !== undefined) {
      expect(threads).toHaveLength(1);
      expect(threads[0]).not.toBe(osThreadId());
      expect(existsSync(`/proc/self/task/${threads[0]}`)).toBe(true);
    }
    await simulator.close();
    for (const thread of threads) expect(existsSync(`/proc/self/task/${thread}`)).toBe(false);
    await expect(fetch(`${simulator.url}/dte`)).rejects.toThrow();
  });

  it('refuses control operations once closed, saying why', async () => {
    simulator = await startTaxAuthoritySimulatorThread({ failureRate: 0, latencyMs: { min: 0, max: 0 } });
    await simulator.close();
    await expect(
      simulator.issueCaf({ rut: localIssuer.rut, name: localIssuer.name, dteType: 33, count: 1 }),
    ).rejects.toThrow(/thread ended/);
  });
});
