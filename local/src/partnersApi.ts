import {
  defaultPartnerUsagePlan,
  InvalidPartnerNameError,
  InvalidUsagePlanError,
  type Partner,
  PartnerExistsError,
  type PartnerKeys,
  PartnerNotFoundError,
  type PartnerUsagePlan,
} from '@mtd/intake';
import type { Clock } from '@mtd/platform';
import { Hono } from 'hono';

/** A partner as the API shows it: never the key, nor its hash. */
export function partnerSummary(partner: Partner) {
  return {
    name: partner.name,
    ...partner.plan,
    createdAt: partner.createdAt,
    status: partner.revokedAt ? 'revoked' : 'active',
    ...(partner.revokedAt ? { revokedAt: partner.revokedAt } : {}),
  };
}

/**
 * The intake API's partners, mounted under `/api/admin/partners` (role admin), as API Gateway's key
 * management is on AWS:
 * - `GET /`: every partner with its plan and status;
 * - `POST /` `{ name, rateLimit?, burstLimit?, quotaPerDay? }`: a new partner and key (201; the key
 *   is in this answer only). Left-out limits come from `defaultPartnerUsagePlan`;
 * - `POST /:name/revoke`: the key stops working at once (403 from then on).
 */
export function partnersApi(deps: { keys: PartnerKeys; clock: Clock }): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json({ items: deps.keys.list().map(partnerSummary) }));
  app.post('/', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body.name !== 'string')
      return c.json({ error: 'send JSON { "name": "…", "rateLimit"?, "burstLimit"?, "quotaPerDay"? }' }, 400);
    try {
      const plan: PartnerUsagePlan = {
        rateLimit: numberField(body, 'rateLimit') ?? defaultPartnerUsagePlan.rateLimit,
        burstLimit: numberField(body, 'burstLimit') ?? defaultPartnerUsagePlan.burstLimit,
      };
      const quota =
        body.quotaPerDay === null
          ? undefined
          : (numberField(body, 'quotaPerDay') ?? defaultPartnerUsagePlan.quotaPerDay);
      if (quota !== undefined) plan.quotaPerDay = quota;
      const { partner, key } = await deps.keys.add(body.name, plan, deps.clock.now());
      return c.json({ ...partnerSummary(partner), key }, 201);
    } catch (error) {
      if (error instanceof InvalidPartnerNameError || error instanceof InvalidUsagePlanError)
        return c.json({ error: error.message }, 400);
      if (error instanceof PartnerExistsError) return c.json({ error: error.message }, 409);
      throw error;
    }
  });
  app.post('/:name/revoke', async (c) => {
    try {
      return c.json(partnerSummary(await deps.keys.revoke(c.req.param('name'), deps.clock.now())));
    } catch (error) {
      if (error instanceof PartnerNotFoundError) return c.json({ error: error.message }, 404);
      throw error;
    }
  });
  return app;
}

/** A limit from the body: absent is undefined; anything but a number is refused by the plan's check. */
function numberField(body: Record<string, unknown>, field: keyof PartnerUsagePlan): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number')
    throw new InvalidUsagePlanError(`${field} must be a whole number, got ${JSON.stringify(value)}`);
  return value;
}
