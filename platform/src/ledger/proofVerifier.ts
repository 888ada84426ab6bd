/**
 * # MTD ledger proof verifier
 *
 * Checks, with nothing but Node's `crypto`, the two files the MTD audit ledger hands to a third party:
 *
 * - a **proof file** (`mtd-ledger-proof/1`): some events as stored in the event store, each with its
 *   leaf index and RFC 9162 inclusion proof against a checkpoint, the checkpoint signed with Ed25519,
 *   and the public key. It verifies when every event hashes to a leaf that the proof places under the
 *   signed root.
 * - a **consistency file** (`mtd-ledger-consistency/1`): two signed checkpoints and the RFC 9162
 *   consistency proof that the smaller tree is a prefix of the bigger, i.e. that nothing the first
 *   checkpoint covered was changed, removed or reordered before the second was signed.
 *
 * This file imports nothing else from MTD on purpose, so it can be read (and copied) alone. Every
 * member of a file is checked strictly (unknown members, upper-case hex or loose base64 are refused),
 * so no bit of a file can change without the verdict changing.
 *
 * Trust: a signature only shows that the holder of the key signed. Pass the keys you trust (published
 * by the operator, or from checkpoints you kept) as `trustedKeys`; without them the verdict says the
 * file is consistent with the key it carries.
 *
 * ## The leaf of one event (leaf format 1)
 *
 *     leaf data = UTF-8( canonicalJson({ leaf: 1, metadata, data }) )
 *     leaf hash = SHA-256(0x00 || leaf data)                          (RFC 9162 §2.1.1)
 *
 * canonicalJson: object keys sorted (by UTF-16 code unit) at every depth, no whitespace, strings and
 * numbers as JSON.stringify writes them. A personal field enters as `{ "$commitment": hex }`, with
 * hex = SHA-256(salt || UTF-8(canonicalJson(value))). A proof entry lists the salt of each personal
 * field whose value it discloses (by JSON Pointer, RFC 6901); a field it does not disclose is already
 * in the event as its `{ "$commitment": … }` object (redacted or erased).
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: string;
  time: string;
  keyId: string;
  signature: string;
}

export interface ProofEntry {
  leafIndex: number;
  /** The event as stored (personal fields not disclosed appear as `{ "$commitment": hex }`). */
  event: { metadata: { eventId: string; streamId: string; streamVersion: number }; data: unknown };
  /** JSON Pointer of each disclosed personal field -> its salt, hex. */
  personal: Record<string, string>;
  /** RFC 9162 inclusion path, hex, leaf to root. */
  inclusionProof: string[];
}

export interface LedgerProofFile {
  format: 'mtd-ledger-proof/1';
  checkpoint: Checkpoint;
  /** The checkpoint key's public key, SPKI PEM. */
  publicKey: string;
  entries: ProofEntry[];
}

export interface ConsistencyProofFile {
  format: 'mtd-ledger-consistency/1';
  first: Checkpoint;
  second: Checkpoint;
  /** RFC 9162 consistency proof, hex. */
  proof: string[];
  /** keyId -> SPKI PEM of the keys the two checkpoints name, and no other. */
  publicKeys: Record<string, string>;
}

export type ProofVerdict<T> = ({ ok: true } & T) | { ok: false; reason: string };

export interface VerifierOptions {
  /** keyId -> PEM of the keys you trust; a checkpoint signed by any other key fails. */
  trustedKeys?: Record<string, string>;
}

/** Verifies a proof file (a parsed object or its JSON text). */
export function verifyLedgerProof(
  file: unknown,
  options: VerifierOptions = {},
): ProofVerdict<{
  checkpoint: Checkpoint;
  events: { leafIndex: number; streamId: string; streamVersion: number }[];
}> {
  try {
    const proof = parse(file);
    exactKeys(proof, ['format', 'checkpoint', 'publicKey', 'entries'], 'the proof');
    if (proof.format !== 'mtd-ledger-proof/1') throw new Refused('the proof is not an mtd-ledger-proof/1');
    const checkpoint = checkedCheckpoint(proof.checkpoint, 'the checkpoint');
    if (typeof proof.publicKey !== 'string') throw new Refused('publicKey is not a PEM string');
    checkSignature(checkpoint, proof.publicKey, options);
    const root = Buffer.from(checkpoint.rootHash, 'hex');
    const entries = proof.entries;
    if (!Array.isArray(entries) || entries.length === 0) throw new Refused('the proof has no entries');
    const events: { leafIndex: number; streamId: string; streamVersion: number }[] = [];
    let previous = -1;
    for (const [i, entry] of entries.entries()) {
      const where = `entry ${i}`;
      exactKeys(entry, ['leafIndex', 'event', 'personal', 'inclusionProof'], where);
      const { leafIndex, event, personal, inclusionProof } = entry as Record<string, unknown>;
      if (!isCount(leafIndex) || leafIndex <= previous)
        throw new Refused(`${where}: leafIndex is not after the last`);
      previous = leafIndex;
      exactKeys(event, ['metadata', 'data'], `${where}: the event`);
      const { metadata, data } = event as { metadata: unknown; data: unknown };
      if (!isObject(metadata)) throw new Refused(`${where}: the event has no metadata`);
      if (!isObject(personal)) throw new Refused(`${where}: personal is not an object`);
      const path = hashList(inclusionProof, `${where}: inclusionProof`);
      const leaf = leafHashOf({ metadata, data }, personal, where);
      if (!verifyInclusion(leafIndex, checkpoint.treeSize, leaf, path, root)) {
        throw new Refused(`${where}: the event is not leaf ${leafIndex} of the checkpoint's tree`);
      }
      events.push({
        leafIndex,
        streamId: String(metadata.streamId),
        streamVersion: Number(metadata.streamVersion),
      });
    }
    return { ok: true, checkpoint, events };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Verifies a consistency file (a parsed object or its JSON text). */
export function verifyConsistencyProof(
  file: unknown,
  options: VerifierOptions = {},
): ProofVerdict<{ first: Checkpoint; second: Checkpoint }> {
  try {
    const proof = parse(file);
    exactKeys(proof, ['format', 'first', 'second', 'proof', 'publicKeys'], 'the proof');
    if (proof.format !== 'mtd-ledger-consistency/1')
      throw new Refused('the proof is not an mtd-ledger-consistency/1');
    const first = checkedCheckpoint(proof.first, 'the first checkpoint');
    const second = checkedCheckpoint(proof.second, 'the second checkpoint');
    if (!isObject(proof.publicKeys)) throw new Refused('publicKeys is not an object');
    const keys = proof.publicKeys;
    exactKeys(keys, [...new Set([first.keyId, second.keyId])], 'publicKeys');
    checkSignature(first, keys[first.keyId], options);
    checkSignature(second, keys[second.keyId], options);
    if (first.origin !== second.origin) throw new Refused('the checkpoints are of two ledgers');
    const path = hashList(proof.proof, 'the consistency proof');
    const [root1, root2] = [Buffer.from(first.rootHash, 'hex'), Buffer.from(second.rootHash, 'hex')];
    if (!verifyConsistency(first.treeSize, second.treeSize, path, root1, root2)) {
      throw new Refused(
        `the tree of ${first.treeSize} leaves is not a prefix of the tree of ${second.treeSize}`,
      );
    }
    return { ok: true, first, second };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
}

// ---- RFC 9162 §2.1: hashes and proof verification ----

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}
const leafHash = (data: Uint8Array) => sha256(Buffer.from([0x00]), data);
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(Buffer.from([0x01]), left, right);

/** §2.1.3.2. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Buffer,
  path: Buffer[],
  root: Buffer,
): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else {
      r = nodeHash(r, p);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 && r.equals(root);
}

/** §2.1.4.2 (for 0 < size1 < size2; equal sizes need equal roots and no proof; size1 = 0, no proof). */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: Buffer[],
  root1: Buffer,
  root2: Buffer,
): boolean {
  if (size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = 2 ** Math.round(Math.log2(size1)) === size1 ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0;
}

// ---- The leaf of one event ----

function leafHashOf(
  event: { metadata: object; data: unknown },
  personal: Record<string, unknown>,
  where: string,
): Buffer {
  const committed = structuredClone(event) as Record<string, unknown>;
  for (const [pointer, salt] of Object.entries(personal)) {
    if (typeof salt !== 'string' || !/^[0-9a-f]{64}$/.test(salt))
      throw new Refused(`${where}: the salt of ${pointer} is not 32 bytes of hex`);
    const tokens = pointerTokens(pointer, where);
    const parent = walk(committed, tokens.slice(0, -1));
    const last = tokens[tokens.length - 1]!;
    if (!hasMember(parent, last)) throw new Refused(`${where}: ${pointer} is not in the event`);
    const value = parent[last];
    if (isObject(value) && Object.hasOwn(value, '$commitment'))
      throw new Refused(`${where}: ${pointer} is disclosed and committed at once`);
    const commitment = sha256(Buffer.from(salt, 'hex'), Buffer.from(canonicalJson(value), 'utf8')).toString(
      'hex',
    );
    parent[last] = { $commitment: commitment };
  }
  return leafHash(Buffer.from(canonicalJson({ leaf: 1, ...committed }), 'utf8'));
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Refused('a number is not finite');
  return JSON.stringify(value);
}

function pointerTokens(pointer: string, where: string): string[] {
  if (!pointer.startsWith('/')) throw new Refused(`${where}: ${pointer} is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function walk(node: unknown, tokens: string[]): unknown {
  let current = node;
  for (const token of tokens) {
    if (!hasMember(current, token)) return undefined;
    current = current[token];
  }
  return current;
}

/**
 * True when `token` names a member of `node`: an object's own member, or an array's element by its
 * RFC 6901 index (digits, no leading zero; personal fields can sit in arrays, `/data/reasons/0/message`).
 * Nothing else of an array (`length`, `-`, `01`) is a member.
 */
function hasMember(node: unknown, token: string): node is Record<string, unknown> {
  if (Array.isArray(node)) return /^(0|[1-9][0-9]*)$/.test(token) && Number(token) < node.length;
  return isObject(node) && Object.hasOwn(node, token);
}

// ---- Checkpoints and signatures ----

/** The exact bytes a checkpoint's signature covers. */
function checkpointMessage(c: Checkpoint): Buffer {
  const lines = [
    'mtd-ledger-checkpoint/1',
    `origin ${c.origin}`,
    `size ${c.treeSize}`,
    `root ${c.rootHash}`,
    `time ${c.time}`,
    `key ${c.keyId}`,
    '',
  ];
  return Buffer.from(lines.join('\n'), 'utf8');
}

function checkedCheckpoint(value: unknown, where: string): Checkpoint {
  exactKeys(value, ['origin', 'treeSize', 'rootHash', 'time', 'keyId', 'signature'], where);
  const c = value as Record<string, unknown>;
  if (typeof c.origin !== 'string' || c.origin.includes('\n'))
    throw new Refused(`${where}: origin is not one line`);
  if (!isCount(c.treeSize)) throw new Refused(`${where}: treeSize is not a count`);
  if (typeof c.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(c.rootHash))
    throw new Refused(`${where}: rootHash is not 32 bytes of hex`);
  if (
    typeof c.time !== 'string' ||
    Number.isNaN(Date.parse(c.time)) ||
    new Date(c.time).toISOString() !== c.time
  ) {
    throw new Refused(`${where}: time is not an ISO-8601 UTC time`);
  }
  if (typeof c.keyId !== 'string' || !/^[0-9a-f]{32}$/.test(c.keyId))
    throw new Refused(`${where}: keyId is not 16 bytes of hex`);
  if (
    typeof c.signature !== 'string' ||
    Buffer.from(c.signature, 'base64').toString('base64') !== c.signature
  ) {
    throw new Refused(`${where}: signature is not base64`);
  }
  return c as unknown as Checkpoint;
}

function checkSignature(checkpoint: Checkpoint, pem: unknown, options: VerifierOptions): void {
  if (typeof pem !== 'string') throw new Refused(`no public key for key ${checkpoint.keyId}`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Refused(`the public key of ${checkpoint.keyId} is not a key`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Refused(`the public key of ${checkpoint.keyId} is not Ed25519`);
  if (key.export({ type: 'spki', format: 'pem' }).toString() !== pem)
    throw new Refused(`the public key of ${checkpoint.keyId} is not in canonical PEM`);
  const keyId = sha256(key.export({ type: 'spki', format: 'der' }))
    .toString('hex')
    .slice(0, 32);
  if (keyId !== checkpoint.keyId)
    throw new Refused(`the public key given is ${keyId}, not ${checkpoint.keyId}`);
  if (options.trustedKeys) {
    const trusted = options.trustedKeys[keyId];
    if (
      trusted === undefined ||
      createPublicKey(trusted).export({ type: 'spki', format: 'pem' }).toString() !== pem
    ) {
      throw new Refused(`key ${keyId} is not one of the trusted keys`);
    }
  }
  if (!verify(null, checkpointMessage(checkpoint), key, Buffer.from(checkpoint.signature, 'base64'))) {
    throw new Refused(`the checkpoint of ${checkpoint.treeSize} leaves is not signed by key ${keyId}`);
  }
}

// ---- Strict reading ----

class Refused extends Error {}

function parse(file: unknown): Record<string, unknown> {
  let value = file;
  if (typeof file === 'string') {
    try {
      value = JSON.parse(file);
    } catch {
      throw new Refused('the file is not JSON');
    }
  }
  if (!isObject(value)) throw new Refused('the file is not a JSON object');
  return value;
}

function exactKeys(value: unknown, keys: string[], where: string): asserts value is Record<string, unknown> {
  if (!isObject(value)) throw new Refused(`${where} is not an object`);
  const actual = Object.keys(value).sort();
  const expected = [...keys].sort();
  if (actual.length !== expected.length || actual.some((k, i) => k !== expected[i])) {
    throw new Refused(`${where} has members ${actual.join(', ')}, not ${expected.join(', ')}`);
  }
}

function hashList(value: unknown, where: string): Buffer[] {
  if (!Array.isArray(value) || !value.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
    throw new Refused(`${where} is not a list of 32-byte hex hashes`);
  }
  return value.map((h: string) => Buffer.from(h, 'hex'));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
