import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointMessage, checkpointSignatureProblem, signCheckpoint } from './checkpoint';
import { fileLedgerSalts, fileLedgerSigner } from './fileLedgerKeys';
import { ed25519LedgerSigner, keyIdOf } from './ledgerSigner';

const body = {
  origin: 'mtd-ledger',
  treeSize: 5,
  rootHash: 'ab'.repeat(32),
  time: '2026-11-24T10:00:00.000Z',
};

const dirs: string[] = [];
async function aDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-keys-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('checkpoint signatures', () => {
  it('signs the checkpoint text, naming the key, and verifies under that key only', async () => {
    const signer = ed25519LedgerSigner();
    const { checkpoint, publicKeyPem } = await signCheckpoint(signer, body);
    expect(checkpoint.keyId).toBe(keyIdOf(publicKeyPem));
    expect(checkpointMessage(checkpoint).toString()).toBe(
      `mtd-ledger-checkpoint/1\norigin mtd-ledger\nsize 5\nroot ${'ab'.repeat(32)}\ntime 2026-11-24T10:00:00.000Z\nkey ${checkpoint.keyId}\n`,
    );
    expect(checkpointSignatureProblem(checkpoint, publicKeyPem)).toBeUndefined();
    expect(checkpointSignatureProblem({ ...checkpoint, treeSize: 6 }, publicKeyPem)).toMatch(
      /does not verify/,
    );
    expect(checkpointSignatureProblem(checkpoint, undefined)).toMatch(/no public key/);
    const other = (await ed25519LedgerSigner().currentKey()).pem;
    expect(checkpointSignatureProblem(checkpoint, other)).toMatch(/is another key/);
  });

  it('refuses a key that is not Ed25519 and a key id it does not hold', async () => {
    expect(() => ed25519LedgerSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toThrow(
      /Ed25519/,
    );
    await expect(ed25519LedgerSigner().sign('0'.repeat(32), Buffer.from('x'))).rejects.toThrow(
      /does not hold/,
    );
  });
});

describe('keys kept in files', () => {
  it('makes the signing key on first use, 0600, and finds the same key next time', async () => {
    const dir = await aDir();
    const first = await fileLedgerSigner(dir);
    const key = await first.currentKey();
    expect((await stat(join(dir, 'ledger-signing-key.pem'))).mode & 0o777).toBe(0o600);
    expect(await (await fileLedgerSigner(dir)).currentKey()).toEqual(key);
    const { checkpoint } = await signCheckpoint(first, body);
    expect(checkpointSignatureProblem(checkpoint, key.pem)).toBeUndefined();
  });

  it('rotates to a new key and destroys the old private key', async () => {
    const dir = await aDir();
    const signer = await fileLedgerSigner(dir);
    const old = await signer.currentKey();
    const { checkpoint } = await signCheckpoint(signer, body);
    const next = await signer.rotate();
    expect(next.keyId).not.toBe(old.keyId);
    expect(await (await fileLedgerSigner(dir)).currentKey()).toEqual(next);
    await expect(signer.sign(old.keyId, Buffer.from('x'))).rejects.toThrow(/does not hold/);
    // What the old key signed still verifies under its public key.
    expect(checkpointSignatureProblem(checkpoint, old.pem)).toBeUndefined();
    expect((await stat(join(dir, 'ledger-signing-key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('keeps the salt secret 0600 and derives the same salts after a restart', async () => {
    const dir = await aDir();
    const salts = await fileLedgerSalts(dir);
    expect((await stat(join(dir, 'ledger-salt.key'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, 'ledger-salt.key'), 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    const again = await fileLedgerSalts(dir);
    expect(again.saltFor('e1', '/data/to').equals(salts.saltFor('e1', '/data/to'))).toBe(true);
    expect(salts.saltFor('e1', '/data/to').equals(salts.saltFor('e2', '/data/to'))).toBe(false);
  });
});
