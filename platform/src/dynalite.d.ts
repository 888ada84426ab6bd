declare module 'dynalite' {
  import type { Server } from 'node:http';
  import type { AttributeValue } from '@aws-sdk/client-dynamodb';

  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }
  export default function dynalite(options?: DynaliteOptions): Server;

  // The internals below are what the in-process engine (dynaliteRequestHandler.ts) uses; they are
  // CommonJS modules of dynalite 4.0.0 (`dynalite/db`, `dynalite/validations`, `dynalite/actions/*`,
  // `dynalite/validations/*`), loaded with `require` and typed only as far as we call them.

  export type DynaliteItem = Record<string, AttributeValue>;

  /** The errors dynalite answers with: `body` is the DynamoDB JSON error (`__type`, `message`). */
  export interface DynaliteError extends Error {
    statusCode?: number;
    body?: { __type: string; message?: string; Message?: string };
  }

  export type DynaliteCallback<T> = (err: DynaliteError | null | undefined, value?: T) => void;

  /** A table description as dynalite stores it (DescribeTable's `Table`). */
  export interface DynaliteTable {
    TableName: string;
    TableStatus: string;
  }

  export interface DynaliteItemDb {
    get(key: string, cb: DynaliteCallback<DynaliteItem>): void;
    put(key: string, item: DynaliteItem, cb: DynaliteCallback<void>): void;
    del(key: string, cb: DynaliteCallback<void>): void;
    /** A per-table, per-key FIFO lock (the `lock` package); `release(done)` wraps `done` so it releases first. */
    lock(key: string, exec: (release: (done: () => void) => () => void) => void): void;
  }

  export interface DynaliteStore {
    options: { maxItemSize: number };
    /** The LevelDB store, its put/get/del/batch wrapped by dynalite to take callbacks. */
    db: DynaliteLevel;
    getTable(name: string, cb: DynaliteCallback<DynaliteTable>): void;
    getTable(name: string, checkStatus: boolean, cb: DynaliteCallback<DynaliteTable>): void;
    /** Where table definitions are kept (one LevelDB key per table). */
    tableDb: {
      put(key: string, value: unknown, cb: (err?: Error | null) => void): void;
      del(key: string, cb: (err?: Error | null) => void): void;
    };
    getItemDb(tableName: string): DynaliteItemDb;
    /** Waits for the store's pending LevelDB operations, then closes it (what `server.close` does). */
    lifecycleManager: {
      gracefulClose(): Promise<void>;
      /** Keeps `operation` in the set gracefulClose waits for. */
      trackOperation<T>(operation: Promise<T>): Promise<T>;
    };
  }

  export interface DynaliteLevel {
    /** abstract-level's; options other than its own go to LevelDB (classic-level's open options). */
    open(options?: Record<string, unknown>): Promise<void>;
    put(key: string, value: unknown, cb: (err?: Error | null) => void): void;
    get(key: string, cb: (err: Error | null, value?: unknown) => void): void;
    del(key: string, cb: (err?: Error | null) => void): void;
    batch(
      operations: ({ type: 'put'; key: string; value: unknown } | { type: 'del'; key: string })[],
      cb: (err?: Error | null) => void,
    ): void;
    /** abstract-level's own (promises; values undefined where a key is absent). */
    getMany(keys: string[]): Promise<unknown[]>;
  }

  /** `dynalite/db` */
  export interface DynaliteDb {
    create(options: DynaliteOptions): DynaliteStore;
    validateItem(item: DynaliteItem, table: DynaliteTable): DynaliteError | null | undefined;
    validateKey(key: DynaliteItem, table: DynaliteTable): DynaliteError | null | undefined;
    createKey(itemOrKey: DynaliteItem, table: DynaliteTable): string;
    /** Evaluates `data._condition` (parsed ConditionExpression) or `data.Expected` on the stored item. */
    checkConditional(data: object, existingItem: DynaliteItem | undefined): DynaliteError | null | undefined;
    updateIndexes(
      store: DynaliteStore,
      table: DynaliteTable,
      existingItem: DynaliteItem | undefined,
      item: DynaliteItem | null,
      cb: DynaliteCallback<void>,
    ): void;
    validationError(message: string): DynaliteError;
  }

  /** `dynalite/validations/<action>`: the request's shape, and the checks past the shape. */
  export interface DynaliteActionValidation {
    types: object;
    custom?: (data: Record<string, unknown>, store: DynaliteStore) => string | undefined;
  }

  /** `dynalite/validations` */
  export interface DynaliteValidations {
    /** Drops unknown members and checks types; throws a DynaliteError (SerializationException). */
    checkTypes(data: unknown, types: object): Record<string, unknown>;
    /** Throws a DynaliteError (ValidationException); parses expressions into `data._condition` etc. */
    checkValidations(
      data: Record<string, unknown>,
      types: object,
      custom: DynaliteActionValidation['custom'],
      store: DynaliteStore,
    ): void;
  }

  /** What dynalite's expression parsers are given: the request's names and values, what is unused. */
  export interface DynaliteParseContext {
    attrNames?: Record<string, string>;
    attrVals?: Record<string, unknown>;
    unusedAttrNames: Record<string, true>;
    unusedAttrVals: Record<string, true>;
    /** Set before a KeyConditionExpression is parsed (and left set for the FilterExpression after it). */
    isKeyCondition?: boolean;
  }

  /**
   * `dynalite/db/conditionParser` (a PEG.js parser): a parsed expression, or an error message. Its
   * `parse` is looked up on this object at each call (validations/index.js), so it can be wrapped.
   */
  export interface DynaliteConditionParser {
    parse(expression: string, options: { context: DynaliteParseContext }): object | string;
  }

  /** `dynalite/actions/<action>` */
  export type DynaliteAction = (
    store: DynaliteStore,
    data: Record<string, unknown>,
    cb: DynaliteCallback<unknown>,
  ) => void;
}
