import { join } from 'node:path';
import { DteBroadcastFailedV2, DteBroadcastV2, DteIssuedV2, Streams } from '@mtd/contracts';
import {
  type DteDeps,
  directoryCafStore,
  httpTaxAuthority,
  type Issuer,
  loadCafFile,
  localCredentials,
  logAlerts,
} from '@mtd/dte';
import type { Clock, EventStore } from '@mtd/platform';
import { Hono } from 'hono';
import type { TaxAuthoritySimulator } from './taxAuthoritySimulator';
import type { TaxAuthoritySimulatorThread } from './taxAuthoritySimulatorThread';

/** The local issuer: a test company (the SII's certification RUTs are of this shape). */
export const localIssuer: Issuer = {
  rut: '76543210-3',
  name: 'Comercial MTD SpA',
  giro: 'Venta al por menor por correo y por internet',
  acteco: 479100,
  address: 'Av. Providencia 1234',
  comuna: 'Providencia',
  senderRut: '11111111-1',
  resolution: { date: '2026-01-15', number: 0 },
};

/** Folios per test CAF the local simulator issues on first start: enough for any demo or bench. */
const localCafSize = 100_000;

/** Where the local runtime keeps the dte service's secrets: `<data>/caf` and `<data>/certificate` (0700/0600). */
export const localDtePaths = (dataDir: string) => ({
  cafs: join(dataDir, 'caf'),
  certificate: join(dataDir, 'certificate'),
  simulator: join(dataDir, 'tax-authority'),
});

/**
 * The dte service's local dependencies: the issuer's certificate (self-signed, generated on first start
 * in `<data>/certificate`, 0600, valid from the clock's now), the CAFs in `<data>/caf` (with the local
 * SII simulator, a test CAF per type is requested on first start), the SII client (seed/token signed
 * with that certificate) and alerts in the runtime log.
 *
 * @example
 * const dte = createDte({ store, clock, ids, random, folios, broadcast,
 *   ...(await localDteDeps({ dataDir, clock, taxAuthorityUrl, simulator, log })) });
 */
export async function localDteDeps(options: {
  dataDir: string;
  clock: Clock;
  taxAuthorityUrl: string;
  /** The local SII simulator, if the runtime runs one (in its thread or in process): it issues the first CAFs. */
  simulator?: Pick<TaxAuthoritySimulator | TaxAuthoritySimulatorThread, 'issueCaf'>;
  log: (line: string) => void;
  issuer?: Issuer;
}): Promise<Pick<DteDeps, 'cafs' | 'credentials' | 'taxAuthority' | 'issuer' | 'alerts'>> {
  const issuer = options.issuer ?? localIssuer;
  const paths = localDtePaths(options.dataDir);
  const credentials = localCredentials({
    dir: paths.certificate,
    clock: options.clock,
    rut: issuer.senderRut,
    name: 'MTD firma de prueba',
  });
  await credentials.ensure();
  const cafs = directoryCafStore({ dir: paths.cafs });
  if (options.simulator) {
    for (const dteType of [33, 39] as const) {
      if ((await cafs.list(dteType, { refresh: true })).length > 0) continue;
      const fileText = await options.simulator.issueCaf({
        rut: issuer.rut,
        name: issuer.name,
        dteType,
        count: localCafSize,
      });
      const caf = await loadCafFile({ dir: paths.cafs, issuerRut: issuer.rut, fileText });
      options.log(
        `dte: loaded a test CAF of type ${dteType} from the SII simulator (folios ${caf.from}-${caf.to})`,
      );
    }
    await cafs.list(33, { refresh: true });
  }
  return {
    cafs,
    credentials,
    taxAuthority: httpTaxAuthority({ baseUrl: options.taxAuthorityUrl, timeoutMs: 5_000, credentials }),
    issuer,
    alerts: logAlerts(options.log),
  };
}

/** What `mtd dte show` reads: the order's issued document and where its sending stands. */
export interface DteView {
  issued: DteIssuedV2;
  /** The latest DteBroadcast / DteBroadcastFailed, if any. */
  broadcast?: { type: string; at: string; status: string; trackId?: string; detail?: string };
}

/** The order's issued DTE from the dte stream (its own events, read through the event store). */
export async function readDteView(
  reader: Pick<EventStore, 'readStream'>,
  orderId: string,
): Promise<DteView | undefined> {
  const { events } = await reader.readStream(Streams.dte(orderId));
  const issued = events.findLast((e) => e.type === DteIssuedV2.detailType);
  if (issued?.type !== DteIssuedV2.detailType) return undefined;
  const last = events.findLast(
    (e) => e.type === DteBroadcastV2.detailType || e.type === DteBroadcastFailedV2.detailType,
  );
  let broadcast: DteView['broadcast'];
  if (last?.type === DteBroadcastV2.detailType) {
    const d = last.data;
    broadcast = {
      type: last.type,
      at: d.broadcastAt,
      status: d.status,
      trackId: d.trackId,
      ...(d.objections.length > 0 ? { detail: d.objections.join('; ') } : {}),
    };
  } else if (last?.type === DteBroadcastFailedV2.detailType) {
    const d = last.data;
    broadcast = {
      type: last.type,
      at: d.failedAt,
      status: d.final ? 'exception' : 'retrying',
      ...(d.trackId ? { trackId: d.trackId } : {}),
      detail: d.error,
    };
  }
  return { issued: issued.data, ...(broadcast ? { broadcast } : {}) };
}

/**
 * `GET /api/admin/dte/:orderId`: the order's DTE as JSON (the signed XML, the TED, the amounts, where
 * its sending stands), for `mtd dte show`. Under `/api/admin/` because the access policy (projection's)
 * grants that prefix to admins; operators need a rule for it there.
 */
export function dteApi(deps: { reader: Pick<EventStore, 'readStream'> }): Hono {
  const app = new Hono();
  app.get('/api/admin/dte/:orderId', async (c) => {
    const view = await readDteView(deps.reader, c.req.param('orderId'));
    if (!view)
      return c.json({ error: 'NotFound', message: `no DTE issued for order ${c.req.param('orderId')}` }, 404);
    return c.json(view);
  });
  return app;
}
