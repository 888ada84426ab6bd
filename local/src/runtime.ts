import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { serve } from '@hono/node-server';
import { backofficeUsersTable, signInAttemptsTable, signInAttemptsTtlAttribute } from '@mtd/backoffice';
import { Sources, type SubscriptionName, subscriptions } from '@mtd/contracts';
import { createDte, dynamoFolioLedger, folioLedgerTable } from '@mtd/dte';
import { threadSigner } from '@mtd/dte/threadSigner';
import {
  createIntake,
  httpServerLimits,
  PartnerKeys,
  partnerKeysTable,
  startInboxWatcher,
} from '@mtd/intake';
import {
  createNotification,
  type EmailSender,
  notifyOperationsOnOrderAtRisk,
  outboxEmailSender,
  workerPdfRenderer,
} from '@mtd/notification';
import {
  AppendFence,
  type BackoffPolicy,
  type Clock,
  type Commit,
  checkpointTable,
  DynamoCheckpoints,
  DynamoDeadLetters,
  DynamoEventStore,
  deadLetterTable,
  dynamoEffectClaims,
  effectClaimsTable,
  effectClaimsTtlAttribute,
  ensureTables,
  eventStoreTable,
  type FeedFollower,
  isPageHandler,
  LiveFeed,
  StreamCache,
  type SubscriptionHandler,
  SubscriptionRunner,
  startTimeToLiveSweeper,
  systemClock,
  timeOfPosition,
  ulidGenerator,
  upgradeFeedIndex,
} from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';
import {
  DynamoStoredEvents,
  fileLedgerSalts,
  fileLedgerSigner,
  Ledger,
  LedgerWriter,
  ledgerEntries,
  ledgerTable,
} from '@mtd/platform/ledger';
import {
  type AuditLedger,
  createProjection,
  type OrderAtRiskFinding,
  type OrderView,
  projectionTables,
} from '@mtd/projection';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { adminApi } from './adminApi';
import { startBackoffice } from './backoffice';
import { batchCounts } from './batchSummary';
import { secureDataFolder } from './dataFolderPermissions';
import { deadLetterApi } from './deadLetterApi';
import { dteApi, localDteDeps, localDtePaths } from './localDte';
import { ensureLocalIntakeKey, localPartnerName } from './localIntakeKey';
import { partnersApi } from './partnersApi';
import { ProjectionVersions } from './projectionVersions';
import { type SlaWatcherOptions, startSlaWatcher } from './slaWatcher';
import { localLedger, tableNames } from './tableNames';
import { startTaxAuthoritySimulatorThread } from './taxAuthoritySimulatorThread';

export interface RuntimeOptions {
  /** Where DynamoDB data, the inbox and the outbox live. */
  dataDir: string;
  /** Keep DynamoDB in memory (tests, benchmarks); the inbox and outbox stay under dataDir. */
  inMemory?: boolean;
  /** 0 picks a free port. */
  port?: number;
  taxAuthority?: { failureRate?: number; latencyMs?: { min: number; max: number } } | { url: string };
  /** DTE broadcast attempts before the order goes into exception, and their backoff. */
  broadcast?: { maxAttempts: number } & BackoffPolicy;
  /** Backoff between a subscription's failed attempts (10, then dead letter). */
  deliveryBackoff?: BackoffPolicy;
  /** Subscription idle poll; appends wake subscriptions at once anyway. */
  pollMs?: number;
  /**
   * How long a page handler's subscription (the projection) lets a page that is not full wait for
   * more events (default {@link pageBatchWindowMs}; 0 delivers every page at once).
   */
  pageBatchWindowMs?: number;
  /**
   * Get the PDF worker and the SII simulator's schemas ready at start, not with the first order,
   * whose latency would carry seconds of start-up on a busy machine. For a runtime that takes
   * orders (`npm start`, the bench); tools that only read or rebuild skip what it costs (~36 MB of
   * RSS in the built CLI, whose workers run bundled JavaScript; far more through tsx).
   */
  warmUp?: boolean;
  concurrency?: number;
  inboxPollMs?: number;
  timeZone?: string;
  clock?: Clock;
  random?: () => number;
  /** Replace a subscription's handler (fault-injection tests). */
  wrapHandler?: (name: SubscriptionName, handler: SubscriptionHandler) => SubscriptionHandler;
  /** Wrap the outbox (tests that count sends: the outbox overwrites a repeated email's file). */
  wrapEmail?: (sender: EmailSender) => EmailSender;
  log?: (line: string) => void;
  /** The first admin's password (else env MTD_ADMIN_PASSWORD, else generated and shown once). */
  adminPassword?: string;
  /** The local partner's intake API key (else env MTD_INTAKE_API_KEY, else generated and shown once). */
  intakeApiKey?: string;
  /** SLA deadlines (ms after acceptance) and how often the watcher checks them. */
  sla?: Pick<SlaWatcherOptions, 'deadlines' | 'checkEveryMs'>;
  /** Where early warnings are emailed. */
  operationsEmail?: string;
}

export interface Runtime {
  url: string;
  dataDir: string;
  inbox: string;
  outbox: string;
  taxAuthorityUrl: string;
  deadLetters: DynamoDeadLetters;
  reader: DynamoEventStore;
  /** The embedded engine's client: operations tools (replay, rebuild) and tests. */
  client: DynamoDBClient;
  /** The subscriptions (replay, dead letters). */
  runners: SubscriptionRunner[];
  /** Every reader of the feed: the subscriptions and the ledger's writer (progress, lag, benchmarks). */
  followers: FeedFollower[];
  /** The audit ledger (platform's): verify, proofs, checkpoints. */
  ledger: Ledger;
  /** The read-model versions: the active one, rebuilds and their progress. */
  projections: ProjectionVersions;
  /** Every commit this runtime appends, as it settles: benchmarks, tests. */
  onCommit(listener: (commit: Commit) => void): () => void;
  /** Called after every order-view write: live portal updates, benchmarks. */
  onOrderChanged(listener: (view: OrderView) => void): () => void;
  /** Set on the start that created the first admin: print it once, store it nowhere. */
  initialAdmin?: { username: string; password: string; generated: boolean };
  /**
   * The key of partner `local` for this machine's own clients (the demo, the bench, tests; the CLI
   * reads it from `DATA/intake-api-key`). Undefined when an operator revoked it.
   */
  intakeApiKey?: string;
  /** Set on the start that made the local key: print it once. */
  initialIntakeKey?: { partner: string; key: string; generated: boolean };
  /**
   * The tax-authority simulator's failure rate (no-op with an external tax authority); resolves once
   * the simulator's thread answers with it.
   */
  setTaxFailureRate(rate: number): Promise<void>;
  /** The operating-system ids of the threads rendering customers' PDFs (their CPU, for benchmarks). */
  pdfThreads(): number[];
  /** The operating-system id of the tax-authority simulator's thread, if it runs one (its CPU, for benchmarks). */
  taxAuthorityThreads(): number[];
  /** The operating-system ids of the threads signing DTEs (their CPU, for benchmarks). */
  signingThreads(): number[];
  /** Runs the SLA watcher now. */
  checkSla(): Promise<OrderAtRiskFinding[]>;
  stop(): Promise<void>;
}

export { localLedger, tableNames } from './tableNames';

/** The largest body any `/api` route reads. */
export const maxApiBodyBytes = 64 * 1024;

/**
 * The local runtime's feed shards: 1. Sharding spreads DynamoDB's per-partition write limit; the
 * embedded engine has none, and each shard costs a reader one Query per page (docs/decisions.md).
 */
export const localFeedShards = 1;

/**
 * The projection's batching window: at paced rates every feed page held one commit, so the
 * projection wrote a timeline line and a view per event, and that CPU (a third of all calls) put
 * the process near saturation at half its maximum rate, where the tail grows long. 100 ms gathers
 * several orders' events per page at the seeds' rates and adds at most 100 ms to an order's last
 * hop (docs/decisions.md, "The projection waits up to 100 ms for a fuller page").
 */
export const pageBatchWindowMs = 100;

/**
 * The whole choreography in one process on the embedded default: dynalite for DynamoDB, the
 * event-store feed as the bus (each subscription a catch-up reader filtered by its EventBridge
 * pattern), an .eml outbox for email and a tax-authority simulator. The handlers are the same
 * functions the Lambdas run; only this wiring is local.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const log = options.log ?? (() => {});
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const dataDir = resolve(options.dataDir);
  const inbox = join(dataDir, 'inbox');
  const outbox = join(dataDir, 'outbox');
  secureDataFolder(dataDir);
  for (const dir of [inbox, outbox]) mkdirSync(dir, { recursive: true, mode: 0o700 });

  const dynamo = await startDynalite(options.inMemory ? {} : { path: join(dataDir, 'dynamodb') });
  const { client } = dynamo;
  await ensureTables(client, [
    eventStoreTable(tableNames.events),
    checkpointTable(tableNames.checkpoints),
    deadLetterTable(tableNames.deadLetters),
    folioLedgerTable(tableNames.folios),
    ...projectionTables({ orders: tableNames.orders, timeline: tableNames.timeline }),
    ledgerTable(tableNames.ledger),
    backofficeUsersTable(tableNames.users),
    signInAttemptsTable(tableNames.signInAttempts),
    // Created on the first start after an upgrade too: an existing data folder just gains them.
    effectClaimsTable(tableNames.dteEffectClaims),
    effectClaimsTable(tableNames.notificationEffectClaims),
    partnerKeysTable(tableNames.partners),
  ]);
  // DynamoDB deletes expired claims and sign-in failures through TTL; dynalite has no TTL, so this
  // does, or those tables grow with every order for as long as the data folder lives.
  const expiredItems = startTimeToLiveSweeper({
    client,
    clock,
    tables: [
      {
        definition: effectClaimsTable(tableNames.dteEffectClaims),
        timeToLiveAttribute: effectClaimsTtlAttribute,
      },
      {
        definition: effectClaimsTable(tableNames.notificationEffectClaims),
        timeToLiveAttribute: effectClaimsTtlAttribute,
      },
      {
        definition: signInAttemptsTable(tableNames.signInAttempts),
        timeToLiveAttribute: signInAttemptsTtlAttribute,
      },
    ],
    onSwept: (table, deleted) => {
      if (deleted > 0) log(`expired items: deleted ${deleted} from ${table}`);
    },
    onError: (error) => log(`expired items: ${(error as Error).message}`),
  });
  // The intake API's partners (API Gateway's keys and usage plans, locally) and this machine's key.
  const partnerKeys = await PartnerKeys.open({ client, tableName: tableNames.partners });
  const chosenKey = options.intakeApiKey ?? process.env.MTD_INTAKE_API_KEY;
  const localKey = await ensureLocalIntakeKey({
    dataDir,
    keys: partnerKeys,
    now: clock.now(),
    ...(chosenKey ? { chosen: chosenKey } : {}),
  });

  // A data folder written before the feed was sharded: move its commits into the shards before any
  // reader looks (one Query when there is nothing to do).
  await upgradeFeedIndex(client, tableNames.events, {
    feedShards: localFeedShards,
    log: (line) => log(line),
  });

  // Every writer and reader shares one fence, which makes the feed exact in this process: no
  // settle delay is needed, and a reader woken right after an append sees it.
  const fence = new AppendFence(0);
  // One feed reader for every subscription: each commit this process appends goes into the live
  // tail, and caught-up subscriptions read their pages there instead of querying the index.
  const live = new LiveFeed();
  const head = await new DynamoEventStore({
    client,
    tableName: tableNames.events,
    clock,
    feedShards: localFeedShards,
  }).headPosition();
  live.start(head);
  fence.settledUpTo(head);
  const ids = ulidGenerator(clock, head ? { after: head } : {});
  // This process is the one writer of every stream it appends to, so stream state can be cached.
  const streams = new StreamCache();
  const reader = new DynamoEventStore({
    client,
    tableName: tableNames.events,
    clock,
    ids,
    fence,
    live,
    streams,
    feedShards: localFeedShards,
  });
  const storeFor = (producer: (typeof Sources)[keyof typeof Sources]) => reader.forProducer(producer);

  const simulator =
    options.taxAuthority && 'url' in options.taxAuthority
      ? undefined
      : // The tax authority is an outside system: its checks run in their own thread, not in the
        // choreography's event loop (docs/decisions.md).
        await startTaxAuthoritySimulatorThread({
          stateDir: localDtePaths(dataDir).simulator,
          failureRate: options.taxAuthority?.failureRate ?? 0,
          latencyMs: options.taxAuthority?.latencyMs ?? { min: 5, max: 30 },
          onError: (error) => log(`tax-authority simulator: ${error.message}`),
        });
  // In the background while start-up goes on; awaited before the runtime says it is ready.
  const warming: Promise<unknown>[] = [];
  if (options.warmUp && simulator)
    warming.push(
      simulator
        .warmUp()
        .catch((error) => log(`tax-authority simulator: schemas: ${(error as Error).message}`)),
    );
  const taxAuthorityUrl =
    options.taxAuthority && 'url' in options.taxAuthority ? options.taxAuthority.url : simulator!.url;

  // DTE stamps and signatures (~2 ms of CPU per order) in a thread of their own, out of the
  // choreography's event loop; a Lambda signs in process (docs/decisions.md).
  const dteSigner = threadSigner();
  if (options.warmUp) warming.push(dteSigner.warmUp());

  const broadcastPolicy = options.broadcast ?? { maxAttempts: 5, baseMs: 500, maxMs: 10_000 };
  const intake = createIntake({ store: storeFor(Sources.intake), clock, ids, partnerKeys });
  const dte = createDte({
    store: storeFor(Sources.dte),
    clock,
    ids,
    random,
    folios: dynamoFolioLedger({ client, tableName: tableNames.folios }),
    claims: dynamoEffectClaims({ client, tableName: tableNames.dteEffectClaims }),
    signer: dteSigner,
    ...(await localDteDeps({ dataDir, clock, taxAuthorityUrl, ...(simulator ? { simulator } : {}), log })),
    broadcast: broadcastPolicy,
  });
  // One email per cause, even when deliveries race (a redrive, a replay with external effects).
  const notificationClaims = dynamoEffectClaims({ client, tableName: tableNames.notificationEffectClaims });
  const outboxSender = outboxEmailSender({ dir: outbox });
  const email = options.wrapEmail?.(outboxSender) ?? outboxSender;
  const pdf = workerPdfRenderer();
  if (options.warmUp) warming.push(pdf.warmUp());
  const notification = createNotification({
    store: storeFor(Sources.notification),
    clock,
    ids,
    email,
    from: 'MTD Boletas <boletas@mtd.example.cl>',
    claims: notificationClaims,
    pdf,
  });
  // The audit ledger over the store itself (platform's, never rebuilt): one writer follows the feed.
  // Its signing key and leaf salt are kept like the auth secret, 0600 in the data folder.
  const keysDir = localLedger.keysDir(dataDir);
  const ledger = new Ledger({
    client,
    tableName: tableNames.ledger,
    clock,
    salts: await fileLedgerSalts(keysDir),
    signer: await fileLedgerSigner(keysDir),
    origin: localLedger.origin,
  });
  const ledgerWriter = new LedgerWriter({
    ledger,
    reader,
    clock,
    onError: (error) => log(`ledger: ${(error as Error).stack ?? String(error)}`),
  });
  // The store's table as stored: proofs read an order's streams from it, `mtd audit verify` scans it.
  const storedEvents = new DynamoStoredEvents({ client, tableName: tableNames.events });
  const auditLedger: AuditLedger = {
    entries: (options) => ledgerEntries(ledger, options),
    verify: () => ledger.verify(reader),
    checkpoints: () => ledger.checkpoints(),
    prove: (orderId, options) => ledger.proveOrder(orderId, { events: storedEvents, ...options }),
  };
  const orderListeners = new Set<(view: OrderView) => void>();
  // Read models in versions (rebuild switches them); `projection` delegates to the active one.
  const projections = await ProjectionVersions.open({
    client,
    checkpointsTable: tableNames.checkpoints,
    tables: { orders: tableNames.orders, timeline: tableNames.timeline },
    reader,
    create: (tables) =>
      createProjection({
        client,
        tables,
        ledger: auditLedger,
        timeZone: options.timeZone ?? 'America/Santiago',
        onOrderChanged: (view) => {
          for (const listener of orderListeners) listener(view);
        },
      }),
    onProgress: (p) =>
      log(`projections rebuild v${p.version}: ${p.eventsProcessed} events, ${p.eventsPerSecond}/s`),
  });
  const projection = projections.live;

  const handlers: Record<SubscriptionName, SubscriptionHandler> = {
    issueDteOnOrderAccepted: dte.issueDteOnOrderAccepted,
    broadcastDteOnDteIssued: dte.broadcastDteOnDteIssued,
    checkDteStatusOnDteBroadcast: dte.checkDteStatusOnDteBroadcast,
    retryBroadcastOnDteBroadcastFailed: dte.retryBroadcastOnDteBroadcastFailed,
    retryDteOnExceptionRetryRequested: dte.retryDteOnExceptionRetryRequested,
    notifyCustomerOnDteIssued: notification.notifyCustomerOnDteIssued,
    notifyOperationsOnOrderAtRisk: notifyOperationsOnOrderAtRisk({
      email,
      from: 'MTD Alertas <alertas@mtd.example.cl>',
      operations: options.operationsEmail ?? 'operaciones@mtd.example.cl',
      claims: notificationClaims,
    }),
    projectOrderOnEvent: projection.projectOrderOnEvent,
  };
  const checkpoints = new DynamoCheckpoints({ client, tableName: tableNames.checkpoints });
  const deadLetters = new DynamoDeadLetters({ client, tableName: tableNames.deadLetters });
  const runners = subscriptions.map((subscription) => {
    const handler =
      options.wrapHandler?.(subscription.name, handlers[subscription.name]) ?? handlers[subscription.name];
    return new SubscriptionRunner({
      subscription,
      handler,
      ...(isPageHandler(handler) ? { batchWindowMs: options.pageBatchWindowMs ?? pageBatchWindowMs } : {}),
      reader,
      checkpoints,
      deadLetters,
      clock,
      random,
      concurrency: options.concurrency ?? 16,
      backoff: options.deliveryBackoff ?? { baseMs: 200, maxMs: 30_000 },
      pollMs: options.pollMs ?? 2_000,
      onError: (error) =>
        log(`subscription ${subscription.name}: ${(error as Error).stack ?? String(error)}`),
    });
  });
  const followers: FeedFollower[] = [...runners, ledgerWriter];
  fence.onSettled = () => {
    for (const follower of followers) follower.poke();
  };
  for (const runner of runners) await runner.start();
  await ledgerWriter.start();
  // The tail keeps what the slowest reader has not read yet (bounded by its capacity).
  const trimLiveFeed = setInterval(() => {
    const positions = followers.map((r) => r.position);
    if (positions.every((p) => p !== undefined)) live.trimTo(positions.sort()[0]);
  }, 1_000);
  trimLiveFeed.unref();

  const backoffice = await startBackoffice({
    client,
    tables: { users: tableNames.users, signInAttempts: tableNames.signInAttempts },
    dataDir,
    // In process, through the query API of whichever read-model version is live (rebuilds switch it).
    projectionQueryApi: async (request) => projection.queryApi.fetch(request),
    backofficeStore: storeFor(Sources.backoffice),
    clock,
    ids,
    subscribe: (listener) => {
      orderListeners.add(listener);
      return () => orderListeners.delete(listener);
    },
    ...((options.adminPassword ?? process.env.MTD_ADMIN_PASSWORD)
      ? { adminPassword: options.adminPassword ?? process.env.MTD_ADMIN_PASSWORD }
      : {}),
  });
  const slaWatcher = startSlaWatcher({
    queries: projection.queries,
    projectionStore: storeFor(Sources.projection),
    clock,
    ids,
    sla: {
      ...options.sla,
      broadcastRetry: broadcastPolicy,
      // Everything before this is in the views: the projection's position, or now once it has
      // caught up (an idle runtime still sees a stuck order's deadline pass).
      watermark: async () => {
        const runner = runners.find((r) => r.name === 'projectOrderOnEvent');
        if (!runner) return undefined;
        if (runner.caughtUp) return clock.now();
        return runner.position ? timeOfPosition(runner.position) : undefined;
      },
    },
    log,
  });
  const app = new Hono();
  app.get('/api/health', (c) =>
    c.json({
      status: 'ok',
      subscriptions: followers.map((r) => ({ name: r.name, caughtUp: r.caughtUp, handled: r.handled })),
    }),
  );
  // Every /api body is a small JSON document (sign-in, a user, a replay request, a partner): over
  // 64 KiB is refused before it is read (routes may be stricter). POST /orders has intake's limits.
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: maxApiBodyBytes,
      onError: (c) =>
        c.json(
          {
            error: 'PayloadTooLarge',
            message: `the body is over the ${maxApiBodyBytes / 1024} KiB limit of /api`,
          },
          413,
        ),
    }),
  );
  // Every /api route below needs a token and a role (the back office's domain/accessPolicy.ts).
  app.use('/api/*', backoffice.guard);
  app.route('/', intake.httpApp);
  // The back office serves the portal, sign-in and users, and projection's read routes (forwarded
  // to its query API: the back office reads no projection table).
  app.route('/', backoffice.app);
  app.route('/', deadLetterApi({ deadLetters, clock }));
  app.route('/', dteApi({ reader }));
  app.route('/api/admin/partners', partnersApi({ keys: partnerKeys, clock }));
  app.route(
    '/api/admin',
    adminApi({
      deadLetters,
      runners,
      subscriptions,
      projections,
      clock,
      audit: { ledger, events: storedEvents },
    }),
  );
  // Body limits are the routes'; the server cuts off slow clients (headers, bodies, idle keep-alive).
  const server = serve({
    fetch: app.fetch,
    port: options.port ?? 0,
    hostname: '127.0.0.1',
    serverOptions: { ...httpServerLimits },
  }) as Server;
  await new Promise<void>((resolveListen, reject) => {
    if (server.listening) resolveListen();
    server.once('listening', () => resolveListen());
    server.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const watcher = await startInboxWatcher({
    dir: inbox,
    receiveBatchFile: intake.receiveBatchFile,
    pollMs: options.inboxPollMs ?? 1_000,
    onReport: (report) => log(`inbox: ${report.file}: ${batchCounts(report)}`),
  });

  // A data folder from before the keys-only order indexes: its read models move to a new version,
  // rebuilt in the background while the old one serves (see ProjectionVersions.needsIndexUpgrade).
  if (await projections.needsIndexUpgrade()) {
    log(`projections: upgrading v${projections.version} to keys-only order indexes (a rebuild)`);
    void projections
      .rebuild()
      .then((p) =>
        log(
          `projections: upgrade ${p.status === 'done' ? `done, v${p.version} active` : `failed: ${p.error}`}`,
        ),
      );
  }

  await Promise.all(warming);
  writeFileSync(
    join(dataDir, 'runtime.json'),
    `${JSON.stringify({ url, pid: process.pid, inbox, outbox }, null, 2)}\n`,
    { mode: 0o600 },
  );

  return {
    url,
    dataDir,
    inbox,
    outbox,
    taxAuthorityUrl,
    deadLetters,
    reader,
    client,
    runners,
    followers,
    ledger,
    projections,
    onCommit: (listener) => live.onCommit(listener),
    onOrderChanged(listener) {
      orderListeners.add(listener);
      return () => orderListeners.delete(listener);
    },
    ...(backoffice.initialAdmin ? { initialAdmin: backoffice.initialAdmin } : {}),
    ...(localKey ? { intakeApiKey: localKey.key } : {}),
    ...(localKey?.created
      ? { initialIntakeKey: { partner: localPartnerName, key: localKey.key, generated: localKey.generated } }
      : {}),
    setTaxFailureRate: async (rate) => simulator?.setFailureRate(rate),
    pdfThreads: () => pdf.threads(),
    taxAuthorityThreads: () => simulator?.threads() ?? [],
    signingThreads: () => dteSigner.threads(),
    checkSla: () => slaWatcher.checkSla(),
    async stop() {
      clearInterval(trimLiveFeed);
      await expiredItems.stop();
      await slaWatcher.stop();
      await watcher.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      for (const runner of runners) await runner.stop();
      await ledgerWriter.stop();
      // Every thread the runtime started ends with it (unref'd, they would not hold the process, but
      // a runtime stopped inside a longer-lived process must not leave them running).
      await pdf.close();
      await dteSigner.close();
      await simulator?.close();
      await dynamo.close();
    },
  };
}
