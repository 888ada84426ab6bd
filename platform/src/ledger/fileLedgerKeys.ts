import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hmacLedgerSalts, type LedgerSalts } from './ledgerLeaf';
import { ed25519LedgerSigner, type LedgerPublicKey, type LedgerSigner } from './ledgerSigner';

const signingKeyFile = 'ledger-signing-key.pem';
const saltFile = 'ledger-salt.key';

/** A {@link LedgerSigner} whose key is a file; `rotate` replaces it. */
export interface FileLedgerSigner extends LedgerSigner {
  /**
   * Makes a new key the signing key and destroys the old private key (its public key stays in the
   * ledger table, so checkpoints it signed stay verifiable). Returns the new key.
   */
  rotate(): Promise<LedgerPublicKey>;
}

/**
 * The checkpoint signing key kept like the auth secret: `DIR/ledger-signing-key.pem` (PKCS#8), readable
 * by the owner only (0600), made on first use.
 */
export async function fileLedgerSigner(dir: string): Promise<FileLedgerSigner> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, signingKeyFile);
  const pem = await createOnce(file, () => newPrivateKeyPem());
  let signer = ed25519LedgerSigner(createPrivateKey(pem));
  return {
    currentKey: () => signer.currentKey(),
    sign: (keyId, message) => signer.sign(keyId, message),
    rotate: async () => {
      const next = newPrivateKeyPem();
      // Written beside and renamed over, so a crash leaves the old key or the new one, never half.
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, next, { mode: 0o600, flag: 'wx' });
      await rename(temporary, file);
      signer = ed25519LedgerSigner(createPrivateKey(next));
      return signer.currentKey();
    },
  };
}

/**
 * The secret leaf salts are derived from (see ledgerLeaf.ts): `DIR/ledger-salt.key`, 32 random bytes,
 * 0600, made on first use. Back it up with the signing key: without it, leaves of events with personal
 * data cannot be recomputed.
 */
export async function fileLedgerSalts(dir: string): Promise<LedgerSalts> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const text = await createOnce(join(dir, saltFile), () => randomBytes(32).toString('hex'));
  return hmacLedgerSalts(Buffer.from(text.trim(), 'hex'));
}

function newPrivateKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Reads `file`, first creating it (0600, exclusively, so two starts agree on one) when absent. */
async function createOnce(file: string, make: () => string): Promise<string> {
  try {
    await writeFile(file, make(), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(file, 0o600);
  return readFile(file, 'utf8');
}
