import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Clock, EventStore, IdGenerator } from '@mtd/platform';
import {
  accessGuard,
  type BackofficeEnv,
  createBackofficeApi,
  createPortalApp,
  createRaiseOrdersAtRiskOnSchedule,
  DynamoUsers,
  defaultSlaDeadlines,
  ensureInitialAdmin,
  type OrderAtRiskFinding,
  type OrderView,
  type ProjectionQueries,
  type SlaDeadlines,
} from '@mtd/projection';
import { Hono, type MiddlewareHandler } from 'hono';

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
  sla?: { deadlines?: Partial<SlaDeadlines>; checkEveryMs?: number };
  log: (line: string) => void;
}

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
    deadlines: { ...defaultSlaDeadlines, ...options.sla?.deadlines },
  });
  let running: Promise<OrderAtRiskFinding[]> | undefined;
  const checkSla = () => {
    running ??= raise().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    checkSla()
      .then((raised) => {
        for (const r of raised)
          options.log(`sla: ${r.orderId} at risk at ${r.stage} (deadline ${r.deadline})`);
      })
      .catch((error) => options.log(`sla: check failed: ${(error as Error).message}`));
  }, options.sla?.checkEveryMs ?? 10_000);
  timer.unref();

  return {
    guard: accessGuard({ secret, clock: options.clock }),
    app,
    ...(initialAdmin ? { initialAdmin } : {}),
    checkSla,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
