import { createHash, hash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency v2), §2.1, with SHA-256. Written to be read
 * beside the RFC: each function names the section it implements. Hashes are 32-byte Buffers; leaf
 * indexes and tree sizes are plain numbers (safe integers, far beyond any ledger's size).
 *
 * Domain separation (§2.1.1): a leaf hash is SHA-256(0x00 || data), an interior node is
 * SHA-256(0x01 || left || right), so no leaf can pass for a node and no node for a leaf.
 */

/** SHA-256 of nothing: MTH({}), the hash of the empty tree (§2.1.1). */
export const emptyTreeHash: Buffer = createHash('sha256').digest();

const leafPrefix = Buffer.from([0x00]);
const nodePrefix = Buffer.from([0x01]);

/** MTH({d}) = SHA-256(0x00 || d): the hash of one leaf's data. */
export function leafHash(data: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([leafPrefix, data]), 'buffer');
}

/** SHA-256(0x01 || left || right): an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([nodePrefix, left, right]), 'buffer');
}

/** The largest power of two strictly smaller than n (n > 1): the RFC's k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * MTH(D[n]) straight from the definition (§2.1.1), over leaf hashes. O(n) and recursive: the
 * reference the tests hold {@link MerkleTree} to, not what the ledger runs.
 */
export function merkleTreeHash(leafHashes: readonly Buffer[]): Buffer {
  const n = leafHashes.length;
  if (n === 0) return emptyTreeHash;
  if (n === 1) return leafHashes[0]!;
  const k = splitPoint(n);
  return nodeHash(merkleTreeHash(leafHashes.slice(0, k)), merkleTreeHash(leafHashes.slice(k)));
}

/**
 * An append-only tree of leaf hashes that keeps every complete subtree's hash (a tree of size n holds
 * about 2n hashes), so MTH of any prefix and every proof cost O(log n) hashes instead of O(n).
 */
export class MerkleTree {
  /**
   * levels[h]: the hashes of the complete subtrees of 2^h leaves, left to right, 32 bytes each, in
   * one growing buffer per level (a hundred thousand leaves are then a few buffers, not 200,000).
   */
  private readonly levels: Buffer[] = [];
  /** counts[h]: how many hashes levels[h] holds. */
  private readonly counts: number[] = [];

  constructor(leafHashes: Iterable<Buffer> = []) {
    for (const leaf of leafHashes) this.append(leaf);
  }

  get size(): number {
    return this.counts[0] ?? 0;
  }

  leaf(index: number): Buffer {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`no leaf ${index} in a tree of ${this.size}`);
    }
    return this.node(0, index);
  }

  append(leaf: Uint8Array): void {
    if (leaf.length !== 32) throw new RangeError('a leaf hash is 32 bytes');
    this.push(0, leaf);
    // Each time a level gets an even count, its last two hashes complete a subtree one level up.
    for (let h = 0; this.counts[h]! % 2 === 0; h++) {
      const count = this.counts[h]!;
      this.push(h + 1, nodeHash(this.node(h, count - 2), this.node(h, count - 1)));
    }
  }

  /** The hash of the complete subtree of 2^h leaves starting at leaf i·2^h. */
  private node(h: number, i: number): Buffer {
    return this.levels[h]!.subarray(i * 32, i * 32 + 32);
  }

  private push(h: number, hash: Uint8Array): void {
    const count = this.counts[h] ?? 0;
    let level = this.levels[h] ?? Buffer.alloc(0);
    if ((count + 1) * 32 > level.length) {
      const grown = Buffer.alloc(Math.max(1024, level.length * 2));
      level.copy(grown, 0, 0, count * 32);
      level = grown;
      this.levels[h] = level;
    }
    level.set(hash, count * 32);
    this.counts[h] = count + 1;
  }

  /** MTH(D[0:size]): the root of the tree as it was at `size` leaves. */
  root(size = this.size): Buffer {
    this.checkSize(size);
    return this.hashRange(0, size);
  }

  /** PATH(m, D[size]) (§2.1.3.1): the audit path of leaf m in the tree of `size` leaves. */
  inclusionProof(m: number, size = this.size): Buffer[] {
    this.checkSize(size);
    if (!Number.isSafeInteger(m) || m < 0 || m >= size) {
      throw new RangeError(`leaf ${m} is not in a tree of ${size}`);
    }
    return this.path(m, 0, size);
  }

  /**
   * PROOF(m, D[n]) (§2.1.4.1): proves MTH(D[0:m]) is a prefix of MTH(D[0:n]). The RFC defines it for
   * 0 < m < n; for m = 0 and m = n the proof is empty, as in the Go reference (transparency-dev/merkle).
   */
  consistencyProof(m: number, n = this.size): Buffer[] {
    this.checkSize(n);
    if (!Number.isSafeInteger(m) || m < 0 || m > n) throw new RangeError(`size ${m} is not within 0..${n}`);
    if (m === 0 || m === n) return [];
    return this.subproof(m, 0, n, true);
  }

  /**
   * The compact range of [0, size): the hashes of the complete subtrees the tree of `size` leaves is
   * made of, largest (leftmost) first, one per set bit of `size`. Enough to append and to find the root.
   */
  frontier(size = this.size): Buffer[] {
    this.checkSize(size);
    const result: Buffer[] = [];
    let start = 0;
    for (let width = highestPowerOfTwo(size), h = Math.log2(width); width >= 1; width /= 2, h -= 1) {
      if (size - start >= width) {
        result.push(this.node(h, start / width));
        start += width;
      }
    }
    return result;
  }

  /** MTH(D[lo:hi]): complete, aligned subtrees come from the cache; others split as §2.1.1 does. */
  private hashRange(lo: number, hi: number): Buffer {
    const n = hi - lo;
    if (n === 0) return emptyTreeHash;
    if (isPowerOfTwo(n) && lo % n === 0) return this.node(Math.log2(n), lo / n);
    const k = splitPoint(n);
    return nodeHash(this.hashRange(lo, lo + k), this.hashRange(lo + k, hi));
  }

  /** PATH(m, D[lo:hi]), m relative to lo. */
  private path(m: number, lo: number, hi: number): Buffer[] {
    const n = hi - lo;
    if (n === 1) return [];
    const k = splitPoint(n);
    if (m < k) return [...this.path(m, lo, lo + k), this.hashRange(lo + k, hi)];
    return [...this.path(m - k, lo + k, hi), this.hashRange(lo, lo + k)];
  }

  /** SUBPROOF(m, D[lo:hi], b), m relative to lo. */
  private subproof(m: number, lo: number, hi: number, b: boolean): Buffer[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.hashRange(lo, hi)];
    const k = splitPoint(n);
    if (m <= k) return [...this.subproof(m, lo, lo + k, b), this.hashRange(lo + k, hi)];
    return [...this.subproof(m - k, lo + k, hi, false), this.hashRange(lo, lo + k)];
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new RangeError(`size ${size} is not within 0..${this.size}`);
    }
  }
}

function highestPowerOfTwo(n: number): number {
  let width = 1;
  while (width * 2 <= n) width *= 2;
  return width;
}

/** The compact range of [0, size + 1): `frontier` (of [0, size)) with one more leaf. */
export function appendToFrontier(frontier: readonly Buffer[], size: number, leaf: Buffer): Buffer[] {
  const next = [...frontier];
  let carry = leaf;
  // Like adding 1 to a binary counter: each trailing 1-bit of size is a subtree of equal width to merge.
  for (let n = size; n % 2 === 1; n = (n - 1) / 2) carry = nodeHash(next.pop()!, carry);
  next.push(carry);
  return next;
}

/** MTH of the tree a compact range describes: its subtrees folded from the right (§2.1.1's split). */
export function rootOfFrontier(frontier: readonly Buffer[]): Buffer {
  if (frontier.length === 0) return emptyTreeHash;
  let root = frontier[frontier.length - 1]!;
  for (let i = frontier.length - 2; i >= 0; i--) root = nodeHash(frontier[i]!, root);
  return root;
}

/**
 * Verifies an inclusion proof (§2.1.3.2): that `leaf` is leaf `leafIndex` of the tree of `treeSize`
 * leaves whose root is `root`.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leaf: Uint8Array,
  inclusionPath: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !inclusionPath.every(isHash)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Uint8Array = leaf;
  for (const p of inclusionPath) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(root);
}

/**
 * Verifies a consistency proof (§2.1.4.2): that the tree of `size1` leaves with root `root1` is a
 * prefix of the tree of `size2` leaves with root `root2`. The RFC covers 0 < size1 < size2; the edge
 * cases follow the Go reference: size1 = size2 needs equal roots and an empty proof, size1 = 0 an
 * empty proof.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  consistencyPath: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) return false;
  if (!isHash(root1) || !isHash(root2) || !consistencyPath.every(isHash)) return false;
  if (size1 === size2) return consistencyPath.length === 0 && Buffer.from(root1).equals(root2);
  if (size1 === 0) return consistencyPath.length === 0;
  // 1. An empty path proves nothing.
  if (consistencyPath.length === 0) return false;
  // 2. When size1 is a power of two, its root is a node of the path the proof leaves out.
  const path = isPowerOfTwo(size1) ? [root1, ...consistencyPath] : [...consistencyPath];
  // 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 4.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5.
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  // 6.
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7.
  return Buffer.from(fr).equals(root1) && Buffer.from(sr).equals(root2) && sn === 0;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(hash: Uint8Array): boolean {
  return hash instanceof Uint8Array && hash.length === 32;
}
