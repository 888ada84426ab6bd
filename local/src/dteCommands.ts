import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CafRejectedError, directoryCafStore, loadCafFile } from '@mtd/dte';
import { renderDtePdf } from '@mtd/notification';
import { type DteView, localDtePaths, localIssuer } from './localDte';

export const cafUsage = `mtd caf load FILE   load a CAF (the SII's folio authorisation, an <AUTORIZACION> XML file) for its type
mtd caf list        the CAFs loaded, per type, with their folio ranges
  (kept in DATA/caf, 0600; a running MTD uses a new CAF when the loaded ones run out)`;

export const dteUsage = `mtd dte show <orderId> [--xml | --pdf FILE]   an order's tax document: summary, its signed XML,
  or its printed form (PDF with the TED as a PDF417 barcode) written to FILE`;

interface Io {
  log(line: string): void;
}

/**
 * `mtd caf load FILE | list` against the data folder: `load` checks the file (a CAF of this issuer, its
 * RSASK matching its RSAPK, a range overlapping no loaded CAF of its type) and keeps it 0600 in
 * `DATA/caf`. Returns the exit code (0 done, 1 refused or a usage error).
 */
export async function cafCommand(
  args: string[],
  io: Io,
  options: { dataDir: string; cwd?: string },
): Promise<number> {
  const [subcommand, file, ...rest] = args;
  const dir = localDtePaths(options.dataDir).cafs;
  if (subcommand === 'load' && file && rest.length === 0) {
    let fileText: string;
    try {
      fileText = await readFile(resolve(options.cwd ?? process.cwd(), file), 'latin1');
    } catch (error) {
      io.log(`cannot read ${file}: ${(error as Error).message}`);
      return 1;
    }
    try {
      const caf = await loadCafFile({ dir, issuerRut: localIssuer.rut, fileText });
      io.log(
        `CAF loaded: type ${caf.dteType}, folios ${caf.from}-${caf.to} (${caf.to - caf.from + 1}), authorised ${caf.authorizedOn}, for ${caf.issuerRut}`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof CafRejectedError)) throw error;
      io.log(error.message);
      return 1;
    }
  }
  if (subcommand === 'list' && file === undefined) {
    const store = directoryCafStore({ dir });
    const cafs = [...(await store.list(33)), ...(await store.list(39))];
    if (cafs.length === 0) io.log(`no CAF loaded in ${dir}`);
    for (const caf of cafs) {
      io.log(
        `type ${caf.dteType}: folios ${caf.from}-${caf.to}, authorised ${caf.authorizedOn}, key ${caf.keyId}`,
      );
    }
    return 0;
  }
  io.log(cafUsage);
  return 1;
}

/**
 * `mtd dte show <orderId> [--xml | --pdf FILE]`: the order's DTE as the running MTD holds it (`api`
 * fetches `GET /api/admin/dte/<orderId>` with the signed-in session). The summary names the document,
 * its amounts and where its sending stands; `--xml` prints the signed XML; `--pdf FILE` renders the
 * printed form (the same renderer as the customer's email) to FILE.
 */
export async function dteCommand(
  args: string[],
  io: Io,
  options: { api: (path: string) => Promise<unknown>; cwd?: string },
): Promise<number> {
  let parsed: ReturnType<typeof parseDteArgs>;
  try {
    parsed = parseDteArgs(args);
  } catch (error) {
    io.log(`${(error as Error).message}\n${dteUsage}`);
    return 1;
  }
  const [subcommand, orderId, ...rest] = parsed.positionals;
  if (subcommand !== 'show' || !orderId || rest.length > 0 || (parsed.values.xml && parsed.values.pdf)) {
    io.log(dteUsage);
    return 1;
  }
  const view = (await options.api(`/api/admin/dte/${encodeURIComponent(orderId)}`)) as DteView;
  const { issued, broadcast } = view;
  if (parsed.values.xml) {
    io.log(issued.xml);
    return 0;
  }
  if (parsed.values.pdf) {
    if (!issued.ted) {
      io.log(`the DTE of ${orderId} was issued before DTEs were stamped: it has no TED to print`);
      return 1;
    }
    const file = resolve(options.cwd ?? process.cwd(), parsed.values.pdf);
    await writeFile(file, await renderDtePdf(issued));
    io.log(`${file}: ${issued.dteType === 33 ? 'factura' : 'boleta'} ${issued.folio} of order ${orderId}`);
    return 0;
  }
  const name = issued.dteType === 33 ? 'Factura electrónica' : 'Boleta electrónica';
  io.log(`${name} N° ${issued.folio} — order ${issued.orderId}, issued ${issued.issuedAt}`);
  io.log(
    `  receiver: ${issued.customer.name}${issued.customer.taxId ? ` (RUT ${issued.customer.taxId})` : ''}`,
  );
  io.log(
    `  net ${issued.net}, IVA ${issued.iva}, total ${issued.total} (charged ${issued.gross}), ${issued.lines.length} line(s)`,
  );
  if (issued.caf)
    io.log(`  CAF folios ${issued.caf.from}-${issued.caf.to}, authorised ${issued.caf.authorizedOn}`);
  if (issued.signature)
    io.log(
      `  signed by ${issued.signature.certificateSubject} (valid to ${issued.signature.certificateNotAfter})`,
    );
  io.log(
    broadcast
      ? `  SII: ${broadcast.status}${broadcast.trackId ? ` (track ${broadcast.trackId})` : ''} at ${broadcast.at}${broadcast.detail ? ` — ${broadcast.detail}` : ''}`
      : '  SII: not sent yet',
  );
  return 0;
}

function parseDteArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: { xml: { type: 'boolean' }, pdf: { type: 'string' } },
  });
}
