import { chmod, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DteType } from '@mtd/contracts';
import { type Caf, CafFormatError, parseCaf } from '#signing/caf';

/** Where the CAFs the SII issued to this issuer are kept (a folder locally, a secret store on AWS). */
export interface CafStore {
  /**
   * The CAFs of `dteType`, ranges in folio order. Cached: `refresh` reads the source again (after
   * running out, to find a CAF an operator loaded since).
   */
  list(dteType: DteType, options?: { refresh?: boolean }): Promise<Caf[]>;
}

/** A CAF refused on loading: unreadable, for another issuer, or overlapping one already loaded. */
export class CafRejectedError extends Error {
  override readonly name = 'CafRejectedError';
}

async function readCafs(dir: string): Promise<Caf[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const cafs: Caf[] = [];
  for (const name of names.filter((n) => n.endsWith('.xml')).sort()) {
    cafs.push(parseCaf(await readFile(join(dir, name), 'latin1')));
  }
  return cafs.sort((a, b) => a.dteType - b.dteType || a.from - b.from);
}

/**
 * CAFs as files in a folder (the local runtime keeps them in `<data>/caf`, mode 0600: RSASK is a
 * secret). Read once per type and again on `refresh`; a file that is not a CAF stops the read with
 * its name, rather than silently leaving its folios out.
 */
export function directoryCafStore(options: { dir: string }): CafStore {
  let cached: Promise<Caf[]> | undefined;
  return {
    async list(dteType, { refresh = false } = {}) {
      if (!cached || refresh) cached = readCafs(options.dir);
      const all = await cached.catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      return all.filter((caf) => caf.dteType === dteType);
    },
  };
}

/**
 * Loads a CAF file into the folder (`mtd caf load FILE`): checks it is a CAF of this issuer whose
 * range overlaps no CAF already loaded for its type, and writes it 0600 as `T<type>-<from>-<to>.xml`.
 * Returns what was loaded.
 */
export async function loadCafFile(options: {
  dir: string;
  issuerRut: string;
  fileText: string;
}): Promise<Caf> {
  let caf: Caf;
  try {
    caf = parseCaf(options.fileText);
  } catch (error) {
    if (error instanceof CafFormatError)
      throw new CafRejectedError(`not loaded: ${error.message}`, { cause: error });
    throw error;
  }
  const norm = (rut: string) => rut.replace(/\./g, '').toUpperCase();
  if (norm(caf.issuerRut) !== norm(options.issuerRut)) {
    throw new CafRejectedError(
      `not loaded: the CAF is for RUT ${caf.issuerRut}, this issuer is ${options.issuerRut}`,
    );
  }
  const loaded = await readCafs(options.dir);
  const clash = loaded.find((c) => c.dteType === caf.dteType && c.from <= caf.to && caf.from <= c.to);
  if (clash) {
    throw new CafRejectedError(
      `not loaded: folios ${caf.from}-${caf.to} of type ${caf.dteType} overlap the CAF already loaded for ${clash.from}-${clash.to}`,
    );
  }
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const path = join(options.dir, `T${caf.dteType}-${caf.from}-${caf.to}.xml`);
  const temporary = `${path}.tmp`;
  await writeFile(temporary, options.fileText, { encoding: 'latin1', mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return caf;
}

/**
 * CAFs from AWS Secrets Manager: the secret's JSON `{ "cafs": ["<AUTORIZACION>…", …] }` (the same secret
 * as the signing credentials, so one grant covers both). Loading a CAF on AWS is adding its file text
 * to that list; `refresh` reads the secret again.
 */
export function secretsManagerCafStore(options: {
  secrets: SecretsManagerClient;
  secretId: string;
}): CafStore {
  let cached: Promise<Caf[]> | undefined;
  async function read(): Promise<Caf[]> {
    const { SecretString } = await options.secrets.send(
      new GetSecretValueCommand({ SecretId: options.secretId }),
    );
    let files: unknown;
    try {
      files = (JSON.parse(SecretString ?? '{}') as { cafs?: unknown }).cafs ?? [];
    } catch (error) {
      throw new CafFormatError(`secret ${options.secretId} is not JSON`, { cause: error });
    }
    if (!Array.isArray(files))
      throw new CafFormatError(`secret ${options.secretId}: "cafs" must be a list of CAF files`);
    return files
      .map((file) => parseCaf(String(file)))
      .sort((a, b) => a.dteType - b.dteType || a.from - b.from);
  }
  return {
    async list(dteType, { refresh = false } = {}) {
      if (!cached || refresh) cached = read();
      const all = await cached.catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      return all.filter((caf) => caf.dteType === dteType);
    },
  };
}
