import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendToFrontier,
  emptyTreeHash,
  leafHash,
  MerkleTree,
  merkleTreeHash,
  nodeHash,
  rootOfFrontier,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

const h = (hex: string) => Buffer.from(hex, 'hex');
const hexes = (hashes: Buffer[]) => hashes.map((x) => x.toString('hex'));

/**
 * The RFC 6962/9162 reference vectors for the 8-leaf tree, as used by Certificate Transparency's and
 * Go's tests (transparency-dev/merkle, proof/verify_test.go): leaf data, MTH of each prefix, and proofs.
 */
const leafData = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const roots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** Leaf index is 0-based here (the Go table counts from 1). */
const inclusionVectors = [
  { leaf: 0, size: 1, path: [] },
  {
    leaf: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const consistencyVectors = [
  { size1: 1, size2: 1, path: [] },
  {
    size1: 1,
    size2: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    path: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const referenceTree = new MerkleTree(leafData.map((d) => leafHash(h(d))));

/**
 * PATH and PROOF written a second time, the naive way (slicing the leaf list, hashing every subtree
 * from scratch), to hold the cached implementation to for every size the vectors do not cover.
 */
function naivePath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = splitPoint(leaves.length);
  return m < k
    ? [...naivePath(m, leaves.slice(0, k)), merkleTreeHash(leaves.slice(k))]
    : [...naivePath(m - k, leaves.slice(k)), merkleTreeHash(leaves.slice(0, k))];
}
function naiveSubproof(m: number, leaves: Buffer[], b: boolean): Buffer[] {
  if (m === leaves.length) return b ? [] : [merkleTreeHash(leaves)];
  const k = splitPoint(leaves.length);
  return m <= k
    ? [...naiveSubproof(m, leaves.slice(0, k), b), merkleTreeHash(leaves.slice(k))]
    : [...naiveSubproof(m - k, leaves.slice(k), false), merkleTreeHash(leaves.slice(0, k))];
}

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

function flipped(hash: Uint8Array, byte: number, bit: number): Buffer {
  const copy = Buffer.from(hash);
  copy[byte] = copy[byte]! ^ (1 << bit);
  return copy;
}

describe('RFC 9162 Merkle tree: the CT reference vectors', () => {
  it('hashes the empty tree, leaves and nodes with domain separation', () => {
    expect(emptyTreeHash.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe(roots[0]);
    expect(nodeHash(leafHash(h('')), leafHash(h('00'))).toString('hex')).toBe(roots[1]);
  });

  it('gives MTH of every prefix of the 8-leaf tree', () => {
    for (let n = 1; n <= 8; n++) {
      expect(referenceTree.root(n).toString('hex')).toBe(roots[n - 1]);
      expect(merkleTreeHash(leafData.slice(0, n).map((d) => leafHash(h(d)))).toString('hex')).toBe(
        roots[n - 1],
      );
    }
    expect(new MerkleTree().root().equals(emptyTreeHash)).toBe(true);
  });

  it('builds and verifies the reference inclusion proofs', () => {
    for (const v of inclusionVectors) {
      expect(hexes(referenceTree.inclusionProof(v.leaf, v.size))).toEqual(v.path);
      expect(
        verifyInclusion(v.leaf, v.size, referenceTree.leaf(v.leaf), v.path.map(h), h(roots[v.size - 1]!)),
      ).toBe(true);
    }
  });

  it('builds and verifies the reference consistency proofs', () => {
    for (const v of consistencyVectors) {
      expect(hexes(referenceTree.consistencyProof(v.size1, v.size2))).toEqual(v.path);
      expect(
        verifyConsistency(v.size1, v.size2, v.path.map(h), h(roots[v.size1 - 1]!), h(roots[v.size2 - 1]!)),
      ).toBe(true);
    }
  });

  it('refuses the corruptions the Go reference probes', () => {
    const v = inclusionVectors[2]!;
    const path = v.path.map(h);
    const leaf = referenceTree.leaf(v.leaf);
    const root = h(roots[v.size - 1]!);
    expect(verifyInclusion(v.leaf - 1, v.size, leaf, path, root)).toBe(false);
    expect(verifyInclusion(v.leaf + 1, v.size, leaf, path, root)).toBe(false);
    expect(verifyInclusion(v.leaf ^ 2, v.size, leaf, path, root)).toBe(false);
    expect(verifyInclusion(v.leaf, v.size * 2, leaf, path, root)).toBe(false);
    expect(verifyInclusion(v.leaf, v.size / 2, leaf, path, root)).toBe(false);
    expect(verifyInclusion(v.leaf, v.size, leaf, [...path, root], root)).toBe(false);
    expect(verifyInclusion(v.leaf, v.size, leaf, [root, ...path], root)).toBe(false);
    expect(verifyInclusion(v.leaf, v.size, leaf, path.slice(0, -1), root)).toBe(false);
    expect(verifyInclusion(v.leaf, v.size, leaf, path, emptyTreeHash)).toBe(false);
    const c = consistencyVectors[2]!;
    const [r1, r2] = [h(roots[c.size1 - 1]!), h(roots[c.size2 - 1]!)];
    const cPath = c.path.map(h);
    expect(verifyConsistency(c.size1 - 1, c.size2, cPath, r1, r2)).toBe(false);
    expect(verifyConsistency(c.size1 + 1, c.size2, cPath, r1, r2)).toBe(false);
    expect(verifyConsistency(c.size1, c.size2 * 2, cPath, r1, r2)).toBe(false);
    expect(verifyConsistency(c.size1, c.size2, cPath, r2, r1)).toBe(false);
    expect(verifyConsistency(c.size1, c.size2, [], r1, r2)).toBe(false);
    expect(verifyConsistency(c.size1, c.size2, [...cPath, r1], r1, r2)).toBe(false);
    expect(verifyConsistency(c.size1, c.size2, [cPath[0]!, ...cPath], r1, r2)).toBe(false);
    expect(verifyConsistency(c.size1, c.size2, cPath.slice(0, -1), r1, r2)).toBe(false);
    expect(verifyConsistency(c.size2, c.size1, cPath, r2, r1)).toBe(false);
    // Edge cases outside the RFC's 0 < size1 < size2, as the Go reference treats them.
    expect(verifyConsistency(0, 5, [], emptyTreeHash, r2)).toBe(true);
    expect(verifyConsistency(3, 3, [], r1, r1)).toBe(true);
    expect(verifyConsistency(3, 3, [], r1, r2)).toBe(false);
    expect(verifyConsistency(3, 3, [r1], r1, r1)).toBe(false);
  });
});

describe('RFC 9162 Merkle tree: properties over trees of 1..64 leaves', () => {
  it('agrees with the naive definitions of MTH, PATH and PROOF', () => {
    for (let n = 1; n <= 64; n++) {
      const leaves = leavesOf(n);
      const tree = new MerkleTree(leaves);
      expect(tree.root().equals(merkleTreeHash(leaves))).toBe(true);
      for (let m = 0; m < n; m++) expect(hexes(tree.inclusionProof(m))).toEqual(hexes(naivePath(m, leaves)));
      for (let m = 1; m < n; m++) {
        expect(hexes(tree.consistencyProof(m))).toEqual(hexes(naiveSubproof(m, leaves, true)));
      }
    }
  });

  it('verifies every inclusion proof of every leaf, and no proof for another leaf or index', () => {
    for (let n = 1; n <= 64; n++) {
      const tree = new MerkleTree(leavesOf(n));
      const root = tree.root();
      for (let m = 0; m < n; m++) {
        const path = tree.inclusionProof(m);
        expect(verifyInclusion(m, n, tree.leaf(m), path, root)).toBe(true);
        if (n > 1) expect(verifyInclusion((m + 1) % n, n, tree.leaf(m), path, root)).toBe(false);
        expect(verifyInclusion(m, n, tree.leaf((m + 1) % n), path, root)).toBe(n === 1);
      }
    }
  });

  it('verifies every consistency proof for every m <= n <= 64', () => {
    const tree = new MerkleTree(leavesOf(64));
    for (let n = 1; n <= 64; n++) {
      for (let m = 0; m <= n; m++) {
        expect(verifyConsistency(m, n, tree.consistencyProof(m, n), tree.root(m), tree.root(n))).toBe(true);
      }
    }
  });

  it('fails when any bit of a proof, a leaf or a root is flipped', () => {
    const tree = new MerkleTree(leavesOf(64));
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 64 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 7 }),
        fc.nat(),
        ([n, m], byte, bit, pick) => {
          const path = tree.inclusionProof(m, n);
          const root = tree.root(n);
          const leaf = tree.leaf(m);
          expect(verifyInclusion(m, n, flipped(leaf, byte, bit), path, root)).toBe(false);
          expect(verifyInclusion(m, n, leaf, path, flipped(root, byte, bit))).toBe(false);
          if (path.length > 0) {
            const i = pick % path.length;
            const bad = path.map((p, j) => (j === i ? flipped(p, byte, bit) : p));
            expect(verifyInclusion(m, n, leaf, bad, root)).toBe(false);
          }
        },
      ),
    );
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 64 })
          .chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n))),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 7 }),
        fc.nat(),
        ([m, n], byte, bit, pick) => {
          const proof = tree.consistencyProof(m, n);
          const [r1, r2] = [tree.root(m), tree.root(n)];
          const i = pick % proof.length;
          const bad = proof.map((p, j) => (j === i ? flipped(p, byte, bit) : p));
          expect(verifyConsistency(m, n, bad, r1, r2)).toBe(false);
          expect(verifyConsistency(m, n, proof, flipped(r1, byte, bit), r2)).toBe(false);
          expect(verifyConsistency(m, n, proof, r1, flipped(r2, byte, bit))).toBe(false);
        },
      ),
    );
  });

  it('keeps the compact range (frontier) the tree itself would give, leaf by leaf', () => {
    const leaves = leavesOf(70);
    const tree = new MerkleTree(leaves);
    let frontier: Buffer[] = [];
    for (let n = 0; n < leaves.length; n++) {
      expect(hexes(frontier)).toEqual(hexes(tree.frontier(n)));
      expect(rootOfFrontier(frontier).equals(tree.root(n))).toBe(true);
      frontier = appendToFrontier(frontier, n, leaves[n]!);
    }
  });
});
