import type { LedgerVerification, SignedCheckpoint, VerifyProgress } from '@mtd/platform/ledger';
import type { Checkpoint, ProofVerdict } from '@mtd/platform/ledger/proofVerifier';
import type { JobProgress } from './jobs';

/**
 * How far `verify` is, as a job's progress: first the ledger's own pages (leaves read), then the
 * store (events recomputed, out of the ledger's size; a store with events not appended yet goes
 * a little past it).
 */
export function verifyJobProgress(progress: VerifyProgress): JobProgress {
  if (progress.phase === 'ledger')
    return { done: progress.done, unit: 'leaves', detail: 'reading the ledger' };
  return {
    done: progress.done,
    total: Math.max(progress.treeSize, progress.done),
    unit: 'events',
    detail: 'checking the store',
  };
}

/**
 * The verdict of `mtd audit verify`, for people: a first line saying ok or broken with the counts,
 * then one line per problem, `kind  where  detail`, never shortened (the detail is the evidence).
 */
export function verificationReport(result: LedgerVerification): string[] {
  const counts =
    `${result.checkedEvents} stored event(s) checked against ${result.treeSize} leaves and ` +
    `${result.checkpoints} signed checkpoint(s)` +
    (result.pending > 0 ? `; ${result.pending} newer event(s) not in the ledger yet` : '');
  if (result.ok) return [`ledger ok: ${counts}`];
  const kindWidth = Math.max(...result.problems.map((p) => p.kind.length));
  const whereWidth = Math.max(...result.problems.map((p) => p.where.length));
  return [
    `ledger BROKEN: ${result.problems.length} problem(s); ${counts}`,
    ...result.problems.map(
      (p) => `  ${p.kind.padEnd(kindWidth)}  ${p.where.padEnd(whereWidth)}  ${p.detail}`,
    ),
  ];
}

/** One checkpoint in a line: `checkpoint of N leaves: root …, signed TIME by key K`. */
export function describeCheckpoint(checkpoint: SignedCheckpoint | Checkpoint): string {
  return `checkpoint of ${checkpoint.treeSize} leaves: root ${checkpoint.rootHash}, signed ${checkpoint.time} by key ${checkpoint.keyId}`;
}

/** The signed checkpoints as an aligned table, full hashes (an auditor copies them). */
export function checkpointTable(checkpoints: readonly SignedCheckpoint[]): string[] {
  if (checkpoints.length === 0) return ['(no checkpoint yet)'];
  const width = Math.max('treeSize'.length, ...checkpoints.map((c) => String(c.treeSize).length));
  const timeWidth = Math.max(...checkpoints.map((c) => c.time.length));
  const row = (size: string, time: string, root: string, key: string) =>
    `${size.padStart(width)}  ${time.padEnd(timeWidth)}  ${root.padEnd(64)}  ${key}`;
  return [
    row('treeSize', 'time'.padEnd(timeWidth), 'rootHash', 'keyId'),
    ...checkpoints.map((c) => row(String(c.treeSize), c.time, c.rootHash, c.keyId)),
  ];
}

/** What a verified proof file shows, and what it does not; or why it fails. */
export function proofReport(
  verdict: ProofVerdict<{
    checkpoint: Checkpoint;
    events: { leafIndex: number; streamId: string; streamVersion: number }[];
  }>,
  trusted: boolean,
): string[] {
  if (!verdict.ok) return [`proof FAILS: ${verdict.reason}`];
  const { checkpoint, events } = verdict;
  const width = String(events.at(-1)?.leafIndex ?? 0).length;
  return [
    `proof ok: ${events.length} event(s), as stored, are leaves of ledger ${checkpoint.origin} under its ${describeCheckpoint(checkpoint)}`,
    ...events.map((e) => `  leaf ${String(e.leafIndex).padStart(width)}  ${e.streamId}@${e.streamVersion}`),
    trustNote(trusted),
    'It shows these events are in the ledger, unchanged and in these places; not that the order has no other event.',
  ];
}

/** What a verified consistency file shows; or why it fails. */
export function consistencyReport(
  verdict: ProofVerdict<{ first: Checkpoint; second: Checkpoint }>,
  trusted: boolean,
): string[] {
  if (!verdict.ok) return [`consistency FAILS: ${verdict.reason}`];
  const { first, second } = verdict;
  return [
    `consistency ok: the first ${first.treeSize} leaves of ledger ${first.origin} are unchanged in its tree of ${second.treeSize}`,
    `  ${describeCheckpoint(first)}`,
    `  ${describeCheckpoint(second)}`,
    trustNote(trusted),
  ];
}

function trustNote(trusted: boolean): string {
  return trusted
    ? 'Signed by a key you trust (--key).'
    : "Signed by the key the file carries: compare it with the operator's published key, or pin it with --key FILE.";
}
