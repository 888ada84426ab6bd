export * from './checkpoint';
export * from './dynamoLedger';
export * from './fileLedgerKeys';
export * from './ledgerEntries';
export * from './ledgerErrors';
export * from './ledgerLeaf';
export * from './ledgerSigner';
export * from './ledgerVerification';
export * from './ledgerWriter';
export * from './merkle';
export {
  type Checkpoint,
  type ConsistencyProofFile,
  type LedgerProofFile,
  type ProofEntry,
  type ProofVerdict,
  type VerifierOptions,
  verifyConsistencyProof,
  verifyLedgerProof,
} from './proofVerifier';
export * from './storedEvents';
