import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import type { Hono } from 'hono';
import type { IntakePolicy } from '#domain/validateOrder';
import { createIntakeHttpApp, type IntakeHttpOptions } from '#handlers/receiveOrderOverHttp';
import {
  type BatchFile,
  type BatchReport,
  receiveOrdersFromBatchFile,
} from '#handlers/receiveOrdersFromBatchFile';

export { type InboxWatcher, type InboxWatcherOptions, startInboxWatcher } from '#adapters/inboxWatcher';
export {
  maxBatchFileBytes,
  maxNestingDepth,
  maxOrderBytes,
  maxOrdersPerBatch,
  OrderDocumentError,
  PayloadTooLargeError,
} from '#adapters/orderDocumentParser';
export { OrderConflictError } from '#domain/receiveOrder';
export { defaultIntakePolicy, dteLimits, type IntakePolicy } from '#domain/validateOrder';
export { type IntakeHandlerDeps, maxCommitBytes, type OrderOutcome } from '#handlers/receiveCandidateOrder';
export {
  createIntakeHttpApp,
  httpServerLimits,
  type IntakeHttpOptions,
  maxDiscardedBodyBytes,
} from '#handlers/receiveOrderOverHttp';
export type {
  BatchFile,
  BatchOrderOutcome,
  BatchOrderReport,
  BatchReport,
} from '#handlers/receiveOrdersFromBatchFile';
export { receiveOrdersFromBatchFile } from '#handlers/receiveOrdersFromBatchFile';

export interface IntakeDeps {
  /** A store appending as `mtd.intake` (it may only write `order-*` streams). */
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  /** Plausibility settings (clock skew, earliest placedAt); {@link defaultIntakePolicy} otherwise. */
  policy?: Partial<IntakePolicy>;
  http?: IntakeHttpOptions;
}

export interface Intake {
  /** `POST /orders`; serve with `app.fetch`. */
  httpApp: Hono;
  /** Records every order of one batch file and reports what happened to each. */
  receiveBatchFile: (file: BatchFile) => Promise<BatchReport>;
}

/**
 * The intake service wired to its dependencies.
 *
 * @example
 * const intake = createIntake({ store: engine.storeFor(Sources.intake), clock: systemClock, ids: ulidGenerator() });
 * const watcher = await startInboxWatcher({ dir: '.mtd/inbox', receiveBatchFile: intake.receiveBatchFile });
 */
export function createIntake(deps: IntakeDeps): Intake {
  return {
    httpApp: createIntakeHttpApp(deps, deps.http),
    receiveBatchFile: (file) => receiveOrdersFromBatchFile(deps, file),
  };
}
