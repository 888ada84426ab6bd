import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The local token key's file in the data folder. */
export const authSecretFileName = 'auth-secret.key';

/**
 * The token key: 32 random bytes made on the first start and kept in `DATA/auth-secret.key`, readable
 * by the owner only (0600), so tokens survive a restart and nothing else on the machine can mint one.
 * (On AWS the key lives in Secrets Manager; see the backoffice stack.)
 */
export function loadOrCreateAuthSecret(dataDir: string): Uint8Array {
  const file = join(dataDir, authSecretFileName);
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}
