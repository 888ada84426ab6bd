import { join } from 'node:path';

/**
 * The local runtime's DynamoDB tables (in the embedded engine under `DATA/dynamodb`). A module of
 * its own so that tools opening a stopped runtime's folder (`mtd audit verify --data DIR`) name the
 * same tables without loading the runtime.
 */
export const tableNames = {
  events: 'mtd-events',
  checkpoints: 'mtd-checkpoints',
  deadLetters: 'mtd-dead-letters',
  folios: 'mtd-dte-folios',
  orders: 'mtd-projection-orders',
  timeline: 'mtd-projection-timeline',
  ledger: 'mtd-ledger',
  users: 'mtd-backoffice-users',
  /** Added with the back-office service; made on the first start of an older data folder. */
  signInAttempts: 'mtd-backoffice-sign-in-attempts',
  /** A claim per upload to the tax authority (dte's) and per email (notification's). */
  dteEffectClaims: 'mtd-dte-effect-claims',
  notificationEffectClaims: 'mtd-notification-effect-claims',
  partners: 'mtd-intake-partner-keys',
} as const;

/** The local audit ledger: the name its checkpoints carry, and where its keys are kept (0600). */
export const localLedger = {
  origin: 'mtd-local',
  keysDir: (dataDir: string) => join(dataDir, 'keys'),
} as const;
