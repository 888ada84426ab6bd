import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import type { Hono } from 'hono';
import type { PartnerKeys } from '#adapters/partnerKeys';
import type { IntakePolicy } from '#domain/validateOrder';
import { createIntakeHttpApp, type IntakeHttpOptions } from '#handlers/receiveOrderOverHttp';
import {
  type BatchFile,
  type BatchReport,
  receiveOrdersFromBatchFile,
} from '#handlers/receiveOrdersFromBatchFile';
import { requirePartnerKey } from '#handlers/requirePartnerKey';

export { type InboxWatcher, type InboxWatcherOptions, startInboxWatcher } from '#adapters/inboxWatcher';
export {
  maxBatchFileBytes,
  maxNestingDepth,
  maxOrderBytes,
  maxOrdersPerBatch,
  OrderDocumentError,
  PayloadTooLargeError,
} from '#adapters/orderDocumentParser';
export {
  InvalidPartnerNameError,
  type KeyIdentity,
  newPartnerKey,
  type Partner,
  PartnerExistsError,
  PartnerKeys,
  PartnerNotFoundError,
  partnerKeyHash,
  partnerKeysTable,
  partnerNamePattern,
} from '#adapters/partnerKeys';
export {
  type Admission,
  defaultPartnerUsagePlan,
  InvalidUsagePlanError,
  localPartnerUsagePlan,
  PartnerThrottle,
  type PartnerUsagePlan,
  validUsagePlan,
} from '#domain/partnerUsagePlan';
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
export { requirePartnerKey } from '#handlers/requirePartnerKey';

export interface IntakeDeps {
  /** A store appending as `mtd.intake` (it may only write `order-*` streams). */
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  /** Plausibility settings (clock skew, earliest placedAt); {@link defaultIntakePolicy} otherwise. */
  policy?: Partial<IntakePolicy>;
  http?: IntakeHttpOptions;
  /**
   * Partner keys and usage plans, checked on `POST /orders` where no API Gateway stands in front
   * (the local runtime). Batch files in the inbox are not HTTP and need no key.
   */
  partnerKeys?: PartnerKeys;
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
    httpApp: createIntakeHttpApp(deps, {
      ...deps.http,
      ...(deps.partnerKeys ? { gate: requirePartnerKey({ keys: deps.partnerKeys, clock: deps.clock }) } : {}),
    }),
    receiveBatchFile: (file) => receiveOrdersFromBatchFile(deps, file),
  };
}
