import { createHash } from 'node:crypto';
import type { MtdEvent } from '@mtd/contracts';

/** prevHash of the first entry. */
export const genesisHash = '0'.repeat(64);

/** One link of the hash-chained audit log. */
export interface AuditEntry {
  /** 1, 2, 3, … without gaps. */
  seq: number;
  eventId: string;
  streamId: string;
  streamVersion: number;
  eventType: string;
  eventVersion: number;
  occurredAt: string;
  actor: string;
  /** sha256 of the canonical JSON of the event's EventBridge detail (`{ metadata, data }`). */
  payloadHash: string;
  /** `hash` of the entry before, {@link genesisHash} for the first. */
  prevHash: string;
  /** sha256(prevHash + canonical JSON of this entry without `hash`). */
  hash: string;
}

export type AuditVerification =
  | { ok: true; entries: number; head: string }
  | { ok: false; firstBrokenSeq: number; reason: string };

/**
 * JSON with object keys sorted at every depth, so equal values always hash alike whatever the key
 * order they were built in. `undefined` members are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot encode ${typeof value} as canonical JSON`);
    return text;
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
  return `{${members.join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The hash an entry must carry given its other fields. */
export function hashOfEntry(entry: Omit<AuditEntry, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = entry;
  return sha256Hex(entry.prevHash + canonicalJson(rest));
}

export function payloadHashOf(event: MtdEvent): string {
  return sha256Hex(canonicalJson({ metadata: event.metadata, data: event.data }));
}

/**
 * The entry that chains `event` after `previous` (undefined: the chain is empty). Deterministic: the
 * same event after the same entry always gives the same entry.
 */
export function chainEntry(previous: AuditEntry | undefined, event: MtdEvent): AuditEntry {
  const m = event.metadata;
  const unsigned = {
    seq: (previous?.seq ?? 0) + 1,
    eventId: m.eventId,
    streamId: m.streamId,
    streamVersion: m.streamVersion,
    eventType: m.eventType,
    eventVersion: m.eventVersion,
    occurredAt: m.occurredAt,
    actor: m.actor,
    payloadHash: payloadHashOf(event),
    prevHash: previous?.hash ?? genesisHash,
  };
  return { ...unsigned, hash: hashOfEntry(unsigned) };
}

/**
 * Checks a chain entry by entry, so a long log can be verified page by page without holding it.
 * The first failure sticks: later entries are not looked at.
 */
export class AuditChainVerifier {
  private count = 0;
  private previousHash = genesisHash;
  private readonly seen = new Map<string, number>();
  private broken: { firstBrokenSeq: number; reason: string } | undefined;

  push(entry: AuditEntry): void {
    if (this.broken) return;
    const expectedSeq = this.count + 1;
    const reason = this.problemWith(entry, expectedSeq);
    if (reason) {
      this.broken = { firstBrokenSeq: expectedSeq, reason };
      return;
    }
    this.seen.set(entry.eventId, entry.seq);
    this.previousHash = entry.hash;
    this.count += 1;
  }

  private problemWith(entry: AuditEntry, expectedSeq: number): string | undefined {
    if (entry.seq !== expectedSeq) return `expected seq ${expectedSeq} but found seq ${entry.seq}`;
    if (entry.prevHash !== this.previousHash) {
      return `prevHash does not match the hash of entry ${expectedSeq - 1 || 'genesis'}`;
    }
    if (entry.hash !== hashOfEntry(entry)) return 'hash does not match the entry content (entry altered)';
    const earlier = this.seen.get(entry.eventId);
    if (earlier !== undefined) return `event ${entry.eventId} is already chained at seq ${earlier}`;
    return undefined;
  }

  result(): AuditVerification {
    if (this.broken) return { ok: false, ...this.broken };
    return { ok: true, entries: this.count, head: this.previousHash };
  }
}

/**
 * Verifies a whole chain in seq order: every seq follows the one before, every prevHash is the hash
 * before it, every hash matches its entry, no event is chained twice. Names the first broken entry.
 */
export function verifyAuditChain(entries: Iterable<AuditEntry>): AuditVerification {
  const verifier = new AuditChainVerifier();
  for (const entry of entries) verifier.push(entry);
  return verifier.result();
}
