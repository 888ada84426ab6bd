import { randomBytes } from 'node:crypto';
import type { Subscription } from '@mtd/contracts';
import {
  type Clock,
  DeadLetterNotFoundError,
  type DynamoDeadLetters,
  InvalidEventPatternError,
  type SubscriptionRunner,
} from '@mtd/platform';
import {
  type CommitSource,
  type Ledger,
  LedgerCorruptError,
  LedgerProofError,
  type LedgerVerification,
} from '@mtd/platform/ledger';
import { Hono } from 'hono';
import { verifyJobProgress } from './auditReport';
import { JobNotFoundError, type JobProgress, JobRegistry } from './jobs';
import type { ProjectionVersions, RebuildProgress } from './projectionVersions';
import {
  type ReplayRequest,
  ReplayRequestError,
  replayToSubscriptions,
  validateReplayRequest,
} from './replay';

/**
 * Operations of the local bus, mounted under `/api/admin` (meant for role `admin`):
 * - `GET  /dead-letters/:subscription/:eventId`: one letter with its attempt history;
 * - `POST /dead-letters/redrive?subscription=`: redrive every dead letter (of one subscription);
 * - `POST /replay` `{ from, to, pattern?, toSubscription?, includeExternal? }`: archive replay;
 * - `POST /projections/rebuild`: starts a rebuild into a new version; `GET` shows its progress;
 * - `POST /jobs/replay` (same body as `/replay`) and `POST /jobs/projections-rebuild`: the same work
 *   as a job: 202 at once with the job, whose progress `GET /jobs/:id` shows (`GET /jobs` lists them).
 *   This is what the CLI uses, so a long job never holds a request open.
 * - `POST /jobs/audit-verify`: `mtd audit verify` as a job (a second request joins the running one):
 *   the ledger recomputed from a scan of the event store's table; the job's result is the
 *   verification (`ok`, `problems`), and the job is done whatever it found;
 * - `POST /audit/checkpoint`: a signed checkpoint of the ledger now (the same one when nothing was
 *   appended since the last); `GET /audit/consistency?from=A&to=B`: the consistency proof file
 *   between the checkpoints of A and B leaves.
 */
export function adminApi(deps: {
  deadLetters: DynamoDeadLetters;
  runners: SubscriptionRunner[];
  subscriptions: readonly Subscription[];
  projections: ProjectionVersions;
  clock: Clock;
  /** Where jobs are kept; a new registry by default. */
  jobs?: JobRegistry;
  /** The audit ledger and the store it is verified against (the table itself, as stored). */
  audit: { ledger: Ledger; events: CommitSource };
}): Hono {
  const app = new Hono();
  const jobs =
    deps.jobs ??
    new JobRegistry({ clock: deps.clock, newId: (kind) => `${kind}-${randomBytes(4).toString('hex')}` });
  app.get('/dead-letters/:subscription/:eventId', async (c) => {
    const letter = await deps.deadLetters.get(c.req.param('subscription'), c.req.param('eventId'));
    if (!letter) {
      const error = new DeadLetterNotFoundError(c.req.param('subscription'), c.req.param('eventId'));
      return c.json({ error: error.message }, 404);
    }
    return c.json(letter);
  });
  app.post('/dead-letters/redrive', async (c) => {
    const subscription = c.req.query('subscription');
    // A misspelt name would match no letter and answer "0 redriven", as if there were nothing to do.
    if (subscription && !deps.subscriptions.some((s) => s.name === subscription))
      return c.json({ error: `no subscription named ${subscription}` }, 404);
    const letters = await deps.deadLetters.redriveAll(deps.clock.now(), subscription ? { subscription } : {});
    return c.json({ redriven: letters.map((l) => ({ subscription: l.subscription, eventId: l.eventId })) });
  });
  app.post('/replay', async (c) => {
    try {
      const request = replayRequestOf(await c.req.json().catch(() => undefined));
      return c.json(await replayToSubscriptions(deps, request));
    } catch (error) {
      if (error instanceof InvalidEventPatternError || error instanceof ReplayRequestError)
        return c.json({ error: error.message }, 400);
      throw error;
    }
  });
  app.post('/jobs/replay', async (c) => {
    let request: ReplayRequest;
    try {
      request = replayRequestOf(await c.req.json().catch(() => undefined));
      validateReplayRequest(deps, request);
    } catch (error) {
      if (error instanceof InvalidEventPatternError || error instanceof ReplayRequestError)
        return c.json({ error: error.message }, 400);
      throw error;
    }
    const job = jobs.start('replay', { done: 0, total: 100, unit: '%' }, (control) =>
      replayToSubscriptions(deps, request, ({ percent, matched }) =>
        control.report({ done: percent, total: 100, unit: '%', detail: `${matched} events re-delivered` }),
      ),
    );
    return c.json(job, 202);
  });
  app.post('/jobs/projections-rebuild', (c) => {
    const running = jobs.runningOf('projections-rebuild');
    if (running) return c.json(running, 200);
    const job = jobs.start(
      'projections-rebuild',
      { done: 0, total: 100, unit: '%', detail: 'starting' },
      async (control) => {
        const rebuild = deps.projections.rebuild();
        const timer = setInterval(() => control.report(rebuildJobProgress(deps.projections.progress())), 200);
        try {
          const final = await rebuild;
          control.report(rebuildJobProgress(final));
          if (final.status === 'failed')
            throw new Error(`rebuild of v${final.version} failed: ${final.error}`);
          return final;
        } finally {
          clearInterval(timer);
        }
      },
    );
    return c.json(job, 202);
  });
  app.post('/jobs/audit-verify', (c) => {
    const running = jobs.runningOf('audit-verify');
    if (running) return c.json(running, 200);
    const job = jobs.start(
      'audit-verify',
      { done: 0, unit: 'leaves', detail: 'reading the ledger' },
      (control): Promise<LedgerVerification> =>
        deps.audit.ledger.verify(deps.audit.events, {
          onProgress: (progress) => control.report(verifyJobProgress(progress)),
        }),
    );
    return c.json(job, 202);
  });
  app.post('/audit/checkpoint', async (c) => c.json(await deps.audit.ledger.checkpoint()));
  app.get('/audit/consistency', async (c) => {
    const [from, to] = [c.req.query('from'), c.req.query('to')].map((raw) =>
      raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined,
    );
    if (from === undefined || to === undefined || from > to)
      return c.json({ error: 'from and to must be tree sizes (whole numbers), from ≤ to' }, 400);
    try {
      return c.json(await deps.audit.ledger.consistencyProof(from, to));
    } catch (error) {
      if (error instanceof LedgerProofError) return c.json({ error: error.message }, 404);
      if (error instanceof LedgerCorruptError) return c.json({ error: error.message }, 409);
      throw error;
    }
  });
  app.get('/jobs', (c) => c.json({ items: jobs.list() }));
  app.get('/jobs/:id', (c) => {
    try {
      return c.json(jobs.get(c.req.param('id')));
    } catch (error) {
      if (error instanceof JobNotFoundError) return c.json({ error: error.message }, 404);
      throw error;
    }
  });
  app.post('/projections/rebuild', (c) => {
    void deps.projections.rebuild();
    return c.json(deps.projections.progress(), 202);
  });
  app.get('/projections/rebuild', (c) =>
    c.json({ activeVersion: deps.projections.version, ...deps.projections.progress() }),
  );
  return app;
}

/**
 * The body of `POST /replay` and `POST /jobs/replay` as a request. Every field is checked for its
 * type: a `toSubscription` of 123 was dropped, and the replay went to every subscription instead of
 * one; `from: "1"` was read as the year 2001.
 */
function replayRequestOf(body: Record<string, unknown> | undefined): ReplayRequest {
  const time = (value: unknown) =>
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  const from = time(body?.from);
  const to = time(body?.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw new ReplayRequestError('from and to must be ISO times like 2026-11-24T00:00:00Z');
  const { pattern, toSubscription, includeExternal } = body ?? {};
  if (pattern !== undefined && (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)))
    throw new ReplayRequestError('pattern must be an EventBridge event pattern (a JSON object)');
  if (toSubscription !== undefined && typeof toSubscription !== 'string')
    throw new ReplayRequestError('toSubscription must be the name of one subscription (text)');
  if (includeExternal !== undefined && typeof includeExternal !== 'boolean')
    throw new ReplayRequestError('includeExternal must be true or false');
  return {
    from,
    to,
    ...(pattern !== undefined ? { pattern: pattern as Record<string, unknown> } : {}),
    ...(toSubscription !== undefined ? { toSubscription } : {}),
    includeExternal: includeExternal === true,
  };
}

/** A rebuild's progress as a job's: the share of history folded (in %), with events and speed. */
function rebuildJobProgress(progress: RebuildProgress): JobProgress {
  return {
    done: Math.round((progress.fractionDone ?? 0) * 100),
    total: 100,
    unit: '%',
    detail: `v${progress.version}: ${progress.eventsProcessed} events, ${progress.eventsPerSecond} events/s`,
  };
}
