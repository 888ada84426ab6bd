import type { Clock } from '@mtd/platform';
import type { MiddlewareHandler } from 'hono';
import type { PartnerKeys } from '#adapters/partnerKeys';
import { PartnerThrottle } from '#domain/partnerUsagePlan';

export interface PartnerKeyGateDeps {
  keys: PartnerKeys;
  clock: Clock;
}

/**
 * The front door's API keys and usage plans where there is no API Gateway (the local runtime), as
 * API Gateway applies them: judged from the headers alone, before a byte of the body is read.
 *
 * 403 no `x-api-key`, an unknown key or a revoked one · 429 over the partner's rate or burst, or its
 * daily quota (UTC day), with `Retry-After` in seconds.
 */
export function requirePartnerKey(deps: PartnerKeyGateDeps): MiddlewareHandler {
  const throttle = new PartnerThrottle();
  return async (c, next) => {
    const identity = deps.keys.identify(c.req.header('x-api-key'));
    switch (identity.kind) {
      case 'missing':
        return c.json(
          {
            error: 'Forbidden',
            message:
              'send your API key in the x-api-key header (the MTD operator issues one: mtd partners add <name>)',
          },
          403,
        );
      case 'unknown':
        return c.json({ error: 'Forbidden', message: 'the x-api-key is not a key MTD issued' }, 403);
      case 'revoked':
        return c.json(
          {
            error: 'Forbidden',
            message: `the key of partner "${identity.partner.name}" was revoked at ${identity.partner.revokedAt}; ask the MTD operator for a new one`,
          },
          403,
        );
      case 'partner':
        break;
      default: {
        const unreachable: never = identity;
        throw new Error(`unknown key identity ${JSON.stringify(unreachable)}`);
      }
    }
    const { partner } = identity;
    const admission = throttle.admit(partner.name, partner.plan, deps.clock.now().getTime());
    if (admission.admitted) return next();
    c.header('retry-after', String(admission.retryAfterSeconds));
    if (admission.reason === 'quota') {
      return c.json(
        {
          error: 'LimitExceeded',
          message: `partner "${partner.name}" has used its quota of ${partner.plan.quotaPerDay} requests for ${admission.day} (UTC); it resets at ${admission.resetsAt}`,
          retryAfterSeconds: admission.retryAfterSeconds,
        },
        429,
      );
    }
    return c.json(
      {
        error: 'TooManyRequests',
        message: `partner "${partner.name}" is over its rate of ${partner.plan.rateLimit} requests/s (burst ${partner.plan.burstLimit}); retry in ${admission.retryAfterSeconds} s`,
        retryAfterSeconds: admission.retryAfterSeconds,
      },
      429,
    );
  };
}
