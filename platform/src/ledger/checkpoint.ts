import { keyIdOf, type LedgerSigner, verifyEd25519 } from './ledgerSigner';

/**
 * A signed statement that the ledger named `origin` had `treeSize` leaves with root `rootHash` at
 * `time`. Anyone holding one can later demand a consistency proof to any bigger checkpoint, so the
 * ledger cannot rewrite what it covers without the signature or the proof failing.
 */
export interface SignedCheckpoint {
  origin: string;
  treeSize: number;
  /** MTH of the first treeSize leaves, lowercase hex. */
  rootHash: string;
  /** ISO-8601 UTC. */
  time: string;
  /** The signing key (see keyIdOf). */
  keyId: string;
  /** Ed25519 signature of {@link checkpointMessage}, base64. */
  signature: string;
}

export type CheckpointBody = Omit<SignedCheckpoint, 'signature'>;

/**
 * The exact bytes signed: one `name value` line per field under a format line, in this order, each
 * ending in a newline (after the C2SP signed-note checkpoint body). The key id is inside the signed
 * text, so a signature cannot be moved to another key's name.
 */
export function checkpointMessage(body: CheckpointBody): Buffer {
  return Buffer.from(
    [
      'mtd-ledger-checkpoint/1',
      `origin ${body.origin}`,
      `size ${body.treeSize}`,
      `root ${body.rootHash}`,
      `time ${body.time}`,
      `key ${body.keyId}`,
      '',
    ].join('\n'),
    'utf8',
  );
}

export async function signCheckpoint(
  signer: LedgerSigner,
  body: Omit<CheckpointBody, 'keyId'>,
): Promise<{ checkpoint: SignedCheckpoint; publicKeyPem: string }> {
  const key = await signer.currentKey();
  const full: CheckpointBody = { ...body, keyId: key.keyId };
  const signature = await signer.sign(key.keyId, checkpointMessage(full));
  return { checkpoint: { ...full, signature: signature.toString('base64') }, publicKeyPem: key.pem };
}

/** Why a checkpoint's signature does not hold under `pem`, or undefined when it does. */
export function checkpointSignatureProblem(
  checkpoint: SignedCheckpoint,
  pem: string | undefined,
): string | undefined {
  if (pem === undefined) return `no public key ${checkpoint.keyId} is known`;
  let keyId: string;
  try {
    keyId = keyIdOf(pem);
  } catch {
    return `the public key stored as ${checkpoint.keyId} is not a key`;
  }
  if (keyId !== checkpoint.keyId)
    return `the public key stored as ${checkpoint.keyId} is another key (${keyId})`;
  const signature = Buffer.from(checkpoint.signature, 'base64');
  if (signature.toString('base64') !== checkpoint.signature) return 'the signature is not base64';
  if (!verifyEd25519(pem, checkpointMessage(checkpoint), signature)) {
    return `the signature does not verify under key ${checkpoint.keyId}`;
  }
  return undefined;
}
