import {
  type Clock,
  DeadLetterNotFoundError,
  type DynamoDeadLetters,
  describeLetterEvent,
} from '@mtd/platform';
import { Hono } from 'hono';

/** Dead letters of the local subscriptions: list, show, redrive. */
export function deadLetterApi({
  deadLetters,
  clock,
}: {
  deadLetters: DynamoDeadLetters;
  clock: Clock;
}): Hono {
  const app = new Hono();
  app.get('/api/dead-letters', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && status !== 'dead' && status !== 'retrying') {
      return c.json({ error: `status must be "dead" or "retrying", not "${status}"` }, 400);
    }
    const letters = await deadLetters.list(status ? { status } : {});
    return c.json({ items: letters.map((letter) => ({ ...letter, event: describeLetterEvent(letter) })) });
  });
  app.post('/api/dead-letters/:subscription/:eventId/redrive', async (c) => {
    try {
      const letter = await deadLetters.redrive(
        c.req.param('subscription'),
        c.req.param('eventId'),
        clock.now(),
      );
      return c.json({ redriven: letter.eventId, subscription: letter.subscription });
    } catch (error) {
      if (error instanceof DeadLetterNotFoundError) return c.json({ error: error.message }, 404);
      throw error;
    }
  });
  return app;
}
