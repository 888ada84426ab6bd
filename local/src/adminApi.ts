import type { Subscription } from '@mtd/contracts';
import {
  type Clock,
  DeadLetterNotFoundError,
  type DynamoDeadLetters,
  InvalidEventPatternError,
  type SubscriptionRunner,
} from '@mtd/platform';
import { Hono } from 'hono';
import type { ProjectionVersions } from './projectionVersions';
import { ReplayRequestError, replayToSubscriptions } from './replay';

/**
 * Operations of the local bus, mounted under `/api/admin` (meant for role `admin`):
 * - `GET  /dead-letters/:subscription/:eventId`: one letter with its attempt history;
 * - `POST /dead-letters/redrive?subscription=`: redrive every dead letter (of one subscription);
 * - `POST /replay` `{ from, to, pattern?, toSubscription?, includeExternal? }`: archive replay;
 * - `POST /projections/rebuild`: starts a rebuild into a new version; `GET` shows its progress.
 */
export function adminApi(deps: {
  deadLetters: DynamoDeadLetters;
  runners: SubscriptionRunner[];
  subscriptions: readonly Subscription[];
  projections: ProjectionVersions;
  clock: Clock;
}): Hono {
  const app = new Hono();
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
    const letters = await deps.deadLetters.redriveAll(deps.clock.now(), subscription ? { subscription } : {});
    return c.json({ redriven: letters.map((l) => ({ subscription: l.subscription, eventId: l.eventId })) });
  });
  app.post('/replay', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const from = new Date(String(body?.from));
    const to = new Date(String(body?.to));
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
      return c.json({ error: 'from and to must be ISO times' }, 400);
    try {
      const summary = await replayToSubscriptions(deps, {
        from,
        to,
        ...(body?.pattern ? { pattern: body.pattern as Record<string, unknown> } : {}),
        ...(typeof body?.toSubscription === 'string' ? { toSubscription: body.toSubscription } : {}),
        includeExternal: body?.includeExternal === true,
      });
      return c.json(summary);
    } catch (error) {
      if (error instanceof InvalidEventPatternError || error instanceof ReplayRequestError)
        return c.json({ error: error.message }, 400);
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
