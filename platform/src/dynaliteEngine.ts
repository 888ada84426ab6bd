/// <reference path="./dynalite.d.ts" />
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type {
  DynaliteAction,
  DynaliteActionValidation,
  DynaliteCallback,
  DynaliteConditionParser,
  DynaliteDb,
  DynaliteError,
  DynaliteLevel,
  DynaliteParseContext,
  DynaliteStore,
  DynaliteTable,
  DynaliteValidations,
} from 'dynalite';
import { transactWriteItems } from './dynaliteTransactWriteItems';
import { checkTypes } from './dynaliteTypeCheck';

// dynalite's internals are CommonJS files without an `exports` map; `require` loads them the way
// dynalite's own index.js does (an ESM import of `dynalite/db` would be a directory import).
const require = createRequire(import.meta.url);
const engineDb = require('dynalite/db') as DynaliteDb;
const validations = require('dynalite/validations') as DynaliteValidations;
const conditionParser = require('dynalite/db/conditionParser') as DynaliteConditionParser;

/** The operations dynalite 4.0.0 implements (its index.js `validOperations`), by target name. */
const operations = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'UpdateItem',
  'UpdateTable',
] as const;

const engineActions = new Map<string, { action: DynaliteAction; validation: DynaliteActionValidation }>(
  operations.map((operation) => {
    const file = operation.charAt(0).toLowerCase() + operation.slice(1);
    return [
      operation,
      {
        action: require(`dynalite/actions/${file}`) as DynaliteAction,
        validation: require(`dynalite/validations/${file}`) as DynaliteActionValidation,
      },
    ];
  }),
);

/** The parts of a smithy HttpRequest this handler reads: the target header and the JSON body. */
interface EngineRequest {
  headers: Record<string, string>;
  body?: unknown;
}

/** A smithy HttpResponse (duck-typed by the SDK: a numeric statusCode and a headers object). */
export interface EngineResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const utf8 = new TextDecoder();

export function isDynaliteError(error: unknown): error is DynaliteError & { statusCode: number } {
  return error instanceof Error && typeof (error as DynaliteError).statusCode === 'number';
}

function header(headers: Record<string, string>, name: string): string {
  for (const key in headers) if (key.toLowerCase() === name) return headers[key] ?? '';
  return '';
}

/** Runs one dynalite action; engine errors (statusCode + DynamoDB error body) reject as they are. */
function runAction(action: DynaliteAction, store: DynaliteStore, data: Record<string, unknown>) {
  return new Promise<unknown>((resolve, reject) =>
    action(store, data, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

interface LevelIterator {
  next(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * dynalite 4.0.0 turns LevelDB iterators into streams that end them with `iterator.return()`, which
 * abstract-level 3's iterators don't have: every Query and Scan left its iterator open until the
 * store closed. Open iterators pin LevelDB's memtables and table files, so a loaded runtime grew by
 * gigabytes of native memory (a 20,000-order soak reached 3.9 GB RSS with the JS heap capped at
 * 512 MB) and its data folder by gigabytes of obsolete files (8.7 GB, 367 MB after a reopen). These
 * streams close their iterator when they end or are destroyed (dynalite destroys a Query's or
 * Scan's stream once it has read what it needs); one its reader drops without either is closed when
 * the stream is garbage-collected.
 *
 * That last net replaced one closing every iterator a request opened once the request was answered:
 * it needed an AsyncLocalStorage, whose promise hooks cost every promise of the process (about 1 ms
 * of CPU per order, 5%: docs/decisions.md), and it never closed one the streams had not (counted
 * over a bench of 1,000 orders and a rebuild of 100,000 events).
 */
export function closeEveryIterator(db: Record<string, unknown>): void {
  for (const [method, source] of [
    ['createValueStream', 'values'],
    ['createKeyStream', 'keys'],
  ] as const) {
    db[method] = (options: unknown) => {
      const iterator = (db[source] as (options: unknown) => LevelIterator)(options);
      const close = closerOf(iterator);
      const stream = new Readable({
        objectMode: true,
        read() {
          iterator.next().then(
            (value) => {
              if (value === undefined) close().then(() => this.push(null));
              else this.push(value);
            },
            (error: Error) => this.destroy(error),
          );
        },
        destroy(error, callback) {
          droppedStreams.unregister(this);
          close().then(() => callback(error));
        },
      });
      droppedStreams.register(stream, close, stream);
      return stream;
    };
  }
}

/**
 * Closes `iterator` once, however often it is called. Made apart from the stream: a closure made in
 * the stream's scope would keep the stream reachable from the registry, which then never collects it.
 */
function closerOf(iterator: LevelIterator): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= iterator.close().catch(() => {});
    return closing;
  };
}

/** Closes the iterator of a stream collected while its iterator was still open (see closeEveryIterator). */
const droppedStreams = new FinalizationRegistry<() => Promise<void>>((close) => {
  close();
});

type LevelWrite = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

/**
 * dynalite sends every LevelDB read and write on its own (a BatchWriteItem of 25 views with 3
 * indexes is about 200 of them), and each costs a trip through libuv's thread pool and, for a
 * write, a write to LevelDB's log: that per-operation cost was most of a rebuild's CPU. Writes and
 * reads issued in the same turn of the event loop now go together: the writes as one LevelDB batch
 * (atomic, one log write), the reads as one getMany, each caller answered when its group is done.
 *
 * Nothing dynalite relies on changes: it orders dependent operations by their callbacks (an item's
 * lock is held until its put is answered; index entries are written before the item, and the
 * write that depends on a read waits for it), and each callback still comes only once its
 * operation is applied. Operations in flight together had no order between them before either
 * (the pool's threads run them in any order).
 */
function groupLevelOperations(db: DynaliteLevel, track: <T>(operation: Promise<T>) => Promise<T>): void {
  const put = db.put.bind(db);
  const get = db.get.bind(db);
  const del = db.del.bind(db);
  const batch = db.batch.bind(db);
  let writes: { operation: LevelWrite; cb: (err?: Error | null) => void }[] = [];
  let reads: { key: string; cb: (err: Error | null, value?: unknown) => void }[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const [w, r] = [writes, reads];
    writes = [];
    reads = [];
    if (w.length === 1) {
      const [{ operation, cb }] = w as [(typeof w)[number]];
      if (operation.type === 'put') put(operation.key, operation.value, cb);
      else del(operation.key, cb);
    } else if (w.length > 1) {
      batch(
        w.map((x) => x.operation),
        (err) => {
          for (const x of w) x.cb(err);
        },
      );
    }
    if (r.length === 1) get(r[0]!.key, r[0]!.cb);
    else if (r.length > 1) {
      track(db.getMany(r.map((x) => x.key))).then(
        (values) =>
          setImmediate(() => {
            for (const [i, x] of r.entries()) x.cb(null, values[i]);
          }),
        (error: Error) =>
          setImmediate(() => {
            for (const x of r) x.cb(error);
          }),
      );
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  // Without a callback (promise style, which dynalite does not use), an operation goes alone.
  db.put = (key, value, cb) => {
    if (typeof cb !== 'function') return put(key, value, cb);
    writes.push({ operation: { type: 'put', key, value }, cb });
    schedule();
  };
  db.del = (key, cb) => {
    if (typeof cb !== 'function') return del(key, cb);
    writes.push({ operation: { type: 'del', key }, cb });
    schedule();
  };
  db.get = (key, cb) => {
    if (typeof cb !== 'function') return get(key, cb);
    reads.push({ key, cb });
    schedule();
  };
}

/**
 * dynalite reads a table's definition from LevelDB (a get and a JSON decode) at the start of every
 * request: about a tenth of a rebuild's CPU went there. Definitions change only through the table
 * store's own writes (CreateTable, UpdateTable, DeleteTable), so active definitions are kept in
 * memory and dropped whenever any definition is written or deleted; a read that was under way when
 * one was written is not kept (it may hold the definition from before the write).
 */
function cacheTableDefinitions(store: DynaliteStore): void {
  const active = new Map<string, DynaliteTable>();
  // Bumped by every definition write: a read that began before a write must not cache what it read.
  let generation = 0;
  const changed = () => {
    generation++;
    active.clear();
  };
  const { tableDb } = store;
  const put = tableDb.put.bind(tableDb);
  const del = tableDb.del.bind(tableDb);
  tableDb.put = (key, value, cb) => {
    changed();
    put(key, value, (err) => {
      changed();
      cb(err);
    });
  };
  tableDb.del = (key, cb) => {
    changed();
    del(key, (err) => {
      changed();
      cb(err);
    });
  };
  const getTable = store.getTable.bind(store) as (
    name: string,
    checkStatus: boolean | DynaliteCallback<DynaliteTable>,
    cb?: DynaliteCallback<DynaliteTable>,
  ) => void;
  store.getTable = ((
    name: string,
    checkStatus: boolean | DynaliteCallback<DynaliteTable>,
    cb?: DynaliteCallback<DynaliteTable>,
  ) => {
    const callback = (
      typeof checkStatus === 'function' ? checkStatus : cb
    ) as DynaliteCallback<DynaliteTable>;
    const cached = active.get(name);
    if (cached) return queueMicrotask(() => callback(null, cached));
    const readAt = generation;
    const remember: DynaliteCallback<DynaliteTable> = (err, table) => {
      if (!err && table?.TableStatus === 'ACTIVE' && generation === readAt) active.set(name, table);
      callback(err, table);
    };
    // Called as dynalite calls it: with two arguments its own checkStatus is the (truthy) callback.
    if (typeof checkStatus === 'function') getTable(name, remember);
    else getTable(name, checkStatus, remember);
  }) as DynaliteStore['getTable'];
}

/**
 * dynalite parses each ConditionExpression anew with its PEG.js parser: ~30 µs of CPU for
 * `attribute_not_exists(#pk)`, about half of a conditional PutItem's CPU in the engine once the
 * SDK's JSON round trip was gone (docs/decisions.md), and it allocated more than anything else in
 * the engine. The runtime's writes carry a handful of conditions, with new values each time
 * (`revision = :rev`, Powertools' claim condition). A parse depends on the expression, the
 * attribute names, which value names exist, and, only through a few checks (below), on the values;
 * the values themselves are placed in the parsed tree as they are. So a parse is kept (at most
 * {@link parsesKept}, all dropped when full) by expression, names and value names, and given again
 * with this request's values in place of the first one's; what the parse did besides (marking the
 * names and values it uses, so unused ones are refused after) is done again on each request.
 *
 * Parsed as before, every time: key conditions (dynalite's convertKeyCondition rewrites their tree
 * in place; the filter parsed after one is marked as key condition too), expressions whose checks
 * read the values (BETWEEN's bounds, begins_with, attribute_type and size check types or contents),
 * and expressions that fail to parse (their error is not kept). What is shared between requests
 * (paths, the tree's shape) is only read by dynalite.
 */
function keepConditionParses(parser: DynaliteConditionParser): void {
  const parse = parser.parse.bind(parser);
  const parsed = new Map<string, KeptParse>();
  parser.parse = (expression, options) => {
    const { context } = options;
    if (context.isKeyCondition || checksValues.test(expression)) return parse(expression, options);
    const names = context.attrNames;
    const values = context.attrVals;
    const key = `${expression}\u0000${names ? JSON.stringify(names) : ''}\u0000${values ? Object.keys(values).join('\u0000') : ''}`;
    const kept = parsed.get(key);
    if (kept) {
      markUsed(context, kept.namesUsed, kept.valuesUsed);
      if (kept.valueNames.size === 0) return kept.result;
      return { ...kept.result, expression: withValues(kept.result.expression, kept.valueNames, values!) };
    }
    // Parsed with every name and value unused, to learn all those this expression uses (the
    // request's context may have some marked used already by another of its expressions).
    const unusedAttrNames: Record<string, true> = {};
    for (const name in names) unusedAttrNames[name] = true;
    const unusedAttrVals: Record<string, true> = {};
    for (const name in values) unusedAttrVals[name] = true;
    const result = parse(expression, { context: { ...context, unusedAttrNames, unusedAttrVals } });
    if (typeof result !== 'object' || result === null) return result;
    const namesUsed = Object.keys(names ?? {}).filter((name) => !(name in unusedAttrNames));
    const valuesUsed = Object.keys(values ?? {}).filter((name) => !(name in unusedAttrVals));
    markUsed(context, namesUsed, valuesUsed);
    const valueNames = new Map(valuesUsed.map((name) => [values![name] as object, name]));
    // Kept only if each value used is in the tree as it was given (not a copy), and by its name
    // alone (two names holding one object could not be told apart).
    if (valueNames.size === valuesUsed.length && holdsEach(result, valueNames)) {
      if (parsed.size >= parsesKept) parsed.clear();
      parsed.set(key, { result: result as ParsedExpression, namesUsed, valuesUsed, valueNames });
    }
    return result;
  };
}

/** What a parse does to the request besides its result: the names and values it uses are used. */
function markUsed(context: DynaliteParseContext, names: string[], values: string[]): void {
  for (const name of names) delete context.unusedAttrNames[name];
  for (const name of values) delete context.unusedAttrVals[name];
}

interface ParsedExpression {
  expression: unknown;
  [member: string]: unknown;
}

interface KeptParse {
  result: ParsedExpression;
  namesUsed: string[];
  valuesUsed: string[];
  /** The first request's value objects in `result`, by the name they were given under. */
  valueNames: Map<object, string>;
}

/** The words of the condition checks that read a value's type or content (see the parser's checkFunction). */
const checksValues = /between|begins_with|attribute_type|size/i;

/** A copy of a parsed tree with the value each name has in `values` where the kept one had its own. */
function withValues(
  node: unknown,
  valueNames: Map<object, string>,
  values: Record<string, unknown>,
): unknown {
  if (node === null || typeof node !== 'object') return node;
  const name = valueNames.get(node);
  if (name !== undefined) return values[name];
  if (Array.isArray(node)) return node.map((child) => withValues(child, valueNames, values));
  const copy: Record<string, unknown> = {};
  for (const key in node) copy[key] = withValues((node as Record<string, unknown>)[key], valueNames, values);
  return copy;
}

/** Whether each of `values` is in the parsed `tree` (itself, not a copy). */
function holdsEach(tree: object, values: Map<object, string>): boolean {
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (values.has(node)) seen.add(node);
    else for (const child of Array.isArray(node) ? node : Object.values(node)) visit(child);
  };
  visit((tree as ParsedExpression).expression);
  return seen.size === values.size;
}

/** Distinct (expression, names, value names) parses kept; the runtime uses a few dozen. */
const parsesKept = 1000;

keepConditionParses(conditionParser);

/** The operation an `x-amz-target` header names (`DynamoDB_20120810.PutItem` → `PutItem`). */
function operationOf(target: string): string {
  const [api, operation = ''] = target.split('.');
  if (api !== 'DynamoDB_20120810' || !isKnownOperation(operation))
    throw engineError('com.amazon.coral.service#UnknownOperationException', `Unknown operation ${target}`);
  return operation;
}

function isKnownOperation(operation: string): boolean {
  return engineActions.has(operation) || operation === 'TransactWriteItems';
}

/**
 * Validates and runs one operation the way dynalite's httpHandler does, minus HTTP and signature
 * checks. `data` is the request as DynamoDB's JSON carries it (Binary values in base64); it is
 * checked and changed in place, so it must be the engine's own copy.
 */
async function answer(store: DynaliteStore, operation: string, data: unknown): Promise<unknown> {
  const engineAction = engineActions.get(operation);
  if (!engineAction) {
    if (operation === 'TransactWriteItems') return transactWriteItems(store, data);
    throw engineError(
      'com.amazon.coral.service#UnknownOperationException',
      `Unknown operation DynamoDB_20120810.${operation}`,
    );
  }
  const { action, validation } = engineAction;
  const checked = checkTypes(data as Record<string, unknown>, validation.types as Record<string, unknown>);
  validations.checkValidations(checked, validation.types, validation.custom, store);
  return runAction(action, store, checked);
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw engineError('com.amazon.coral.service#SerializationException', 'The request body is not JSON');
  }
}

function engineError(type: string, message: string): DynaliteError {
  return Object.assign(new Error(message), { statusCode: 400, body: { __type: type, message } });
}

/** The HTTP response DynamoDB answers `payload` with (its JSON body and headers). */
export function engineResponse(statusCode: number, payload: unknown): EngineResponse {
  const body = Buffer.from(JSON.stringify(payload ?? {}));
  return {
    statusCode,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': String(body.byteLength),
      'x-amzn-requestid': randomUUID(),
    },
    body,
  };
}

/**
 * LevelDB's options for a store on disk (classic-level passes them to LevelDB; dynalite opens with
 * the defaults). Measured on `npm run bench:rebuild` (100k events, 2 busy cores):
 * - `maxOpenFiles` 74 instead of 1,000: LevelDB maps each table file it keeps open, and a rebuild
 *   reads the whole store, so mapped table files reached ~175 MB of RSS (~80 MB at 100 files,
 *   ~65 MB at 74). 74 is LevelDB's floor (it clips lower values: 64 table files and 10 others).
 *   Reopening a table now and then (its index block) cost nothing measurable here.
 * - `writeBufferSize` 16 MB instead of 4 MB: fewer, larger level-0 files, so less compaction
 *   (LevelDB's threads: 25.7 -> ~20 CPU-s). The memtable and the one being flushed cost up to
 *   32 MB of RSS; 32 MB buffers gained little more and cost twice that, 8 MB cost ~4 CPU-s more.
 */
const levelOptions = { maxOpenFiles: 74, writeBufferSize: 16 * 2 ** 20 };

/** A DynamoDB engine (dynalite) in this process, and the request handler its clients use. */
export interface DynaliteEngine {
  /** A smithy HttpHandler, for `new DynamoDBClient({ requestHandler })`. */
  requestHandler: ReturnType<typeof requestHandlerFor>;
  /**
   * Answers one operation (`PutItem`) on a request as DynamoDB's JSON carries it (Binary values in
   * base64), with what DynamoDB's JSON answer would carry, or rejects with dynalite's error (its
   * `statusCode` and DynamoDB error `body`). The request is the engine's from then on: it is
   * checked and changed in place. What `callEngineDirectly` (dynaliteDirectCalls.ts) sends.
   */
  call(operation: string, request: Record<string, unknown>): Promise<unknown>;
  /** Refuses new requests, lets those under way finish, then closes the LevelDB store. */
  close(): Promise<void>;
}

interface EngineState {
  open: boolean;
  inFlight: Set<Promise<unknown>>;
}

/**
 * Opens dynalite's store (on disk under `path`, else in memory) and answers DynamoDB requests
 * from it through a smithy request handler: no socket, no port, nothing another process can reach.
 * It replaces the SDK's NodeHttpHandler, so a call costs the SDK's (de)serialization and
 * dynalite's work, not loopback HTTP; `call` skips the (de)serialization too.
 *
 * Requests are not authenticated (only a client holding the handler can send one), so in-process
 * clients need not sign them. TransactWriteItems, which dynalite lacks, is answered by
 * {@link transactWriteItems} over dynalite's own item store, locks and condition evaluator.
 */
export async function openDynaliteEngine(options: { path?: string } = {}): Promise<DynaliteEngine> {
  const store = engineDb.create({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  closeEveryIterator(store.db as unknown as Record<string, unknown>);
  groupLevelOperations(store.db, (operation) => store.lifecycleManager.trackOperation(operation));
  cacheTableDefinitions(store);
  // Open now, so a folder still held by another process fails here rather than at the first call.
  // The store has not opened itself yet (abstract-level defers that to a microtask), so these
  // options are the ones LevelDB opens with.
  await store.db.open(levelOptions);
  const state: EngineState = { open: true, inFlight: new Set() };
  return {
    requestHandler: requestHandlerFor(store, state),
    call: (operation, request) => whileOpen(state, () => answer(store, operation, request)),
    close: async () => {
      if (!state.open) return;
      state.open = false;
      // dynalite's graceful close waits for LevelDB operations under way, not for a request between
      // two of them (a Query between reading its table and its items); such a request would then
      // throw "Database is not open" outside any promise. So requests are drained first.
      await Promise.allSettled(state.inFlight);
      await store.lifecycleManager.gracefulClose();
    },
  };
}

/** Runs `request` if the engine is open, counted among the requests `close()` waits for. */
async function whileOpen<T>(state: EngineState, request: () => Promise<T>): Promise<T> {
  if (!state.open) throw new Error('The in-process DynamoDB engine (dynalite) is closed');
  const answered = request();
  state.inFlight.add(answered);
  try {
    return await answered;
  } finally {
    state.inFlight.delete(answered);
  }
}

function requestHandlerFor(store: DynaliteStore, state: EngineState) {
  return {
    async handle(request: EngineRequest): Promise<{ response: EngineResponse }> {
      // The SDK's JSON codec sends a Uint8Array subclass; decode its bytes (Buffer.from would call
      // its string-converting valueOf, which the SDK warns about).
      const body =
        typeof request.body === 'string'
          ? request.body
          : request.body instanceof Uint8Array
            ? utf8.decode(request.body)
            : '';
      try {
        const operation = operationOf(header(request.headers, 'x-amz-target'));
        const answered = await whileOpen(state, async () => answer(store, operation, parseBody(body)));
        return { response: engineResponse(200, answered) };
      } catch (error) {
        // dynalite's own answer to a bad request (validation, condition, missing table): an HTTP 400
        // with the DynamoDB error body, which the SDK turns into the named exception.
        if (isDynaliteError(error)) return { response: engineResponse(error.statusCode, error.body) };
        throw error;
      }
    },
    // Part of smithy's HttpHandler contract; there is no connection configuration to update.
    updateHttpClientConfig(): void {},
    httpHandlerConfigs: () => ({}),
  };
}
