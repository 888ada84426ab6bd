import { describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  canonicalJson,
  chainEntry,
  genesisHash,
  hashOfEntry,
  payloadHashOf,
  verifyAuditChain,
} from '#domain/auditChain';
import { anOrder } from '#src/testing/orderHistory';

const events = anOrder('PO-1')
  .received('2026-11-24T13:00:00.000Z')
  .accepted('2026-11-24T13:00:01.000Z')
  .issued('2026-11-24T13:00:02.000Z')
  .broadcast('2026-11-24T13:00:03.000Z')
  .notified('2026-11-24T13:00:04.000Z').events;

function chainOf(): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const event of events) entries.push(chainEntry(entries[entries.length - 1], event));
  return entries;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

describe('audit chain', () => {
  it('chains from the genesis hash, seq 1, 2, 3 … and verifies', () => {
    const chain = chainOf();
    expect(chain[0]).toMatchObject({ seq: 1, prevHash: genesisHash, eventId: events[0]!.metadata.eventId });
    expect(chain[1]!.prevHash).toBe(chain[0]!.hash);
    expect(chain[0]!.payloadHash).toBe(payloadHashOf(events[0]!));
    expect(chain.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(verifyAuditChain(chain)).toEqual({ ok: true, entries: 5, head: chain[4]!.hash });
    expect(verifyAuditChain([])).toEqual({ ok: true, entries: 0, head: genesisHash });
  });

  it('is deterministic: the same events give the same hashes', () => {
    expect(chainOf()).toEqual(chainOf());
  });

  const fields: (keyof AuditEntry)[] = [
    'eventId',
    'streamId',
    'streamVersion',
    'eventType',
    'eventVersion',
    'occurredAt',
    'actor',
    'payloadHash',
    'prevHash',
    'hash',
    'seq',
  ];
  for (const field of fields) {
    it(`detects a tampered ${field} and names the first broken entry`, () => {
      for (const index of [0, 2, 4]) {
        const chain = chainOf();
        const entry = chain[index]!;
        const original = entry[field];
        (entry as unknown as Record<string, unknown>)[field] =
          typeof original === 'number' ? original + 100 : `${original}x`;
        const result = verifyAuditChain(chain);
        expect(result.ok, `${field} at ${index}`).toBe(false);
        expect(result).toMatchObject({ firstBrokenSeq: index + 1 });
      }
    });
  }

  it('detects a tampered entry whose hash was recomputed: the next entry no longer links to it', () => {
    const chain = chainOf();
    const forged = { ...chain[1]!, actor: 'user:mallory' };
    chain[1] = { ...forged, hash: hashOfEntry(forged) };
    expect(verifyAuditChain(chain)).toMatchObject({
      ok: false,
      firstBrokenSeq: 3,
      reason: expect.stringMatching(/prevHash/),
    });
  });

  it('detects reordered, missing and duplicated entries', () => {
    const swapped = chainOf();
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(verifyAuditChain(swapped)).toMatchObject({
      ok: false,
      firstBrokenSeq: 2,
      reason: expect.stringMatching(/seq/),
    });

    const gap = chainOf();
    gap.splice(3, 1);
    expect(verifyAuditChain(gap)).toMatchObject({ ok: false, firstBrokenSeq: 4 });

    const chain = chainOf();
    const again = chainEntry(chain[4], events[0]!);
    expect(verifyAuditChain([...chain, again])).toMatchObject({
      ok: false,
      firstBrokenSeq: 6,
      reason: expect.stringMatching(/already chained at seq 1/),
    });
  });
});
