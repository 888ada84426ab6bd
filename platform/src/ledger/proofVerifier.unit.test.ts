import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signCheckpoint } from './checkpoint';
import {
  hmacLedgerSalts,
  canonicalJson as leafCanonicalJson,
  ledgerLeafOf,
  type StoredEvent,
} from './ledgerLeaf';
import { ed25519LedgerSigner } from './ledgerSigner';
import { leafHash, MerkleTree, verifyConsistency, verifyInclusion } from './merkle';
import type { LedgerProofFile } from './proofVerifier';
import * as standalone from './proofVerifier';

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

describe('the standalone verifier agrees with the Merkle module', () => {
  it('on every inclusion and consistency proof of trees up to 32 leaves, and on their corruptions', () => {
    const tree = new MerkleTree(leavesOf(32));
    for (let n = 1; n <= 32; n++) {
      const root = tree.root(n);
      for (let m = 0; m < n; m++) {
        const path = tree.inclusionProof(m, n);
        expect(standalone.verifyInclusion(m, n, tree.leaf(m), path, root)).toBe(true);
        expect(standalone.verifyInclusion((m + 1) % n, n, tree.leaf(m), path, root)).toBe(
          verifyInclusion((m + 1) % n, n, tree.leaf(m), path, root),
        );
      }
      for (let m = 0; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(standalone.verifyConsistency(m, n, proof, tree.root(m), root)).toBe(true);
        if (m > 0 && m < n) {
          expect(standalone.verifyConsistency(m, n, proof.slice(1), tree.root(m), root)).toBe(
            verifyConsistency(m, n, proof.slice(1), tree.root(m), root),
          );
        }
      }
    }
  });

  it('writes canonical JSON exactly as the leaf module does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(standalone.canonicalJson(value)).toBe(leafCanonicalJson(value));
      }),
    );
  });
});

const salts = hmacLedgerSalts(Buffer.alloc(32, 3));
const event: StoredEvent = {
  metadata: {
    eventId: '01JDQ2Z3M4N5P6Q7R8S9T0V1W2',
    eventType: 'CustomerNotified',
    eventVersion: 1,
    streamId: 'notification-PO-1',
    streamVersion: 1,
    occurredAt: '2026-11-24T10:00:02.500Z',
    correlationId: 'PO-1',
    causationId: 'evt-1',
    producer: 'mtd.notification',
    actor: 'system',
  },
  data: {
    orderId: 'PO-1',
    notifiedAt: '2026-11-24T10:00:02.500Z',
    channel: 'email',
    to: 'ana@example.cl',
    subject: 'Tu boleta',
    messageId: 'm-1',
  },
};

/** A proof file for one event at leaf 5 of a 9-leaf tree, built without any store. */
async function aProofFile(): Promise<LedgerProofFile> {
  const leaf = ledgerLeafOf(event, salts);
  const leaves = leavesOf(9);
  leaves[5] = leaf.hash;
  const tree = new MerkleTree(leaves);
  const signer = ed25519LedgerSigner();
  const { checkpoint, publicKeyPem } = await signCheckpoint(signer, {
    origin: 'mtd-ledger',
    treeSize: 9,
    rootHash: tree.root().toString('hex'),
    time: '2026-11-24T12:00:00.000Z',
  });
  return {
    format: 'mtd-ledger-proof/1',
    checkpoint,
    publicKey: publicKeyPem,
    entries: [
      {
        leafIndex: 5,
        event,
        personal: { '/data/to': leaf.personal[0]!.salt!.toString('hex') },
        inclusionProof: tree.inclusionProof(5).map((h) => h.toString('hex')),
      },
    ],
  };
}

describe('verifyLedgerProof', () => {
  it('accepts a proof file and names the events it proves', async () => {
    const file = await aProofFile();
    const verdict = standalone.verifyLedgerProof(JSON.stringify(file));
    expect(verdict).toEqual({
      ok: true,
      checkpoint: file.checkpoint,
      events: [{ leafIndex: 5, streamId: 'notification-PO-1', streamVersion: 1 }],
    });
    expect(
      standalone.verifyLedgerProof(file, { trustedKeys: { [file.checkpoint.keyId]: file.publicKey } }).ok,
    ).toBe(true);
  });

  it('refuses loose encodings and extra members, so no bit can change unnoticed', async () => {
    const file = await aProofFile();
    const reasons = (mutate: (f: LedgerProofFile & Record<string, unknown>) => void) => {
      const copy = structuredClone(file) as LedgerProofFile & Record<string, unknown>;
      mutate(copy);
      const verdict = standalone.verifyLedgerProof(copy);
      return verdict.ok ? 'accepted' : verdict.reason;
    };
    expect(reasons((f) => (f.note = 'hello'))).toMatch(/has members/);
    expect(reasons((f) => (f.checkpoint.rootHash = f.checkpoint.rootHash.toUpperCase()))).toMatch(/rootHash/);
    expect(
      reasons((f) => (f.entries[0]!.inclusionProof[0] = f.entries[0]!.inclusionProof[0]!.toUpperCase())),
    ).toMatch(/inclusionProof/);
    expect(reasons((f) => (f.checkpoint.signature = f.checkpoint.signature.replace(/==$/, '')))).toMatch(
      /base64/,
    );
    expect(reasons((f) => (f.publicKey = f.publicKey.replace('\n', '\r\n')))).toMatch(
      /canonical PEM|not a key/,
    );
    expect(reasons((f) => (f.checkpoint.time = '2026-11-24T12:00:00Z'))).toMatch(/time/);
    expect(reasons((f) => (f.entries[0]!.personal = {}))).toMatch(/not leaf 5/);
    expect(reasons((f) => (f.entries[0]!.leafIndex = 4))).toMatch(/not leaf 4/);
    expect(reasons((f) => (f.checkpoint.treeSize = 10))).toMatch(/not signed/);
    expect(reasons((f) => (f.entries = []))).toMatch(/no entries/);
    expect(standalone.verifyLedgerProof('{"format":')).toEqual({ ok: false, reason: 'the file is not JSON' });
  });

  it('accepts personal fields disclosed inside arrays, and no array member but an index', async () => {
    const rejected: StoredEvent = {
      metadata: { ...event.metadata, eventType: 'OrderRejected', eventVersion: 1, streamId: 'order-PO-1' },
      data: {
        orderId: 'PO-1',
        reasons: [
          { path: 'customer.name', message: 'too long' },
          { path: 'customer.email', message: 'customer.email must be an email, got ana@' },
        ],
      },
    };
    const leaf = ledgerLeafOf(rejected, salts);
    expect(leaf.personal.map((p) => p.pointer)).toEqual([
      '/data/reasons/0/message',
      '/data/reasons/1/message',
    ]);
    const signer = ed25519LedgerSigner();
    const { checkpoint, publicKeyPem } = await signCheckpoint(signer, {
      origin: 'mtd-ledger',
      treeSize: 1,
      rootHash: leaf.hash.toString('hex'),
      time: '2026-11-24T12:00:00.000Z',
    });
    const personal = Object.fromEntries(leaf.personal.map((p) => [p.pointer, p.salt!.toString('hex')]));
    const fileWith = (disclosed: Record<string, string>): LedgerProofFile => ({
      format: 'mtd-ledger-proof/1',
      checkpoint,
      publicKey: publicKeyPem,
      entries: [{ leafIndex: 0, event: rejected, personal: disclosed, inclusionProof: [] }],
    });
    expect(standalone.verifyLedgerProof(fileWith(personal)).ok).toBe(true);
    const salt = personal['/data/reasons/0/message']!;
    for (const pointer of ['/data/reasons/length', '/data/reasons/00/message', '/data/reasons/2/message']) {
      expect(standalone.verifyLedgerProof(fileWith({ ...personal, [pointer]: salt }))).toEqual({
        ok: false,
        reason: `entry 0: ${pointer} is not in the event`,
      });
    }
  });

  it('refuses a key the auditor does not trust, even when the file is consistent with its own key', async () => {
    const file = await aProofFile();
    const other = await ed25519LedgerSigner().currentKey();
    const verdict = standalone.verifyLedgerProof(file, { trustedKeys: { [other.keyId]: other.pem } });
    expect(verdict).toEqual({
      ok: false,
      reason: `key ${file.checkpoint.keyId} is not one of the trusted keys`,
    });
  });
});
