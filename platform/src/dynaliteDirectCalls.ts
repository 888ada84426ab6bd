import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynaliteEngine, engineResponse, isDynaliteError } from './dynaliteEngine';

/** The middleware's name in a client's stack (a test removes it to compare with the HTTP path). */
export const directCallMiddleware = 'mtdDynaliteDirectCall';

/**
 * The parts of the SDK's JSON protocol (`client.config.protocol`, an AwsJson1_0Protocol) used here:
 * its shape deserializer, which turns a parsed JSON answer into the output the SDK gives, and its
 * response deserializer, which turns an error answer into the SDK's named exception.
 */
interface SdkJsonProtocol {
  deserializer: { readObject(schema: unknown, data: unknown): Record<string, unknown> };
  deserializeResponse(operation: unknown, context: unknown, response: unknown): Promise<unknown>;
}

/** A command's operation schema as smithy keeps it: `[9, namespace, name, traits, input, output]`. */
type OperationSchema = [number, string, string, unknown, unknown, unknown];

/**
 * The operations whose answers dynalite builds anew for each request (items decoded from LevelDB,
 * fresh literals), so the SDK's deserializer may convert them in place. The others (tables,
 * tags, time to live) may hand back the engine's own objects (its cached table definitions):
 * they get a copy first; they are rare.
 */
const freshAnswers = new Set([
  'GetItem',
  'PutItem',
  'DeleteItem',
  'UpdateItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/**
 * Lets `client` (a client of the in-process `engine`) hand each command's input to the engine
 * directly, skipping the SDK's JSON round trip: the SDK serialised the input to JSON bytes, the
 * engine parsed them, and it stringified its answer for the SDK to parse again — about half of a
 * call's CPU (docs/decisions.md). It sits in the serialize step, before the serializer: what the
 * middleware of the initialize step sees (call counters, test hooks) is unchanged, and what comes
 * after the serializer (endpoint, headers, retries, signing, the request handler) is skipped.
 *
 * What a caller sees is what the SDK's own deserializer gives, because it is that deserializer:
 * the engine's answer goes through the protocol's shape deserializer (Binary values back to
 * Uint8Array, timestamps to Date, members the model does not know left out), and an error answer
 * through the protocol's response deserializer (the named exception, `$fault`, `$metadata`,
 * `CancellationReasons`). The input goes to the engine as the SDK's serializer would write it (see
 * {@link asDynamoJson}). No retries: the engine answers nothing the SDK would retry (its errors are
 * 400s that no retry changes).
 */
export function callEngineDirectly(client: DynamoDBClient, engine: DynaliteEngine): void {
  const protocol = client.config.protocol as unknown as SdkJsonProtocol;
  const middleware: DirectCallMiddleware = (_next, context) => async (args) => {
    const smithyContext = (context as Record<string, unknown>)[smithyContextKey] as {
      operationSchema: OperationSchema;
    };
    const [, namespace, name, traits, input, output] = smithyContext.operationSchema;
    let answer: unknown;
    try {
      answer = await engine.call(name, asDynamoJson(args.input) as Record<string, unknown>);
    } catch (error) {
      if (!isDynaliteError(error)) throw error;
      // Errors take the SDK's whole path from an HTTP answer: rare, and their shape (name,
      // $fault, $metadata, message, modelled members) is then exactly what it builds.
      const response = engineResponse(error.statusCode, error.body);
      const operation = { namespace, name, traits, input, output };
      try {
        await protocol.deserializeResponse(operation, { ...client.config, ...context }, response);
      } catch (exception) {
        throw asRetryMiddlewareLeavesIt(exception, response);
      }
      throw new Error(`The SDK did not turn the engine's ${error.statusCode} answer into an error`);
    }
    const fresh = freshAnswers.has(name) ? (answer ?? {}) : JSON.parse(JSON.stringify(answer ?? {}));
    const requestId = randomUUID();
    const parsed = protocol.deserializer.readObject(output, fresh);
    parsed.$metadata = {
      httpStatusCode: 200,
      requestId,
      extendedRequestId: undefined,
      cfId: undefined,
      attempts: 1,
      totalRetryDelay: 0,
    };
    return {
      output: parsed,
      response: { statusCode: 200, headers: { 'x-amzn-requestid': requestId } },
    } as never;
  };
  client.middlewareStack.addRelativeTo(middleware, {
    name: directCallMiddleware,
    relation: 'before',
    toMiddleware: 'serializerMiddleware',
    override: true,
  });
}

/** A middleware of the client's stack, typed as the initialize step's (the same signature). */
type DirectCallMiddleware = Parameters<DynamoDBClient['middlewareStack']['add']>[0];

/** Where smithy keeps a command's context (`@smithy/types` SMITHY_CONTEXT_KEY). */
const smithyContextKey = '__smithy_context';

/** An error as the deserializer middleware and the retry middleware leave it for the caller. */
function asRetryMiddlewareLeavesIt(exception: unknown, response: unknown): unknown {
  if (exception && typeof exception === 'object') {
    Object.defineProperty(exception, '$response', {
      value: response,
      enumerable: false,
      writable: false,
      configurable: false,
    });
    const metadata = (exception as { $metadata?: Record<string, unknown> }).$metadata;
    if (metadata) Object.assign(metadata, { attempts: 1, totalRetryDelay: 0 });
  }
  return exception;
}

/**
 * A command's input as DynamoDB's JSON carries it, what the SDK's serializer writes, as a new
 * object the engine may change (it checks and edits requests in place; the caller's input must
 * stay as it was, a retry sends it again): Binary values (Uint8Array) in base64 (a string is sent
 * as it is under `B`, and as the base64 of its UTF-8 in a `BS`: the SDK's serializer does both), dates in epoch seconds, non-finite numbers as strings, absent
 * members (undefined or null, in objects and lists: DynamoDB's lists and maps are not sparse) left
 * out.
 */
export function asDynamoJson(value: unknown, key?: string): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const list: unknown[] = [];
    for (const member of value)
      if (member != null)
        list.push(key === 'BS' && typeof member === 'string' ? utf8Base64(member) : asDynamoJson(member));
    return list;
  }
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Date) return value.getTime() / 1000;
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[name];
    if (member == null) continue;
    // An attribute named __proto__ is a member, as JSON.parse makes it, not the copy's prototype.
    if (name === '__proto__')
      Object.defineProperty(copy, name, {
        value: asDynamoJson(member, name),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[name] = asDynamoJson(member, name);
  }
  return copy;
}

function utf8Base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
