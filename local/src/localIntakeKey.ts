import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localPartnerUsagePlan, type PartnerKeys, partnerKeyHash } from '@mtd/intake';

/** The partner the local runtime's own key belongs to (`mtd send`, the demo, the bench, the tests). */
export const localPartnerName = 'local';

/** Where the local key is kept for the CLI: `DATA/intake-api-key`, readable by the owner only. */
export function localIntakeKeyFile(dataDir: string): string {
  return join(dataDir, 'intake-api-key');
}

/**
 * The key `mtd send` uses: `MTD_API_KEY`, else the data folder's key file; undefined when neither
 * (intake then answers 403 and says how to get one).
 */
export function readLocalIntakeKey(dataDir: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.MTD_API_KEY) return env.MTD_API_KEY;
  const file = localIntakeKeyFile(dataDir);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

export interface LocalIntakeKey {
  key: string;
  /** True on the start that made it: print it once. */
  created: boolean;
  /** True when MTD generated it (not given by option or MTD_INTAKE_API_KEY). */
  generated: boolean;
}

/**
 * Makes sure partner `local` has a key this runtime can hand to its own clients, like the first
 * admin's password: made on the first start (or taken from `chosen`), stored as a hash in the keys
 * table and as the key itself in a 0600 file next to the session, where the CLI reads it. A key file
 * that no longer matches (deleted, edited) gets a new key; a revoked `local` partner stays revoked
 * (the runtime then has no key of its own; `mtd partners add local` issues a new one).
 */
export async function ensureLocalIntakeKey(options: {
  dataDir: string;
  keys: PartnerKeys;
  now: Date;
  chosen?: string;
}): Promise<LocalIntakeKey | undefined> {
  const { keys, chosen } = options;
  const file = localIntakeKeyFile(options.dataDir);
  const save = (key: string) => writeFileSync(file, `${key}\n`, { mode: 0o600 });
  const partner = keys.get(localPartnerName);
  if (partner?.revokedAt) {
    rmSync(file, { force: true });
    return undefined;
  }
  if (!partner) {
    const { key } = await keys.add(localPartnerName, localPartnerUsagePlan, options.now, chosen);
    save(key);
    return { key, created: true, generated: chosen === undefined };
  }
  const onFile = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  const wanted = chosen ?? onFile;
  if (wanted !== undefined && partnerKeyHash(wanted) === partner.keyHash) {
    if (onFile !== wanted) save(wanted);
    return { key: wanted, created: false, generated: false };
  }
  const key = await keys.replaceKey(localPartnerName, chosen);
  save(key);
  return { key, created: true, generated: chosen === undefined };
}
