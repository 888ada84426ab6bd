import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { callEngineDirectly } from './dynaliteDirectCalls';
import { type DynaliteEngine, openDynaliteEngine } from './dynaliteEngine';

export interface DynaliteServer {
  /**
   * The engine's name in this process (`in-process://dynalite-<n>`), not a network address: only
   * {@link dynamoClientFor}, in this process, can reach it.
   */
  endpoint: string;
  /** A client for this engine; build more with {@link dynamoClientFor}. */
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** The open in-process engines, by their `endpoint` name. */
const engines = new Map<string, DynaliteEngine>();
let enginesStarted = 0;

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * A DynamoDB client for a local engine: one started in this process by {@link startDynalite} (by
 * its `endpoint` name), or any DynamoDB-compatible HTTP endpoint (DynamoDB Local), with dummy
 * credentials.
 */
export function dynamoClientFor(endpoint: string): DynamoDBClient {
  const engine = engines.get(endpoint);
  if (!engine)
    return new DynamoDBClient({ endpoint, region: 'local', credentials: localCredentials, maxAttempts: 10 });
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: localCredentials,
    maxAttempts: 10,
    requestHandler: engine.requestHandler,
    // Nothing checks a signature in-process, so SigV4 (a canonical request, a SHA-256 of the body
    // and HMACs per call) would be spent for nothing. The credentials still resolve, as the scheme wants.
    httpAuthSchemes: [
      {
        schemeId: 'aws.auth#sigv4',
        identityProvider: (config) => config.getIdentityProvider('aws.auth#sigv4'),
        signer: { sign: async (request) => request },
      },
    ],
    // Resolve each command's middleware once, not on every call (a copy and sort of the stack).
    cacheMiddleware: true,
  });
  // Headers no one reads in-process: the user agent (built and escaped on every call), the host,
  // Lambda's trace id. With the cache above, they took a DynamoDB call's SDK work from ~230 to
  // ~140 µs of CPU (`npx tsx platform/scripts/sdkCallCost.ts`). The user agent's step stays, doing
  // nothing, under its name: Powertools (idempotency) adds its own middleware relative to it.
  client.middlewareStack.remove('hostHeaderMiddleware');
  client.middlewareStack.remove('recursionDetectionMiddleware');
  client.middlewareStack.remove(userAgentMiddleware);
  client.middlewareStack.add((next) => next, { step: 'build', name: userAgentMiddleware });
  callEngineDirectly(client, engine);
  seeMiddlewareChanges(client);
  return client;
}

const userAgentMiddleware = 'getUserAgentMiddleware';

/**
 * `cacheMiddleware` keeps the middleware a command class first resolved, so a middleware added or
 * removed later (the bench's call counter, a test's call log) would go unseen. Each change clears
 * the cache, which is all `destroy()` does to a client of the in-process engine (its request handler
 * holds no connections to close).
 */
function seeMiddlewareChanges(client: DynamoDBClient): void {
  const stack = client.middlewareStack as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['add', 'addRelativeTo', 'use', 'remove', 'removeByTag']) {
    const change = stack[method]!.bind(stack);
    stack[method] = (...args: unknown[]) => {
      const result = change(...args);
      client.destroy();
      return result;
    };
  }
}

/**
 * The embedded DynamoDB (dynalite 4.0.0) inside this process: on disk under `path`, or in memory
 * when `path` is absent (tests). The same adapters talk to it as to DynamoDB, through a client
 * whose request handler calls dynalite directly (dynaliteEngine.ts): there is no socket, so no other
 * process can read or write it, and a call costs no loopback HTTP. It also answers
 * TransactWriteItems, which dynalite lacks (see dynaliteTransactWriteItems.ts for its limits).
 *
 * `close()` lets requests under way finish and closes LevelDB, so the same `path` can be opened
 * again in this process (LevelDB allows one opener at a time).
 *
 * @example
 * const dynamo = await startDynalite({ path: join(dataDir, 'dynamodb') });
 * await dynamo.client.send(new PutItemCommand({ TableName: 'mtd-events', Item: item }));
 * await dynamo.close();
 */
export async function startDynalite(options: { path?: string } = {}): Promise<DynaliteServer> {
  const engine = await openDynaliteEngine(options);
  const endpoint = `in-process://dynalite-${++enginesStarted}`;
  engines.set(endpoint, engine);
  const client = dynamoClientFor(endpoint);
  return {
    endpoint,
    client,
    close: async () => {
      engines.delete(endpoint);
      client.destroy();
      await engine.close();
    },
  };
}
