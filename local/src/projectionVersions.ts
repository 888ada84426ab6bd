import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type MtdEvent, subscriptionNamed } from '@mtd/contracts';
import {
  DynamoCheckpoints,
  type EventStoreReader,
  ensureTables,
  fromEventBridgeEvent,
  matchesPattern,
  toEventBridgeEvent,
} from '@mtd/platform';
import { type Projection, type ProjectionQueries, projectionTables } from '@mtd/projection';
import { Hono } from 'hono';

export interface ProjectionTableNames {
  orders: string;
  timeline: string;
  audit: string;
}

/** The checkpoints-table item that keeps the active read-model version across restarts. */
export const activeProjectionVersionKey = '$projection-active-version';

/** Version 1 uses the base names; version n the base names suffixed `-vn`. */
export function projectionTablesOf(base: ProjectionTableNames, version: number): ProjectionTableNames {
  if (version === 1) return base;
  return {
    orders: `${base.orders}-v${version}`,
    timeline: `${base.timeline}-v${version}`,
    audit: `${base.audit}-v${version}`,
  };
}

export interface RebuildProgress {
  status: 'idle' | 'running' | 'done' | 'failed';
  version: number;
  eventsProcessed: number;
  eventsPerSecond: number;
  startedAt?: string;
  finishedAt?: string;
  /** Events the live subscriptions would dead-letter (invalid on receipt): skipped here too. */
  invalidEvents: number;
  audit?: { ok: true; entries: number } | { ok: false; reason: string };
  error?: string;
}

/**
 * The read models in versions: the live version serves the query API and receives the live
 * subscriptions' events through `live` (a Projection whose handlers, queries and query API delegate
 * to the active version), while {@link ProjectionVersions.rebuild} folds the whole store into a new
 * version and switches to it once it has caught up with the feed. The active version is kept in
 * the checkpoints table, so a restart serves the version that was active.
 */
export class ProjectionVersions {
  private active: Projection;
  private progressState: RebuildProgress;
  private running: Promise<RebuildProgress> | undefined;
  /** Delegates to whichever version is active at the time of each call. */
  readonly live: Projection;

  private constructor(
    private readonly deps: OpenProjectionVersionsOptions,
    private activeVersion: number,
  ) {
    this.active = deps.create(projectionTablesOf(deps.tables, activeVersion));
    this.progressState = {
      status: 'idle',
      version: activeVersion,
      eventsProcessed: 0,
      eventsPerSecond: 0,
      invalidEvents: 0,
    };
    const current = () => this.active;
    const queries = new Proxy({} as ProjectionQueries, {
      get(_target, key) {
        const q = current().queries as unknown as Record<string | symbol, unknown>;
        const value = q[key];
        return typeof value === 'function' ? value.bind(q) : value;
      },
    });
    const queryApi = new Hono();
    queryApi.all('*', async (c, next) => {
      const response = await current().queryApi.fetch(c.req.raw);
      // The query API has no such route (Hono's default answer, or its own "no route" JSON): let
      // the apps mounted after it answer, as they would had it been mounted with app.route.
      if (response.status === 404 && (await isNoRoute(response.clone()))) return next();
      return response;
    });
    this.live = {
      projectOrderOnEvent: (event, context) => current().projectOrderOnEvent(event, context),
      appendAuditEntryOnEvent: (event, context) => current().appendAuditEntryOnEvent(event, context),
      queries,
      queryApi,
    };
  }

  static async open(options: OpenProjectionVersionsOptions): Promise<ProjectionVersions> {
    const stored = await new DynamoCheckpoints({
      client: options.client,
      tableName: options.checkpointsTable,
    }).load(activeProjectionVersionKey);
    const version = stored ? Number(stored) : 1;
    await ensureTables(options.client, projectionTables(projectionTablesOf(options.tables, version)));
    return new ProjectionVersions(options, version);
  }

  get version(): number {
    return this.activeVersion;
  }

  get activeTables(): ProjectionTableNames {
    return projectionTablesOf(this.deps.tables, this.activeVersion);
  }

  progress(): RebuildProgress {
    return { ...this.progressState };
  }

  /** Starts a rebuild (or returns the one running); resolves with its final progress. */
  rebuild(): Promise<RebuildProgress> {
    if (!this.running) {
      this.running = this.doRebuild().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async doRebuild(): Promise<RebuildProgress> {
    const version = this.activeVersion + 1;
    const tables = projectionTablesOf(this.deps.tables, version);
    const started = Date.now();
    const state: RebuildProgress = {
      status: 'running',
      version,
      eventsProcessed: 0,
      eventsPerSecond: 0,
      invalidEvents: 0,
      startedAt: new Date(started).toISOString(),
    };
    this.progressState = state;
    try {
      // A crashed earlier rebuild of this version left partial tables: start clean.
      for (const table of Object.values(tables)) {
        try {
          await this.deps.client.send(new DeleteTableCommand({ TableName: table }));
        } catch (error) {
          if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        }
      }
      await ensureTables(this.deps.client, projectionTables(tables));
      const next = this.deps.create(tables);
      const replayName = `rebuild-v${version}`;
      let position: string | undefined;
      const catchUp = async () => {
        for (;;) {
          const page = await this.deps.reader.readFeed(position, { limit: 200 });
          if (page.commits.length === 0) return;
          const events: MtdEvent[] = [];
          for (const commit of page.commits) {
            for (const stored of commit.events) {
              const event = receive(stored);
              if (event) events.push(event);
              else state.invalidEvents++;
            }
          }
          await foldPage(next, events, replayName);
          position = page.position;
          state.eventsProcessed += events.length;
          state.eventsPerSecond = Math.round(
            state.eventsProcessed / Math.max(0.001, (Date.now() - started) / 1000),
          );
          this.deps.onProgress?.({ ...state });
        }
      };
      await catchUp();
      // Caught up: switch. Events the live subscriptions handled into the old version meanwhile
      // are at or below the feed's horizon now, so one more pass folds them into the new one.
      this.active = next;
      this.activeVersion = version;
      await new DynamoCheckpoints({ client: this.deps.client, tableName: this.deps.checkpointsTable }).save(
        activeProjectionVersionKey,
        String(version),
      );
      await catchUp();
      const verification = await next.queries.verifyAudit();
      state.audit = verification.ok
        ? { ok: true, entries: verification.entries }
        : { ok: false, reason: `seq ${verification.firstBrokenSeq}: ${verification.reason}` };
      if (!verification.ok)
        throw new Error(
          `the rebuilt audit chain does not verify: ${state.audit.ok ? '' : state.audit.reason}`,
        );
      state.status = 'done';
    } catch (error) {
      state.status = 'failed';
      state.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    state.finishedAt = new Date().toISOString();
    state.eventsPerSecond = Math.round(
      state.eventsProcessed / Math.max(0.001, (Date.now() - started) / 1000),
    );
    this.progressState = { ...state };
    return { ...state };
  }
}

export interface OpenProjectionVersionsOptions {
  client: DynamoDBClient;
  checkpointsTable: string;
  /** Version 1's table names; later versions add `-vN`. */
  tables: ProjectionTableNames;
  reader: EventStoreReader;
  /** Builds the projection service on a set of tables (the runtime's createProjection call). */
  create: (tables: ProjectionTableNames) => Projection;
  onProgress?: (progress: RebuildProgress) => void;
}

const projectPattern = subscriptionNamed('projectOrderOnEvent').pattern;
const auditPattern = subscriptionNamed('appendAuditEntryOnEvent').pattern;

/** As a subscription receives it: validated and upcast, or undefined when it would be dead-lettered. */
function receive(stored: MtdEvent): MtdEvent | undefined {
  if (!stored?.metadata?.eventId) return undefined;
  try {
    return fromEventBridgeEvent(toEventBridgeEvent(stored));
  } catch {
    return undefined;
  }
}

/** One page: order views per order in feed order (orders in parallel), the audit chain in feed order. */
async function foldPage(projection: Projection, events: MtdEvent[], replayName: string): Promise<void> {
  const byOrder = new Map<string, MtdEvent[]>();
  for (const event of events) {
    if (!matchesPattern(projectPattern, toEventBridgeEvent(event))) continue;
    const list = byOrder.get(event.metadata.correlationId) ?? [];
    list.push(event);
    byOrder.set(event.metadata.correlationId, list);
  }
  const queue = [...byOrder.values()];
  const views = Promise.all(
    Array.from({ length: Math.min(16, queue.length) }, async () => {
      for (let list = queue.shift(); list; list = queue.shift()) {
        for (const event of list)
          await projection.projectOrderOnEvent(event, {
            subscription: 'projectOrderOnEvent',
            attempt: 1,
            replayName,
          });
      }
    }),
  );
  const audit = (async () => {
    for (const event of events) {
      if (!matchesPattern(auditPattern, toEventBridgeEvent(event))) continue;
      await projection.appendAuditEntryOnEvent(event, {
        subscription: 'appendAuditEntryOnEvent',
        attempt: 1,
        replayName,
      });
    }
  })();
  await Promise.all([views, audit]);
}

async function isNoRoute(response: Response): Promise<boolean> {
  const text = await response.text();
  if (!(response.headers.get('content-type') ?? '').includes('json')) return true;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    return (
      body.error === 'NotFound' && typeof body.message === 'string' && body.message.startsWith('no route')
    );
  } catch {
    return true;
  }
}
