/** Other writers kept taking the ledger's next page: more than one writer is running. */
export class LedgerConflictError extends Error {
  override readonly name = 'LedgerConflictError';
  constructor(
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(
      `another ledger writer took the next page ${attempts} times in a row: the ledger must have one writer`,
      options,
    );
  }
}

/** The ledger's own items cannot be read as the writer wrote them; `verify` names what broke. */
export class LedgerCorruptError extends Error {
  override readonly name = 'LedgerCorruptError';
}

/** A proof cannot be made as asked: nothing to prove, no covering checkpoint, or store and ledger disagree. */
export class LedgerProofError extends Error {
  override readonly name = 'LedgerProofError';
}

/** A checkpoint was asked of a ledger built without a signer. */
export class NoLedgerSignerError extends Error {
  override readonly name = 'NoLedgerSignerError';
  constructor() {
    super('this ledger has no signer: checkpoints need one');
  }
}
