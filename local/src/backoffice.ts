import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getConnInfo } from '@hono/node-server/conninfo';
import {
  accessGuard,
  type BackofficeEnv,
  createBackofficeApi,
  createPortalApp,
  DynamoSignInAttempts,
  DynamoUsers,
  ensureInitialAdmin,
  type LiveOrder,
  loadOrCreateAuthSecret,
  ProjectionQueryClient,
  type QueryApiFetch,
  refreshTokenApi,
} from '@mtd/backoffice';
import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import { Hono, type MiddlewareHandler } from 'hono';

export interface BackofficeOptions {
  client: DynamoDBClient;
  tables: { users: string; signInAttempts: string };
  dataDir: string;
  /** Projection's query API, in this process: its Hono app's fetch. */
  projectionQueryApi: QueryApiFetch;
  backofficeStore: EventStore;
  clock: Clock;
  ids: IdGenerator;
  subscribe: (listener: (view: LiveOrder) => void) => () => void;
  /** The first admin's password; generated (and returned once) when absent. */
  adminPassword?: string;
}

export interface Backoffice {
  guard: MiddlewareHandler<BackofficeEnv>;
  app: Hono<BackofficeEnv>;
  /** Set only on the start that created the admin; the password is shown once and stored nowhere. */
  initialAdmin?: { username: string; password: string; generated: boolean };
}

/**
 * The back-office service in the local runtime: users, sign-in (throttled in its DynamoDB table),
 * the access guard, the CLI's refresh tokens, the portal, and projection's read routes through its
 * query API. The token key is `DATA/auth-secret.key` (the same file as before the service moved out
 * of projection, so stored users and issued tokens keep working).
 */
export async function startBackoffice(options: BackofficeOptions): Promise<Backoffice> {
  const secret = loadOrCreateAuthSecret(options.dataDir);
  const users = new DynamoUsers({ client: options.client, tableName: options.tables.users });
  const initialAdmin = await ensureInitialAdmin(users, {
    ...(options.adminPassword ? { password: options.adminPassword } : {}),
    now: options.clock.now(),
  });
  const app = new Hono<BackofficeEnv>();
  // The CLI's refresh tokens (local only): renewing a session needs no password.
  app.route('/', refreshTokenApi({ secret, users, clock: options.clock }));
  app.route(
    '/',
    createBackofficeApi({
      users,
      secret,
      readModels: new ProjectionQueryClient({ fetch: options.projectionQueryApi }),
      backofficeStore: options.backofficeStore,
      clock: options.clock,
      ids: options.ids,
      subscribe: options.subscribe,
      signInAttempts: new DynamoSignInAttempts({
        client: options.client,
        tableName: options.tables.signInAttempts,
      }),
      clientAddress: (c) => {
        try {
          return getConnInfo(c).remote.address ?? 'unknown';
        } catch {
          return 'unknown';
        }
      },
    }),
  );
  app.route('/', createPortalApp());
  return {
    guard: accessGuard({ secret, clock: options.clock }),
    app,
    ...(initialAdmin ? { initialAdmin } : {}),
  };
}
