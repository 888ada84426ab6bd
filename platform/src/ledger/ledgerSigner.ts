import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

/** A public key a checkpoint names: its id and the key itself (SPKI, PEM). */
export interface LedgerPublicKey {
  keyId: string;
  pem: string;
}

/**
 * Where checkpoint signatures come from. Pluggable so the key can live where it is safest: a 0600 file
 * locally ({@link fileLedgerSigner}); on AWS, a KMS key of spec ECC_NIST_EDWARDS25519 (the private key
 * never leaves KMS, every signature is in CloudTrail, rotation is a new key) fits the same two methods.
 */
export interface LedgerSigner {
  /** The key that signs now. */
  currentKey(): Promise<LedgerPublicKey>;
  /** An Ed25519 signature of `message` by the key `keyId`; throws if this signer no longer holds it. */
  sign(keyId: string, message: Buffer): Promise<Buffer>;
}

/** A key's id: the first 16 bytes of SHA-256 of its SPKI DER, hex. Derived, so it cannot name another key. */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32);
}

/** The PEM of a public key, in the one form the ledger stores and proofs carry. */
export function publicKeyPemOf(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** A signer holding an Ed25519 private key in memory (a new one when none is given): tests, tools. */
export function ed25519LedgerSigner(privateKey?: KeyObject): LedgerSigner {
  const key = privateKey ?? generateKeyPairSync('ed25519').privateKey;
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('a ledger signing key must be Ed25519');
  const publicKey = createPublicKey(key);
  const current = { keyId: keyIdOf(publicKey), pem: publicKeyPemOf(publicKey) };
  return {
    currentKey: async () => current,
    sign: async (keyId, message) => {
      if (keyId !== current.keyId) throw new Error(`this signer does not hold key ${keyId}`);
      return sign(null, message, key);
    },
  };
}

/** True when `signature` is `pem`'s Ed25519 signature of `message`. Never throws. */
export function verifyEd25519(pem: string, message: Buffer, signature: Buffer): boolean {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' && verify(null, message, key, signature);
  } catch {
    return false;
  }
}
