import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCaf, parseCaf, planIssuance, selfSignedCredentials, signedDocument } from '@mtd/dte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cafCommand, dteCommand } from './dteCommands';
import { type DteView, localIssuer } from './localDte';

const authority = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const aCafFile = (from: number, to: number, rut = localIssuer.rut) =>
  issueCaf({
    authorityKey: authority,
    issuerRut: rut,
    issuerName: localIssuer.name,
    dteType: 39,
    from,
    to,
    authorizedOn: '2026-11-01',
  });

let dir: string;
let lines: string[];
const io = { log: (line: string) => lines.push(line) };
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mtd-dte-cli-'));
  lines = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('mtd caf', () => {
  it('loads a CAF into the data folder (0600) and lists it', async () => {
    await writeFile(join(dir, 'caf.xml'), aCafFile(1001, 2000), 'latin1');
    expect(await cafCommand(['load', 'caf.xml'], io, { dataDir: join(dir, 'data'), cwd: dir })).toBe(0);
    expect(lines).toEqual([
      `CAF loaded: type 39, folios 1001-2000 (1000), authorised 2026-11-01, for ${localIssuer.rut}`,
    ]);
    expect((await stat(join(dir, 'data', 'caf', 'T39-1001-2000.xml'))).mode & 0o777).toBe(0o600);
    lines = [];
    expect(await cafCommand(['list'], io, { dataDir: join(dir, 'data') })).toBe(0);
    expect(lines).toEqual(['type 39: folios 1001-2000, authorised 2026-11-01, key 100']);
  });

  it('refuses an overlapping range, another issuer CAF and a file that is not a CAF', async () => {
    const dataDir = join(dir, 'data');
    await writeFile(join(dir, 'a.xml'), aCafFile(1, 100), 'latin1');
    await writeFile(join(dir, 'b.xml'), aCafFile(50, 150), 'latin1');
    await writeFile(join(dir, 'c.xml'), aCafFile(200, 300, '11111111-1'), 'latin1');
    await writeFile(join(dir, 'd.xml'), '<AUTORIZACION><CAF version="1.0"/></AUTORIZACION>', 'latin1');
    expect(await cafCommand(['load', 'a.xml'], io, { dataDir, cwd: dir })).toBe(0);
    expect(await cafCommand(['load', 'b.xml'], io, { dataDir, cwd: dir })).toBe(1);
    expect(await cafCommand(['load', 'c.xml'], io, { dataDir, cwd: dir })).toBe(1);
    expect(await cafCommand(['load', 'd.xml'], io, { dataDir, cwd: dir })).toBe(1);
    expect(lines.slice(1)).toEqual([
      'not loaded: folios 50-150 of type 39 overlap the CAF already loaded for 1-100',
      `not loaded: the CAF is for RUT 11111111-1, this issuer is ${localIssuer.rut}`,
      'not loaded: not a CAF: no <CAF> element (expected an <AUTORIZACION> file)',
    ]);
  });
});

describe('mtd dte show', () => {
  const issuedAt = '2026-11-24T13:00:00.000Z';
  const order = {
    orderId: 'PO-77',
    channel: 'web',
    placedAt: issuedAt,
    currency: 'CLP' as const,
    customer: { id: 'C-1', name: 'Ana Pérez', email: 'ana@example.cl' },
    lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990 }],
    shipping: { region: 'RM', address: 'Av. Siempre Viva 742' },
    dispatchBy: issuedAt,
  };
  const caf = parseCaf(aCafFile(1, 100));
  const plan = planIssuance(order, localIssuer, issuedAt);
  const credentials = selfSignedCredentials({
    now: new Date(issuedAt),
    rut: localIssuer.senderRut,
    name: 'Firma',
  });
  const { xml, ted } = signedDocument({ ...plan.document, folio: 7 }, caf, credentials, issuedAt);
  const view: DteView = {
    issued: {
      orderId: 'PO-77',
      dteType: 39,
      folio: 7,
      issuedAt,
      net: plan.amounts.net,
      iva: plan.amounts.iva,
      total: plan.amounts.total,
      gross: plan.amounts.gross,
      customer: order.customer,
      lines: plan.amounts.lines,
      issuer: { ...localIssuer },
      xml,
      ted,
      caf: { from: 1, to: 100, authorizedOn: '2026-11-01', keyId: 100 },
      signature: {
        signedAt: issuedAt,
        certificateSha256: 'c'.repeat(64),
        certificateSubject: 'CN=Firma',
        certificateNotAfter: '2027-11-24T13:00:00.000Z',
      },
    },
    broadcast: { type: 'DteBroadcast', at: issuedAt, status: 'accepted', trackId: '12' },
  };
  const paths: string[] = [];
  const api = async (path: string) => {
    paths.push(path);
    return view;
  };

  it('shows the document, its amounts and where its sending stands', async () => {
    expect(await dteCommand(['show', 'PO-77'], io, { api })).toBe(0);
    expect(paths).toEqual(['/api/admin/dte/PO-77']);
    expect(lines).toEqual([
      'Boleta electrónica N° 7 — order PO-77, issued 2026-11-24T13:00:00.000Z',
      '  receiver: Ana Pérez',
      '  net 16790, IVA 3190, total 19980 (charged 19980), 1 line(s)',
      '  CAF folios 1-100, authorised 2026-11-01',
      '  signed by CN=Firma (valid to 2027-11-24T13:00:00.000Z)',
      '  SII: accepted (track 12) at 2026-11-24T13:00:00.000Z',
    ]);
  });

  it('prints the signed XML with --xml and writes the printed form with --pdf FILE', async () => {
    expect(await dteCommand(['show', 'PO-77', '--xml'], io, { api })).toBe(0);
    expect(lines).toEqual([xml]);
    expect(await dteCommand(['show', 'PO-77', '--pdf', 'boleta.pdf'], io, { api, cwd: dir })).toBe(0);
    const pdf = await readFile(join(dir, 'boleta.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await dteCommand(['show'], io, { api })).toBe(1);
  });
});
