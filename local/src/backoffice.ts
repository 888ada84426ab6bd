import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import {
  accessGuard,
  type BackofficeEnv,
  type BroadcastRetryPolicy,
  createBackofficeApi,
  createPortalApp,
  createRaiseOrdersAtRiskOnSchedule,
  DynamoUsers,
  ensureInitialAdmin,
  type OrderAtRiskFinding,
  type OrdersAtRiskCheck,
  type OrderView,
  type ProjectionQueries,
  type ProjectionWatermark,
  type SlaDeadlines,
  slaPolicyOf,
} from '@mtd/projection';
import { Hono, type MiddlewareHandler } from 'hono';
import { isRefreshRoute, refreshTokenApi } from './refreshTokenApi';

export interface BackofficeOptions {
  client: DynamoDBClient;
  usersTable: string;
  dataDir: string;
  queries: ProjectionQueries;
  backofficeStore: EventStore;
  projectionStore: EventStore;
  clock: Clock;
  ids: IdGenerator;
  subscribe: (listener: (view: OrderView) => void) => () => void;
  /** The first admin's password; generated (and returned once) when absent. */
  adminPassword?: string;
  sla?: BackofficeSlaOptions;
  log: (line: string) => void;
}

/** The SLA watcher's settings; everything optional. */
export interface BackofficeSlaOptions {
  /** Per-stage deadlines in ms after acceptance (validated; stages left out keep their default). */
  deadlines?: Partial<SlaDeadlines>;
  /** The dte service's broadcast retry policy, so a broadcast in legitimate backoff is not at risk. */
  broadcastRetry?: Partial<BroadcastRetryPolicy>;
  /** Timer period; at least {@link minSlaCheckEveryMs}. Default 10 s. */
  checkEveryMs?: number;
  /**
   * The projection's watermark: every event committed before it is in the views (locally, the
   * projection subscription's feed position time). Default: unknown, so the watcher judges nothing.
   */
  watermark?: ProjectionWatermark;
}

/** The SLA timer runs at most once every 10 s: an idle runtime makes no other periodic calls. */
export const minSlaCheckEveryMs = 10_000;

const unknownWatermark: ProjectionWatermark = async () => undefined;

export interface Backoffice {
  guard: MiddlewareHandler<BackofficeEnv>;
  app: Hono<BackofficeEnv>;
  /** Set only on the start that created the admin; the password is shown once and stored nowhere. */
  initialAdmin?: { username: string; password: string; generated: boolean };
  /** Runs the SLA watcher now (the timer also runs it every `checkEveryMs`). */
  checkSla(): Promise<OrderAtRiskFinding[]>;
  stop(): Promise<void>;
}

/**
 * The token key: 32 random bytes made on the first start and kept in `DATA/auth-secret.key`, readable
 * by the owner only (0600), so tokens survive a restart and nothing else on the machine can mint one.
 */
export function loadOrCreateAuthSecret(dataDir: string): Uint8Array {
  const file = join(dataDir, 'auth-secret.key');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

/** The back office in the local runtime: users, sign-in, access guard, portal and SLA watcher. */
export async function startBackoffice(options: BackofficeOptions): Promise<Backoffice> {
  const secret = loadOrCreateAuthSecret(options.dataDir);
  const users = new DynamoUsers({ client: options.client, tableName: options.usersTable });
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
      queries: options.queries,
      backofficeStore: options.backofficeStore,
      clock: options.clock,
      ids: options.ids,
      subscribe: options.subscribe,
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

  const raise = createRaiseOrdersAtRiskOnSchedule({
    queries: options.queries,
    store: options.projectionStore,
    clock: options.clock,
    ids: options.ids,
    policy: slaPolicyOf(
      {
        ...(options.sla?.deadlines ? { deadlines: options.sla.deadlines } : {}),
        ...(options.sla?.broadcastRetry ? { broadcastRetry: options.sla.broadcastRetry } : {}),
      },
      'the back office sla options',
    ),
    watermark: options.sla?.watermark ?? unknownWatermark,
  });
  let running: Promise<OrdersAtRiskCheck> | undefined;
  let lastStatus: OrdersAtRiskCheck['status'] | undefined;
  const check = () => {
    running ??= raise()
      .then((result) => {
        // One line per run (and one when the watermark goes unknown), never one per order.
        if (result.status !== lastStatus && result.status === 'watermark-unknown')
          options.log('sla: projection watermark unknown; no deadline judged until it is known');
        lastStatus = result.status;
        if (result.raised.length > 0) options.log(`sla: ${describeRaised(result.raised)}`);
        return result;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const checkSla = async (): Promise<OrderAtRiskFinding[]> => (await check()).raised;
  const timer = setInterval(
    () => {
      check().catch((error) => options.log(`sla: check failed: ${(error as Error).message}`));
    },
    Math.max(minSlaCheckEveryMs, options.sla?.checkEveryMs ?? minSlaCheckEveryMs),
  );
  timer.unref();

  const guard = accessGuard({ secret, clock: options.clock });
  return {
    // The refresh route is public like sign-in (its token is the credential); every other route
    // goes through the projection's access policy unchanged.
    guard: (c, next) => (isRefreshRoute(c.req.method, c.req.path) ? next() : guard(c, next)),
    app,
    ...(initialAdmin ? { initialAdmin } : {}),
    checkSla,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}

/** `3 stages at risk in 2 orders: PO-1 dte-issuance, PO-1 notification, PO-7 dispatch` (first 10 listed). */
function describeRaised(raised: readonly OrderAtRiskFinding[]): string {
  const orders = new Set(raised.map((r) => r.orderId)).size;
  const listed = raised.slice(0, 10).map((r) => `${r.orderId} ${r.stage}`);
  const more = raised.length > listed.length ? `, and ${raised.length - listed.length} more` : '';
  return `${raised.length} stage${raised.length === 1 ? '' : 's'} at risk in ${orders} order${orders === 1 ? '' : 's'}: ${listed.join(', ')}${more}`;
}
