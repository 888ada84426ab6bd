import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';
import { DynamoStoredEvents, fileLedgerSalts, fileLedgerSigner, Ledger } from '@mtd/platform/ledger';
import { CliUsageError } from './cliErrors';
import { processIsAlive } from './runtimeClient';
import { localLedger, tableNames } from './tableNames';

/** The ledger of a stopped runtime's data folder, opened in this process. */
export interface OfflineLedger {
  ledger: Ledger;
  /** The event store's table, read as stored (a scan for verify, streams for proofs). */
  events: DynamoStoredEvents;
  close(): Promise<void>;
}

/**
 * The key files `fileLedgerSalts`/`fileLedgerSigner` keep (fileLedgerKeys.ts), looked at before
 * either is called, because both make a new key when theirs is missing: a new salt would make every
 * leaf with personal data look edited. The salt is required; the signing key only signs (a folder
 * handed to an auditor without it still verifies and proves). The audit e2e test removes each and
 * checks both outcomes, so a renamed file fails there.
 */
const saltFile = 'ledger-salt.key';
const signingKeyFile = 'ledger-signing-key.pem';

/**
 * Opens the embedded engine on `DATA/dynamodb` of a runtime that is not running, and the ledger with
 * the folder's own keys, as the runtime wires them (tables, origin). LevelDB lets one process open a
 * folder at a time, so a folder in use by a running MTD is refused with what to do instead.
 */
export async function openOfflineLedger(dataDir: string): Promise<OfflineLedger> {
  const enginePath = join(dataDir, 'dynamodb');
  const keysDir = localLedger.keysDir(dataDir);
  if (!existsSync(enginePath))
    throw new CliUsageError(
      `${dataDir} is not an MTD data folder (it has no dynamodb/): --data names the data folder of a stopped MTD`,
    );
  if (!existsSync(join(keysDir, saltFile)))
    throw new CliUsageError(
      `${keysDir} lacks ${saltFile}: without the folder's own salt secret the leaves of events with personal data cannot be recomputed (restore it from the backup)`,
    );
  let engine: Awaited<ReturnType<typeof startDynalite>>;
  try {
    engine = await startDynalite({ path: enginePath });
  } catch (error) {
    if (!isLockedByAnotherProcess(error)) throw error;
    throw new CliUsageError(
      `${dataDir} is in use by a running MTD${runningPid(dataDir)}: stop it first (Ctrl-C where it runs), or drop --data to ask the running MTD itself (mtd audit … with MTD_DATA=${dataDir}, or --url)`,
      { cause: error },
    );
  }
  try {
    const ledger = new Ledger({
      client: engine.client,
      tableName: tableNames.ledger,
      clock: systemClock,
      salts: await fileLedgerSalts(keysDir),
      ...(existsSync(join(keysDir, signingKeyFile)) ? { signer: await fileLedgerSigner(keysDir) } : {}),
      origin: localLedger.origin,
    });
    const events = new DynamoStoredEvents({ client: engine.client, tableName: tableNames.events });
    return { ledger, events, close: () => engine.close() };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

/** LevelDB's "lock … already held" (classic-level wraps it: LEVEL_DATABASE_NOT_OPEN, cause LEVEL_LOCKED). */
function isLockedByAnotherProcess(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 'LEVEL_LOCKED') return true;
  }
  return false;
}

/** ` (pid N)` when the folder's runtime.json names a live process. */
function runningPid(dataDir: string): string {
  try {
    const { pid } = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { pid?: number };
    return processIsAlive(pid) ? ` (pid ${pid})` : '';
  } catch {
    return '';
  }
}
