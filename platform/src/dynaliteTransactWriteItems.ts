/// <reference path="./dynalite.d.ts" />
import { createRequire } from 'node:module';
import type {
  DynaliteActionValidation,
  DynaliteDb,
  DynaliteError,
  DynaliteItem,
  DynaliteItemDb,
  DynaliteStore,
  DynaliteTable,
  DynaliteValidations,
} from 'dynalite';
import { checkTypes } from './dynaliteTypeCheck';

const require = createRequire(import.meta.url);
const engineDb = require('dynalite/db') as DynaliteDb;
const validations = require('dynalite/validations') as DynaliteValidations;
// A transaction's Put is validated as a PutItem, its Delete and ConditionCheck as a DeleteItem (same
// members: TableName, Key, ConditionExpression and its attribute names and values).
const putValidation = require('dynalite/validations/putItem') as DynaliteActionValidation;
const deleteValidation = require('dynalite/validations/deleteItem') as DynaliteActionValidation;

/** DynamoDB's limit on actions in one TransactWriteItems. */
const maxActions = 100;

type Kind = 'Put' | 'Delete' | 'ConditionCheck';

interface PlannedAction {
  kind: Kind;
  /** The checked request, as dynalite's PutItem/DeleteItem see it (`_condition` parsed). */
  request: Record<string, unknown> & { Item?: DynaliteItem };
  table: DynaliteTable;
  itemDb: DynaliteItemDb;
  key: string;
  /** Table and key: what identifies the item across tables, and the global lock order. */
  lockId: string;
  returnOldItemOnFailure: boolean;
}

type CancellationReason =
  | { Code: 'None' }
  | { Code: 'ConditionalCheckFailed'; Message: string; Item?: DynaliteItem };

function callback<T>(run: (cb: (err: DynaliteError | null | undefined, value?: T) => void) => void) {
  return new Promise<T | undefined>((resolve, reject) =>
    run((err, value) => (err ? reject(err) : resolve(value))),
  );
}

function tableNamed(store: DynaliteStore, name: string) {
  return callback<DynaliteTable>((cb) => store.getTable(name, cb)) as Promise<DynaliteTable>;
}

function lockItem(itemDb: DynaliteItemDb, key: string): Promise<() => void> {
  return new Promise((resolve) => itemDb.lock(key, (release) => resolve(release(() => {}))));
}

async function storedItem(itemDb: DynaliteItemDb, key: string): Promise<DynaliteItem | undefined> {
  try {
    return await callback<DynaliteItem>((cb) => itemDb.get(key, cb));
  } catch (error) {
    if ((error as Error).name === 'NotFoundError') return undefined;
    throw error;
  }
}

/** Checks one TransactItems entry with dynalite's own PutItem/DeleteItem validation and key schema. */
async function plan(store: DynaliteStore, entry: unknown, index: number): Promise<PlannedAction> {
  const actions = (entry ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const present = Object.keys(actions).filter((name) => actions[name] != null);
  if (present.length !== 1)
    throw engineDb.validationError(
      `TransactItems[${index}] must hold exactly one of Put, Delete, ConditionCheck (it holds: ${present.join(', ') || 'none'})`,
    );
  const kind = present[0] as string;
  if (kind !== 'Put' && kind !== 'Delete' && kind !== 'ConditionCheck')
    throw engineDb.validationError(
      `TransactItems[${index}]: ${kind} is not supported in TransactWriteItems by the in-process engine (dynalite); use Put, Delete or ConditionCheck`,
    );
  const action = actions[kind] as Record<string, unknown>;
  const validation = kind === 'Put' ? putValidation : deleteValidation;
  const request = checkTypes(
    {
      TableName: action.TableName,
      ...(kind === 'Put' ? { Item: action.Item } : { Key: action.Key }),
      ConditionExpression: action.ConditionExpression,
      ExpressionAttributeNames: action.ExpressionAttributeNames,
      ExpressionAttributeValues: action.ExpressionAttributeValues,
    },
    validation.types as Record<string, unknown>,
  );
  validations.checkValidations(request, validation.types, validation.custom, store);
  if (kind === 'ConditionCheck' && request.ConditionExpression == null)
    throw engineDb.validationError(`TransactItems[${index}]: a ConditionCheck needs a ConditionExpression`);

  const table = await tableNamed(store, request.TableName as string);
  const itemOrKey = (kind === 'Put' ? request.Item : request.Key) as DynaliteItem;
  const invalid =
    kind === 'Put' ? engineDb.validateItem(itemOrKey, table) : engineDb.validateKey(itemOrKey, table);
  if (invalid) throw invalid;
  const key = engineDb.createKey(itemOrKey, table);
  return {
    kind,
    request,
    table,
    itemDb: store.getItemDb(table.TableName),
    key,
    lockId: `${table.TableName}\u0000${key}`,
    returnOldItemOnFailure: action.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
  };
}

function transactionCanceled(reasons: CancellationReason[]): DynaliteError {
  const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
    .map((reason) => reason.Code)
    .join(', ')}]`;
  return Object.assign(new Error(message), {
    statusCode: 400,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      message,
      CancellationReasons: reasons,
    },
  });
}

/**
 * TransactWriteItems (Put, Delete, ConditionCheck) for the in-process dynalite, which lacks it,
 * built from dynalite's own PutItem/DeleteItem steps: validate, lock, read, check, update indexes,
 * write. As on DynamoDB: at most 100 actions, at most one action per item, every condition is
 * checked before anything is written, and if any fails nothing is written and the answer is a
 * TransactionCanceledException with one CancellationReason per action, in request order.
 *
 * Isolation: every item involved stays locked, with dynalite's per-item lock (the one its PutItem,
 * DeleteItem and UpdateItem take), from before the first read until after the last write. Locks are
 * taken one by one in (table, key) order, so two transactions cannot deadlock; single-item calls
 * take one lock and cannot take part in a cycle.
 *
 * Crash atomicity is per item only: each item (and its index entries) is its own LevelDB write, so
 * a kill -9 between two writes leaves the first written and the second not. DynamoDB would write
 * all or none. That is acceptable for this engine's users, the local runtime's read-model writers:
 * each item they write is conditioned on its own version and the write is idempotent by version, so
 * the redelivery that follows a crash rewrites what is missing and the items already written pass
 * as already applied. Do not use it for writes whose items must agree without such a check.
 *
 * Not implemented: Update actions (answered with a ValidationException naming them),
 * ClientRequestToken idempotency (the token is ignored), ConsumedCapacity and item collection
 * metrics in the answer, and the 4 MB total size limit.
 */
export async function transactWriteItems(store: DynaliteStore, data: unknown): Promise<object> {
  const entries = (data as { TransactItems?: unknown } | null)?.TransactItems;
  if (!Array.isArray(entries) || entries.length === 0)
    throw engineDb.validationError('TransactItems must hold between 1 and 100 actions');
  if (entries.length > maxActions)
    throw engineDb.validationError(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${maxActions} (it has ${entries.length})`,
    );
  const planned: PlannedAction[] = [];
  for (const [index, entry] of entries.entries()) planned.push(await plan(store, entry, index));
  const lockIds = new Set(planned.map((action) => action.lockId));
  if (lockIds.size !== planned.length)
    throw engineDb.validationError('Transaction request cannot include multiple operations on one item');

  const releases: (() => void)[] = [];
  try {
    const inLockOrder = [...planned].sort((a, b) => (a.lockId < b.lockId ? -1 : a.lockId > b.lockId ? 1 : 0));
    for (const action of inLockOrder) releases.push(await lockItem(action.itemDb, action.key));

    const existing = await Promise.all(planned.map((action) => storedItem(action.itemDb, action.key)));
    const reasons = planned.map((action, i): CancellationReason => {
      const failed = engineDb.checkConditional(action.request, existing[i]);
      if (!failed) return { Code: 'None' };
      const item = existing[i];
      return {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(action.returnOldItemOnFailure && item ? { Item: item } : {}),
      };
    });
    if (reasons.some((reason) => reason.Code !== 'None')) throw transactionCanceled(reasons);

    // For each item, the same steps in the same order as dynalite's PutItem and DeleteItem once their
    // condition held; the items at once. They are distinct and all locked, so nothing else sees one
    // half-written, and their index entries are keyed by the item: the writes do not touch each other.
    // One after another, a page of views was ~3 LevelDB round trips per view, each also waiting its
    // turn of a busy event loop: seconds for one call (docs/decisions.md).
    const written = await Promise.allSettled(
      planned.map(async (action, i) => {
        if (action.kind === 'ConditionCheck') return;
        const newItem = action.kind === 'Put' ? (action.request.Item as DynaliteItem) : null;
        await callback<void>((cb) => engineDb.updateIndexes(store, action.table, existing[i], newItem, cb));
        if (newItem) await callback<void>((cb) => action.itemDb.put(action.key, newItem, cb));
        else await callback<void>((cb) => action.itemDb.del(action.key, cb));
      }),
    );
    // Every write has settled before the locks go (finally): a failure is thrown only then.
    const failed = written.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return {};
  } finally {
    for (const release of releases) release();
  }
}
