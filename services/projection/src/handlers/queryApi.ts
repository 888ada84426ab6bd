import { randomUUID } from 'node:crypto';
import { serviceLogger } from '@mtd/platform';
import { LedgerCorruptError, LedgerProofError } from '@mtd/platform/ledger';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AuditLedgerUnavailableError, InvalidCursorError } from '#adapters/projectionErrors';
import { businessDayOf, isBusinessDay } from '#domain/businessDay';
import { defaultTimeZone, isOrderStage, orderStages } from '#domain/orderView';
import { dayStatisticsToCsv, ordersPerHour } from '#domain/statistics';
import { maxPageSize, type ProjectionQueries } from '#src/projectionQueries';

export interface QueryApiOptions {
  /** Time zone of "today" when `/api/stats` has no `day`. */
  timeZone?: string;
  /** The clock, read only to pick today's day. */
  now?: () => Date;
}

/** A request the API refuses, with the status and a message the caller can act on. */
export class QueryRequestError extends Error {
  override readonly name = 'QueryRequestError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

function parseLimit(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > maxPageSize) {
    throw new QueryRequestError(400, `limit must be a whole number from 1 to ${maxPageSize}, got "${raw}"`);
  }
  return limit;
}

/**
 * The back-office query API (Hono, so the same app runs under Node locally and in Lambda):
 * - `GET /api/orders?stage=&exception=&atRisk=&minAgeMinutes=&limit=&cursor=`: orders in process (no
 *   stage) or in one stage, oldest first, optionally only those with an open exception, at risk, or
 *   at least that old;
 * - `GET /api/exceptions?limit=&cursor=`: orders with an open exception;
 * - `GET /api/orders/:orderId`: `{ order, timeline }`;
 * - `GET /api/stats?day=YYYY-MM-DD[&format=csv]`: a day's statistics (default: today in the time zone)
 *   plus `ordersPerHour` (hours of the business day in the time zone) and `atRiskOpen` in JSON;
 *   `?from=&to=` for a range of days, with a `daily` series; dispatch compliance as of now, or as of
 *   `asOf=` (an ISO instant: the same figures whenever they are asked for);
 * - `GET /api/audit?limit=&cursor=` (the audit ledger's leaves, newest first) and `GET /api/audit/verify`
 *   (the ledger recomputed from the event store: `{ ok, treeSize, problems }`);
 * - `GET /api/audit/checkpoints?limit=`: the signed checkpoints, newest first, `{ total, items }`;
 * - `GET /api/audit/proof/:orderId[?redact=true]`: a download, the order's proof file
 *   (`mtd-ledger-proof/1`, checked offline by `mtd audit check-proof`); 404 when no event of the
 *   order is in the ledger.
 * Errors are JSON `{ error, message }`.
 */
export function createQueryApi(queries: ProjectionQueries, options: QueryApiOptions = {}): Hono {
  const timeZone = options.timeZone ?? defaultTimeZone;
  const now = options.now ?? (() => new Date());
  const app = new Hono();

  const parseBoolean = (name: string, raw: string | undefined): boolean | undefined => {
    if (raw === undefined || raw === '') return undefined;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new QueryRequestError(400, `${name} must be true or false, got "${raw}"`);
  };

  app.get('/api/orders', async (c) => {
    const stage = c.req.query('stage') || undefined;
    if (stage !== undefined && !isOrderStage(stage)) {
      throw new QueryRequestError(400, `stage must be one of ${orderStages.join(', ')}, got "${stage}"`);
    }
    const limit = parseLimit(c.req.query('limit'));
    const cursor = c.req.query('cursor') || undefined;
    const exception = parseBoolean('exception', c.req.query('exception'));
    const atRisk = parseBoolean('atRisk', c.req.query('atRisk'));
    const rawAge = c.req.query('minAgeMinutes');
    if (rawAge && !/^\d+$/.test(rawAge)) {
      throw new QueryRequestError(400, `minAgeMinutes must be a whole number of minutes, got "${rawAge}"`);
    }
    const page = await queries.listOrders({
      ...(stage ? { stage } : {}),
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {}),
      ...(exception !== undefined ? { exception } : {}),
      ...(atRisk !== undefined ? { atRisk } : {}),
      ...(rawAge ? { minAgeMs: Number(rawAge) * 60_000, now: now() } : {}),
    });
    // `stages`: the values the stage filter takes, so clients (the portal) never keep a copy.
    return c.json({ ...page, stages: orderStages });
  });

  // Open exceptions: orders in process with an open exception, oldest first.
  app.get('/api/exceptions', async (c) => {
    const limit = parseLimit(c.req.query('limit'));
    const cursor = c.req.query('cursor') || undefined;
    return c.json(
      await queries.listOrders({
        exception: true,
        ...(limit ? { limit } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    );
  });

  app.get('/api/orders/:orderId', async (c) => {
    const orderId = c.req.param('orderId');
    const order = await queries.getOrder(orderId);
    if (!order) throw new QueryRequestError(404, `no order ${orderId} is known to the projection`);
    return c.json({ order, timeline: await queries.timeline(orderId) });
  });

  app.get('/api/stats', async (c) => {
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') {
      throw new QueryRequestError(400, `format must be json or csv, got "${format}"`);
    }
    const from = c.req.query('from') || undefined;
    const to = c.req.query('to') || undefined;
    if (from !== undefined || to !== undefined) {
      if (!from || !to || !isBusinessDay(from) || !isBusinessDay(to) || from > to) {
        throw new QueryRequestError(400, 'give both from and to as dates like 2026-11-01, with from ≤ to');
      }
      if (Date.parse(to) - Date.parse(from) > 92 * 86_400_000) {
        throw new QueryRequestError(400, 'a range covers at most 93 days; ask for a shorter one');
      }
      const stats = await queries.statsForPeriod(from, to, asOfOf(c.req.query('asOf'), now));
      if (format === 'csv') {
        return c.body(dayStatisticsToCsv(stats), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="mtd-stats-${from}_${to}.csv"`,
        });
      }
      return statisticsJson(c, stats);
    }
    const day = c.req.query('day') || businessDayOf(now(), timeZone);
    if (!isBusinessDay(day))
      throw new QueryRequestError(400, `day must be a date like 2026-11-24, got "${day}"`);
    const stats = await queries.statsForDay(day, asOfOf(c.req.query('asOf'), now));
    if (format === 'csv') {
      return c.body(dayStatisticsToCsv(stats), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="mtd-stats-${day}.csv"`,
      });
    }
    const views = await queries.viewsOfDays(day, day);
    return statisticsJson(c, {
      ...stats,
      ordersPerHour: ordersPerHour(views, timeZone),
      atRiskOpen: views.filter((v) => v.atRisk.length > 0).length,
    });
  });

  app.get('/api/audit/verify', async (c) => c.json(await queries.verifyAudit()));

  app.get('/api/audit/checkpoints', async (c) => {
    const limit = parseLimit(c.req.query('limit'));
    return c.json(await queries.auditCheckpoints(limit ? { limit } : {}));
  });

  app.get('/api/audit/proof/:orderId', async (c) => {
    const orderId = c.req.param('orderId');
    const redact = parseBoolean('redact', c.req.query('redact')) ?? false;
    const proof = await queries.auditProof(orderId, { redact });
    // A file for the auditor: the name says whose proof it is (anything odd in the id becomes _).
    const name = `mtd-proof-${orderId.replace(/[^\w.-]/g, '_')}${redact ? '-redacted' : ''}.json`;
    return c.body(`${JSON.stringify(proof, null, 2)}\n`, 200, {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
    });
  });

  app.get('/api/audit', async (c) => {
    const limit = parseLimit(c.req.query('limit'));
    const cursor = c.req.query('cursor') || undefined;
    return c.json(await queries.auditEntries({ ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) }));
  });

  app.notFound((c) => c.json({ error: 'NotFound', message: `no route ${c.req.method} ${c.req.path}` }, 404));

  const logger = serviceLogger('projection');
  app.onError((error, c) => {
    if (error instanceof QueryRequestError) {
      return c.json(
        { error: error.status === 404 ? 'NotFound' : 'BadRequest', message: error.message },
        error.status,
      );
    }
    if (error instanceof InvalidCursorError)
      return c.json({ error: 'BadRequest', message: error.message }, 400);
    if (error instanceof AuditLedgerUnavailableError)
      return c.json({ error: 'Unavailable', message: error.message }, 503);
    // No proof of that order can be made (none of its events is in the ledger yet, or at all).
    if (error instanceof LedgerProofError) return c.json({ error: 'NotFound', message: error.message }, 404);
    // The ledger's own items no longer read: only `verify` can say what broke.
    if (error instanceof LedgerCorruptError)
      return c.json({ error: 'Conflict', message: error.message }, 409);
    logger.error('query API failed', { path: c.req.path, error });
    return c.json({ error: 'InternalError', message: 'the projection could not answer; try again' }, 500);
  });

  return app;
}

/**
 * Statistics as JSON, with every bigint (the money sums) written as an exact JSON integer: JSON
 * numbers have no size limit, so a reader with big-number parsing gets the exact sum, and a plain
 * `JSON.parse` still gets a number (exact up to 2^53, as before).
 */
/** The instant dispatch compliance is judged at: `asOf` when given (ISO 8601), else now. */
function asOfOf(asOf: string | undefined, now: () => Date): Date {
  if (!asOf) return now();
  const at = new Date(asOf);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(asOf) || Number.isNaN(at.getTime()))
    throw new QueryRequestError(400, `asOf must be an instant like 2026-11-24T15:00:00Z, got "${asOf}"`);
  return at;
}

function statisticsJson(c: Context, value: unknown): Response {
  // A marker no input can forge (a fresh random token per answer): a description that looks like
  // one stays a string.
  const marker = `bigint:${randomUUID()}:`;
  const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${marker}${v}` : v));
  return c.body(text.replaceAll(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1'), 200, {
    'content-type': 'application/json; charset=UTF-8',
  });
}
