import { checkpointSignatureProblem, type SignedCheckpoint } from './checkpoint';
import type { LedgerEntry, LedgerPage } from './dynamoLedger';
import { type LedgerSalts, leafFormat, ledgerLeafHash } from './ledgerLeaf';
import { appendToFrontier, MerkleTree } from './merkle';
import type { CommitSource, StoredCommit } from './storedEvents';

/**
 * What `verify` can find broken:
 * - `edited`: a stored event no longer hashes to its leaf (the ledger page holding the leaf is intact).
 * - `deleted`: a leaf's event (stream + version) is no longer in the store.
 * - `inserted`: a store event the ledger never took, though its commit is older than what the ledger
 *   had read (its pages' `through`, and at least the newest commit it holds): written behind the
 *   ledger's back with a back-dated commit id. A younger commit is only pending.
 * - `reordered`: a page's leaves are the right events but not in the order the ledger appended them.
 * - `ledger-edited`: a ledger page's leaves, keys or frontier changed, or it no longer reads.
 * - `ledger-deleted`: ledger pages are missing (a gap, or fewer leaves than a checkpoint signed).
 * - `checkpoint-mismatch`: a checkpoint's root is not the root of the ledger's first treeSize leaves.
 * - `checkpoint-signature`: a checkpoint's signature does not verify under the key it names.
 * - `duplicate`: one event has two leaves (a writer bug, not tampering).
 */
export type LedgerProblemKind =
  | 'edited'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'ledger-edited'
  | 'ledger-deleted'
  | 'checkpoint-mismatch'
  | 'checkpoint-signature'
  | 'duplicate';

export interface LedgerProblem {
  kind: LedgerProblemKind;
  /** `stream@version`, `leaf N`, `page N` or `checkpoint N`: where to look. */
  where: string;
  detail: string;
}

export interface LedgerVerification {
  ok: boolean;
  /** Leaves in the ledger. */
  treeSize: number;
  /** Stored events recomputed and compared. */
  checkedEvents: number;
  /** Store events the ledger has not reached yet (younger than its coverage): not a problem. */
  pending: number;
  /** Checkpoints checked. */
  checkpoints: number;
  problems: LedgerProblem[];
}

export interface VerifyProgress {
  phase: 'ledger' | 'store';
  /** Leaves read (ledger phase) or stored events checked (store phase). */
  done: number;
  /** The ledger's size: about how many events the store phase will check. */
  treeSize: number;
}

export interface VerifyOptions {
  onProgress?: (progress: VerifyProgress) => void;
  /** Checkpoints kept outside the table (an auditor's copy, S3 Object Lock) to check as well. */
  checkpoints?: SignedCheckpoint[];
  /** keyId -> PEM of the only keys to trust; otherwise the keys stored in the table are used. */
  trustedKeys?: Record<string, string>;
}

interface VerifyInput {
  origin: string;
  /** The pages in seq order; each is let go once its leaves are in the tree. */
  pages: Iterable<LedgerPage | { seq: number; unreadable: string }>;
  checkpoints: SignedCheckpoint[];
  keys: Map<string, string>;
  source: CommitSource;
  salts: LedgerSalts;
}

interface PageSpan {
  seq: number;
  count: number;
}

const at = (streamId: string, version: number) => `${streamId}@${version}`;
const keyOf = (streamId: string, version: number) => `${streamId}\u0000${version}`;
/** Stands for a leaf of a missing page, so the leaves after it keep their indexes. */
const missingLeaf = Buffer.alloc(32);
/** At most this many events are named inside one problem's detail. */
const namedInDetail = 10;

/**
 * Checks the ledger in two passes. First the ledger alone: pages follow each other, each page's leaves
 * lead from the frontier the page before recorded to the frontier it recorded, and every checkpoint's
 * signature and root hold. Then against the store: every stored event's leaf is recomputed and compared
 * with the leaf at its ledger position. Because the first pass says which pages are intact, a leaf
 * that differs is attributed to the store (`edited`) or to the ledger (`ledger-edited`).
 */
export async function verifyLedger(input: VerifyInput, options: VerifyOptions): Promise<LedgerVerification> {
  const problems: LedgerProblem[] = [];
  const report = (kind: LedgerProblemKind, where: string, detail: string) =>
    problems.push({ kind, where, detail });

  // ---- Pass 1: the ledger alone ----
  const tree = new MerkleTree();
  const entries: (LedgerEntry | undefined)[] = [];
  /** Per leaf: the index of its page in `pages`. */
  const pageOfLeaf: number[] = [];
  /** What is kept of each page: where its leaves are. */
  const pages: PageSpan[] = [];
  /** Pages whose leaves do not lead to the frontier they recorded. */
  const brokenPages = new Set<number>();
  const gaps: { from: number; to: number }[] = [];
  let recorded: Buffer[] = [];
  let through: string | undefined;
  let recordedMatchesTree = true;
  let afterGap = false;
  for (const page of input.pages) {
    if ('unreadable' in page) {
      report('ledger-edited', `page ${page.seq}`, `the page no longer reads: ${page.unreadable}`);
      continue;
    }
    if (page.format !== leafFormat) {
      report(
        'ledger-edited',
        `page ${page.seq}`,
        `its leaves claim leaf format ${page.format}, not ${leafFormat}`,
      );
    }
    if (page.seq < tree.size) {
      report(
        'ledger-edited',
        `page ${page.seq}`,
        `the page overlaps leaves up to ${tree.size - 1} of the page before`,
      );
      continue;
    }
    if (page.seq > tree.size) {
      gaps.push({ from: tree.size, to: page.seq - 1 });
      while (tree.size < page.seq) {
        tree.append(missingLeaf);
        entries.push(undefined);
        pageOfLeaf.push(-1);
      }
      afterGap = true;
    }
    const index = pages.push({ seq: page.seq, count: page.leaves.length }) - 1;
    for (const [i, leaf] of page.leaves.entries()) {
      tree.append(leaf);
      entries.push(page.entries[i]);
      pageOfLeaf.push(index);
    }
    const treeFrontier = tree.frontier();
    if (!afterGap) {
      // While the recorded frontiers agree with the tree, a page's check is the tree's own frontier
      // (no hashing); after a disagreement, the page is replayed from the frontier recorded before it.
      let frontier = treeFrontier;
      if (!recordedMatchesTree) {
        frontier = recorded;
        for (const [i, leaf] of page.leaves.entries())
          frontier = appendToFrontier(frontier, page.seq + i, leaf);
      }
      if (!sameHashes(frontier, page.frontier)) brokenPages.add(index);
    }
    recorded = page.frontier;
    recordedMatchesTree = sameHashes(treeFrontier, page.frontier);
    afterGap = false;
    if (page.through && (!through || page.through > through)) through = page.through;
    options.onProgress?.({ phase: 'ledger', done: tree.size, treeSize: tree.size });
  }
  const treeSize = tree.size;
  for (const gap of gaps) {
    report(
      'ledger-deleted',
      `leaves ${gap.from}..${gap.to}`,
      `no page holds leaves ${gap.from} to ${gap.to}`,
    );
  }

  const allCheckpoints = [...input.checkpoints, ...(options.checkpoints ?? [])];
  for (const checkpoint of allCheckpoints) {
    const where = `checkpoint ${checkpoint.treeSize}`;
    const pem = options.trustedKeys
      ? options.trustedKeys[checkpoint.keyId]
      : input.keys.get(checkpoint.keyId);
    const signature = checkpointSignatureProblem(checkpoint, pem);
    if (signature) report('checkpoint-signature', where, `signed ${checkpoint.time}: ${signature}`);
    if (checkpoint.origin !== input.origin) {
      report('checkpoint-mismatch', where, `it names ledger ${checkpoint.origin}, not ${input.origin}`);
    } else if (checkpoint.treeSize > treeSize) {
      report(
        'ledger-deleted',
        `leaves ${treeSize}..${checkpoint.treeSize - 1}`,
        `checkpoint ${checkpoint.treeSize} (${checkpoint.time}) signed ${checkpoint.treeSize} leaves; the ledger has ${treeSize}`,
      );
    } else if (tree.root(checkpoint.treeSize).toString('hex') !== checkpoint.rootHash) {
      report(
        'checkpoint-mismatch',
        where,
        `the first ${checkpoint.treeSize} leaves hash to ${tree.root(checkpoint.treeSize).toString('hex')}, not the signed root ${checkpoint.rootHash}`,
      );
    }
  }

  // ---- Pass 2: the store against the ledger ----
  const index = new Map<string, number>();
  for (const [i, entry] of entries.entries()) {
    if (!entry) continue;
    const key = keyOf(entry.streamId, entry.streamVersion);
    const first = index.get(key);
    if (first === undefined) index.set(key, i);
    else
      report('duplicate', `leaf ${i}`, `${at(entry.streamId, entry.streamVersion)} is leaf ${first} already`);
  }
  const seen = new Uint8Array(treeSize);
  /** Per leaf: the commit id of its event in the store, the order it was appended in. */
  const commitIdOf: (string | undefined)[] = new Array(treeSize);
  const differing: { leaf: number; streamId: string; version: number }[] = [];
  const unmatched: {
    streamId: string;
    version: number;
    commitId: string | undefined;
    leaf: Buffer | undefined;
  }[] = [];
  const unreadable: StoredCommit[] = [];
  let checkedEvents = 0;
  /** The newest commit the ledger holds an event of: the writer had read at least that far. */
  let newestLedgered: string | undefined;
  for await (const commits of input.source.commits()) {
    for (const commit of commits) {
      if (commit.unreadable) {
        unreadable.push(commit);
        continue;
      }
      for (const [offset, event] of commit.events.entries()) {
        const version = commit.version + offset;
        let leaf: Buffer | undefined;
        try {
          leaf = ledgerLeafHash(event, input.salts);
        } catch {
          leaf = undefined;
        }
        checkedEvents += 1;
        const i = index.get(keyOf(commit.streamId, version));
        if (i === undefined) {
          unmatched.push({ streamId: commit.streamId, version, commitId: commit.commitId, leaf });
          continue;
        }
        seen[i] = 1;
        commitIdOf[i] = commit.commitId;
        if (commit.commitId && (!newestLedgered || commit.commitId > newestLedgered))
          newestLedgered = commit.commitId;
        if (!leaf?.equals(tree.leaf(i))) differing.push({ leaf: i, streamId: commit.streamId, version });
        else if (entries[i]!.eventId !== event.metadata.eventId) {
          report(
            'ledger-edited',
            `leaf ${i}`,
            `it records event id ${entries[i]!.eventId}; its leaf is event ${event.metadata.eventId}`,
          );
        }
      }
    }
    options.onProgress?.({ phase: 'store', done: checkedEvents, treeSize });
  }

  for (const d of differing) {
    const page = pageOfLeaf[d.leaf]!;
    if (brokenPages.has(page)) {
      report(
        'ledger-edited',
        `leaf ${d.leaf}`,
        `page ${pages[page]!.seq} changed: leaf ${d.leaf} is not the hash of ${at(d.streamId, d.version)} as stored, and the page no longer leads to the frontier it recorded`,
      );
    } else {
      report('edited', at(d.streamId, d.version), `the stored event no longer hashes to leaf ${d.leaf}`);
    }
  }

  // A leaf whose key is gone from the store but whose hash is a store event the ledger lacks: the
  // page's key was edited, not the store.
  const unmatchedByLeaf = new Map<string, number>();
  for (const [u, event] of unmatched.entries())
    if (event.leaf) unmatchedByLeaf.set(event.leaf.toString('hex'), u);
  const explained = new Set<number>();
  for (let i = 0; i < treeSize; i++) {
    const entry = entries[i];
    if (!entry || seen[i]) continue;
    const u = unmatchedByLeaf.get(tree.leaf(i).toString('hex'));
    if (u !== undefined && !explained.has(u)) {
      explained.add(u);
      const actual = unmatched[u]!;
      report(
        'ledger-edited',
        `leaf ${i}`,
        `it records ${at(entry.streamId, entry.streamVersion)}, but its hash is ${at(actual.streamId, actual.version)} as stored`,
      );
      continue;
    }
    const lost = unreadable.find((c) => c.streamId === entry.streamId && c.version <= entry.streamVersion);
    if (lost) {
      report(
        'edited',
        at(entry.streamId, entry.streamVersion),
        `leaf ${i}: its commit ${at(lost.streamId, lost.version)} no longer reads (${lost.unreadable})`,
      );
    } else {
      report(
        'deleted',
        at(entry.streamId, entry.streamVersion),
        `leaf ${i}'s event (${entry.eventId}) is not in the store`,
      );
    }
  }
  for (const commit of unreadable) {
    if (!entries.some((e) => e?.streamId === commit.streamId && e.streamVersion >= commit.version)) {
      report(
        'inserted',
        at(commit.streamId, commit.version),
        `an item the ledger never saw, which does not read as a commit (${commit.unreadable})`,
      );
    }
  }

  // How far the writer had read: what its pages claim, and at least the newest commit it appended. The
  // second needs no trust in the pages: a forger who lowers `through` must also rewrite the commit ids
  // of every later commit. A commit after that is only not appended yet.
  const coverage =
    newestLedgered !== undefined && (through === undefined || newestLedgered > through)
      ? newestLedgered
      : through;
  const notInLedger = unmatched.filter((_, u) => !explained.has(u));
  const covered = notInLedger.filter(
    (e) => e.commitId === undefined || (coverage !== undefined && e.commitId <= coverage),
  );
  const pending = notInLedger.length - covered.length;
  if (gaps.length > 0 && covered.length > 0) {
    // A deleted page hides which events it held: name the store events it may have held under it.
    const named = covered.slice(0, namedInDetail).map((e) => at(e.streamId, e.version));
    report(
      'ledger-deleted',
      gaps.map((g) => `leaves ${g.from}..${g.to}`).join(', '),
      `${covered.length} stored event(s) the ledger had read are in no page left, likely those of the deleted page(s): ${named.join(', ')}${covered.length > named.length ? ', …' : ''}`,
    );
  } else {
    for (const e of covered) {
      report(
        'inserted',
        at(e.streamId, e.version),
        e.commitId === undefined
          ? 'a stored item without a commit id, never in the ledger'
          : `commit ${e.commitId} is older than what the ledger had read (${coverage}) but was never appended`,
      );
    }
  }

  reportReordering(problems, { pages, brokenPages, pageOfLeaf, entries, commitIdOf, differing, seen });

  return {
    ok: problems.length === 0,
    treeSize,
    checkedEvents,
    pending,
    checkpoints: allCheckpoints.length,
    problems,
  };
}

/**
 * A broken page whose leaves are each the right event was reordered (or its frontier edited). The
 * ledger appends in feed order, so the moved leaves are those out of commit order among the broken
 * pages' leaves: compared with the same leaves sorted by commit id and version, exactly the positions
 * that differ (a swap of two leaves names those two, across pages too). With no such leaf, the page's
 * recorded frontier itself was edited.
 */
function reportReordering(
  problems: LedgerProblem[],
  ledger: {
    pages: PageSpan[];
    brokenPages: Set<number>;
    pageOfLeaf: number[];
    entries: (LedgerEntry | undefined)[];
    commitIdOf: (string | undefined)[];
    differing: { leaf: number }[];
    seen: Uint8Array;
  },
): void {
  const withBadLeaves = new Set(ledger.differing.map((d) => ledger.pageOfLeaf[d.leaf]!));
  const candidates = [...ledger.brokenPages].filter((p) => {
    const page = ledger.pages[p]!;
    if (withBadLeaves.has(p)) return false;
    for (let i = page.seq; i < page.seq + page.count; i++) if (!ledger.seen[i]) return false;
    return true;
  });
  const leaves = candidates.flatMap((p) => {
    const page = ledger.pages[p]!;
    return Array.from({ length: page.count }, (_, i) => page.seq + i);
  });
  const order = (i: number) =>
    `${ledger.commitIdOf[i] ?? ''}\u0000${String(ledger.entries[i]!.streamVersion).padStart(16, '0')}`;
  const sorted = [...leaves].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const moved = new Map<number, number[]>();
  for (const [k, leaf] of leaves.entries()) {
    if (sorted[k] !== leaf) {
      const page = ledger.pageOfLeaf[leaf]!;
      moved.set(page, [...(moved.get(page) ?? []), leaf]);
    }
  }
  for (const p of candidates) {
    const page = ledger.pages[p]!;
    const leavesMoved = moved.get(p);
    if (!leavesMoved) {
      problems.push({
        kind: 'ledger-edited',
        where: `page ${page.seq}`,
        detail:
          'its leaves are the stored events, but they do not lead to the frontier the page recorded: the frontier was edited',
      });
      continue;
    }
    for (const leaf of leavesMoved) {
      const entry = ledger.entries[leaf]!;
      problems.push({
        kind: 'reordered',
        where: `leaf ${leaf}`,
        detail: `${at(entry.streamId, entry.streamVersion)} is at leaf ${leaf}, out of the order page ${page.seq} was appended in`,
      });
    }
  }
}

function sameHashes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((h, i) => h.equals(b[i]!));
}
