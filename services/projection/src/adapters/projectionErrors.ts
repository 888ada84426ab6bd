/** The order view kept changing under us; the handler throws it so the delivery is retried later. */
export class OrderViewWriteConflictError extends Error {
  override readonly name = 'OrderViewWriteConflictError';
  constructor(
    readonly orderId: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(
      `order view ${orderId} changed concurrently ${attempts} times in a row; giving up this delivery`,
      options,
    );
  }
}

/** This deployment of the query API was not given the audit ledger to read. */
export class AuditLedgerUnavailableError extends Error {
  override readonly name = 'AuditLedgerUnavailableError';
  constructor() {
    super('the audit ledger is not available from this query API');
  }
}

/** A pagination cursor that this service did not hand out (or that was altered). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor(readonly cursor: string) {
    super(
      `cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this API returned; start again without it`,
    );
  }
}
