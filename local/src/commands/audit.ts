import { createHash, createPublicKey } from 'node:crypto';
import type { LedgerVerification, SignedCheckpoint } from '@mtd/platform/ledger';
import type {
  ConsistencyProofFile,
  LedgerProofFile,
  VerifierOptions,
} from '@mtd/platform/ledger/proofVerifier';
import {
  checkpointTable,
  consistencyReport,
  describeCheckpoint,
  proofReport,
  verificationReport,
  verifyJobProgress,
} from '../auditReport';
import { type Cli, numberOption } from '../cliContext';
import { CliUsageError, CommandFailedError, ExitCode } from '../cliErrors';
import type { Job } from '../jobs';
import type { OfflineLedger } from '../offlineLedger';
import type { CommandGroup } from './commandGroup';
import { followAndReport } from './followAndReport';

const offlineHelp =
  'With --data DIR (typed on the command line) it runs offline on the data folder of a stopped MTD; ' +
  'without it, through the running MTD (MTD_DATA or .mtd, or --url).';

const treeSize = numberOption(
  'a tree size (a whole number, 0 or more)',
  (n) => Number.isSafeInteger(n) && n >= 0,
);

/**
 * `mtd audit verify | prove | check-proof | consistency | checkpoints | checkpoint`: the audit
 * ledger (platform/src/ledger). Against the running MTD, or offline on a stopped one's data folder
 * when `--data DIR` is typed; `check-proof` needs neither (it reads only the file).
 */
export const audit: CommandGroup = {
  register(program, cli) {
    /** The folder to open offline: `--data` as typed on this command line (not MTD_DATA, not the default). */
    const offlineFolder = () => (program.getOptionValueSource('data') === 'cli' ? cli.dataDir() : undefined);
    const offline = async <T>(dataDir: string, work: (opened: OfflineLedger) => Promise<T>): Promise<T> => {
      const { openOfflineLedger } = await import('../offlineLedger');
      const opened = await openOfflineLedger(dataDir);
      try {
        return await work(opened);
      } catch (error) {
        throw asCommandFailure(error);
      } finally {
        await opened.close();
      }
    };

    const group = program
      .command('audit')
      .description('the audit ledger: verify it against the event store, prove orders, check proofs')
      .addHelpText('after', `\n${offlineHelp}`);
    group
      .command('verify')
      .summary('recompute the ledger from the event store and name every break (exit 1 on any)')
      .description(
        `recompute the ledger from the event store and name every break (exit 1 on any). ${offlineHelp}`,
      )
      .option('--json', 'the verification as JSON')
      .action(async (options) => {
        const dataDir = offlineFolder();
        let result: LedgerVerification;
        if (dataDir) {
          result = await offline(dataDir, async ({ ledger, events }) => {
            const display = cli.progress(`audit verify ${dataDir}`);
            const verification = await ledger.verify(events, {
              onProgress: (progress) => display.update(verifyJobProgress(progress)),
            });
            display.end();
            return verification;
          });
        } else {
          const job = await cli.runtime().call<Job>('/api/admin/jobs/audit-verify', { method: 'POST' });
          const finished = await followAndReport(cli, job, { follow: true, json: false });
          result = finished!.result as LedgerVerification;
        }
        if (options.json) cli.print(result);
        else for (const line of verificationReport(result)) cli.log(line);
        if (!result.ok) process.exitCode = ExitCode.failed;
      });

    group
      .command('prove')
      .summary("write a self-contained proof of an order's events (--out FILE)")
      .description(
        `write a self-contained proof that an order's events are in the ledger, for mtd audit check-proof. ${offlineHelp}`,
      )
      .argument('<orderId>', 'the order')
      .requiredOption('--out <file>', 'the proof file to write')
      .option('--redact', 'personal fields (names, emails) as their salted commitments only')
      .action(async (orderId, options) => {
        const redact = options.redact ?? false;
        const dataDir = offlineFolder();
        const proof = dataDir
          ? await offline(dataDir, ({ ledger, events }) => ledger.proveOrder(orderId, { events, redact }))
          : await cli
              .runtime()
              .call<LedgerProofFile>(
                `/api/audit/proof/${encodeURIComponent(orderId)}${redact ? '?redact=true' : ''}`,
              );
        // Checked before it is handed over: a proof that does not verify here is not written.
        const { verifyLedgerProof } = await import('@mtd/platform/ledger/proofVerifier');
        const verdict = verifyLedgerProof(proof);
        if (!verdict.ok)
          throw new CommandFailedError(
            `the proof made for order ${orderId} does not verify: ${verdict.reason}`,
          );
        const out = cli.writeFile(options.out, 'the proof', `${JSON.stringify(proof, null, 2)}\n`);
        cli.log(
          `wrote ${out}: ${verdict.events.length} event(s) of order ${orderId}${redact ? ' (personal fields redacted)' : ''} under the ${describeCheckpoint(verdict.checkpoint)}`,
        );
        cli.log(`check it anywhere with: mtd audit check-proof ${options.out}`);
      });

    group
      .command('check-proof')
      .summary('check a proof (or consistency) file offline: no MTD, no store')
      .description(
        'check a proof file (or a consistency file) offline, with the standalone verifier only: no MTD, no store (exit 1 if it fails)',
      )
      .argument('<file>', 'a file written by mtd audit prove (or mtd audit consistency --out)')
      .option(
        '--key <pem-file>',
        'trust only this public key (SPKI PEM, as published by the operator); repeat for several',
        (file: string, files: string[]) => [...files, file],
        [] as string[],
      )
      .option('--json', 'the verdict as JSON')
      .action(async (file, options) => {
        const text = cli.readFile(file, 'the proof file');
        const verifierOptions: VerifierOptions =
          options.key.length > 0 ? { trustedKeys: trustedKeys(cli, options.key) } : {};
        const { verifyConsistencyProof, verifyLedgerProof } = await import(
          '@mtd/platform/ledger/proofVerifier'
        );
        const trusted = verifierOptions.trustedKeys !== undefined;
        let ok: boolean;
        if (formatOf(text) === 'mtd-ledger-consistency/1') {
          const verdict = verifyConsistencyProof(text, verifierOptions);
          ok = verdict.ok;
          if (options.json) cli.print(verdict);
          else for (const line of consistencyReport(verdict, trusted)) cli.log(line);
        } else {
          const verdict = verifyLedgerProof(text, verifierOptions);
          ok = verdict.ok;
          if (options.json) cli.print(verdict);
          else for (const line of proofReport(verdict, trusted)) cli.log(line);
        }
        if (!ok) process.exitCode = ExitCode.failed;
      });

    group
      .command('consistency')
      .summary('prove the checkpoint of sizeA leaves is a prefix of the one of sizeB')
      .description(
        `prove that the checkpoint of sizeA leaves is a prefix of the checkpoint of sizeB (nothing it covered was changed since); exit 1 if it is not. ${offlineHelp}`,
      )
      .argument('<sizeA>', 'tree size of the older checkpoint (mtd audit checkpoints)', treeSize)
      .argument('<sizeB>', 'tree size of the newer checkpoint', treeSize)
      .option('--out <file>', 'also write the consistency file (mtd audit check-proof checks it)')
      .option('--json', 'the consistency file as JSON on stdout')
      .action(async (sizeA, sizeB, options) => {
        if (sizeA > sizeB) throw new CliUsageError(`sizeA (${sizeA}) must not be after sizeB (${sizeB})`);
        const dataDir = offlineFolder();
        const proof = dataDir
          ? await offline(dataDir, ({ ledger }) => ledger.consistencyProof(sizeA, sizeB))
          : await cli
              .runtime()
              .call<ConsistencyProofFile>(`/api/admin/audit/consistency?from=${sizeA}&to=${sizeB}`);
        const { verifyConsistencyProof } = await import('@mtd/platform/ledger/proofVerifier');
        const verdict = verifyConsistencyProof(proof);
        if (options.out)
          cli.writeFile(options.out, 'the consistency proof', `${JSON.stringify(proof, null, 2)}\n`);
        if (options.json) cli.print(proof);
        else for (const line of consistencyReport(verdict, false)) cli.log(line);
        if (!verdict.ok) process.exitCode = ExitCode.failed;
      });

    group
      .command('checkpoints')
      .summary('the signed checkpoints, newest first')
      .description(`the signed checkpoints (tree size, root, time, key id), newest first. ${offlineHelp}`)
      .option(
        '--limit <n>',
        'at most N',
        numberOption('a whole number from 1 to 200', (n) => Number.isInteger(n) && n > 0 && n <= 200),
        50,
      )
      .option('--json', 'as JSON')
      .action(async (options) => {
        const dataDir = offlineFolder();
        const result = dataDir
          ? await offline(dataDir, async ({ ledger }) => {
              const all = await ledger.checkpoints();
              return { total: all.length, items: all.slice(-options.limit).reverse() };
            })
          : await cli
              .runtime()
              .call<{ total: number; items: SignedCheckpoint[] }>(
                `/api/audit/checkpoints?limit=${options.limit}`,
              );
        if (options.json) return cli.print(result);
        for (const line of checkpointTable(result.items)) cli.log(line);
        if (result.total > result.items.length)
          cli.note(`(the newest ${result.items.length} of ${result.total}; --limit N for more)`);
      });

    group
      .command('checkpoint')
      .summary('sign a checkpoint of the ledger now')
      .description(
        `sign a checkpoint of the ledger now (the last one again when nothing was appended since). ${offlineHelp}`,
      )
      .option('--json', 'as JSON')
      .action(async (options) => {
        const dataDir = offlineFolder();
        const checkpoint = dataDir
          ? await offline(dataDir, ({ ledger }) => ledger.checkpoint())
          : await cli.runtime().call<SignedCheckpoint>('/api/admin/audit/checkpoint', { method: 'POST' });
        if (options.json) return cli.print(checkpoint);
        cli.log(describeCheckpoint(checkpoint));
      });
  },
};

/**
 * The ledger's refusals (no such order in it, no such checkpoint, a corrupt page, no signing key in
 * the folder) are failures: exit 1. By name: the ledger module is only loaded on the offline path.
 */
function asCommandFailure(error: unknown): unknown {
  const name = (error as Error | undefined)?.name;
  const refusals = ['LedgerProofError', 'LedgerCorruptError', 'NoLedgerSignerError', 'RangeError'];
  if (name !== undefined && refusals.includes(name))
    return new CommandFailedError((error as Error).message, { cause: error });
  return error;
}

/** The `format` member of a JSON file, if it has one (the verifier says what else is wrong). */
function formatOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { format?: unknown }).format;
  } catch {
    return undefined;
  }
}

/** keyId -> PEM of each --key file, the key id derived as the ledger derives it (SHA-256 of the DER). */
function trustedKeys(cli: Cli, files: string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const file of files) {
    const text = cli.readFile(file, 'the key file');
    let der: Buffer;
    try {
      der = createPublicKey(text).export({ type: 'spki', format: 'der' });
    } catch (error) {
      throw new CliUsageError(`${file} is not a public key in PEM`, { cause: error });
    }
    const keyId = createHash('sha256').update(der).digest('hex').slice(0, 32);
    keys[keyId] = createPublicKey(text).export({ type: 'spki', format: 'pem' }).toString();
  }
  return keys;
}
