import type { Ledger } from './dynamoLedger';

/** One leaf of the ledger as the back office lists it. */
export interface LedgerEntryView {
  /** The leaf's position in the tree (0-based, append order). */
  index: number;
  streamId: string;
  streamVersion: number;
  eventId: string;
  /** The leaf hash (hex): what inclusion proofs prove. */
  leafHash: string;
  /** When the page holding it was appended. */
  appendedAt: string;
}

export interface LedgerEntriesPage {
  treeSize: number;
  /** Newest first. */
  items: LedgerEntryView[];
  /** Pass back as `cursor` for the next (older) page; absent on the last. */
  nextCursor?: string;
}

/**
 * The ledger's leaves, newest first, `limit` at a time. Reads the page items (each holds up to a
 * thousand leaves); a listing for people, not a hot path.
 */
export async function ledgerEntries(
  ledger: Ledger,
  options: { limit: number; cursor?: string },
): Promise<LedgerEntriesPage> {
  const entries: LedgerEntryView[] = [];
  for (const page of await ledger.pages()) {
    if ('unreadable' in page) continue;
    page.entries.forEach((entry, i) => {
      entries.push({
        index: page.seq + i,
        streamId: entry.streamId,
        streamVersion: entry.streamVersion,
        eventId: entry.eventId,
        leafHash: page.leaves[i]?.toString('hex') ?? '',
        appendedAt: page.time,
      });
    });
  }
  const below = options.cursor === undefined ? entries.length : Number(options.cursor);
  const items = entries.slice(Math.max(0, below - options.limit), Math.max(0, below)).reverse();
  const oldest = items.at(-1)?.index;
  return {
    treeSize: entries.length,
    items,
    ...(oldest !== undefined && oldest > 0 ? { nextCursor: String(oldest) } : {}),
  };
}
