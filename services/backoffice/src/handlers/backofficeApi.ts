import { ExceptionRetryRequestedV1, Streams } from '@mtd/contracts';
import { type Clock, type EventStore, type IdGenerator, serviceLogger } from '@mtd/platform';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import {
  type AccessClaims,
  InvalidAccessTokenError,
  signAccessToken,
  verifyAccessToken,
} from '#adapters/accessTokens';
import type { SignInAttempts } from '#adapters/dynamoSignInAttempts';
import { type DynamoUsers, UserExistsError, usernamePattern } from '#adapters/dynamoUsers';
import { generatePassword, hashPassword, verifyPassword } from '#adapters/passwordHashing';
import {
  type ProjectionQueryClient,
  ProjectionUnavailableError,
  projectionReadRoutes,
} from '#adapters/projectionQueryClient';
import { accessRuleFor, isPublicApiRoute, isRole, permissionsOf, roles } from '#domain/accessPolicy';
import { decideExceptionRetry, normaliseRetryComment, RetryRefusedError } from '#domain/retryDecision';
import {
  addressSignInThrottlePolicy,
  afterSignInFailure,
  defaultSignInThrottlePolicy,
  type SignInThrottlePolicy,
  signInRetryAfterMs,
} from '#domain/signInThrottle';

export type BackofficeEnv = { Variables: { user: AccessClaims } };

export interface BackofficeApiDeps {
  users: DynamoUsers;
  /** HS256 key of the sign-in tokens (≥ 32 random bytes). */
  secret: Uint8Array;
  /** Projection's read models, through its query API only. */
  readModels: ProjectionQueryClient;
  /** An event store appending as `mtd.backoffice`: the retry requests. */
  backofficeStore: EventStore;
  clock: Clock;
  ids: IdGenerator;
  /**
   * Live order changes (the portal's stream), where the runtime has them in process; returns an
   * unsubscribe function. Without it `GET /api/orders/stream` answers 404 and the portal polls.
   */
  subscribe?: (listener: (view: LiveOrder) => void) => () => void;
  /** The caller's address for sign-in throttling; locally the socket's, in AWS the API Gateway's. */
  clientAddress: (c: Context) => string;
  /** Where the sign-in throttle keeps failures: DynamoDB (every instance sees them) or memory in tests. */
  signInAttempts: SignInAttempts;
  /** Per username: slowed after 3 failures. Per address: after 20 (an office shares one address). */
  throttlePolicies?: { user: SignInThrottlePolicy; address: SignInThrottlePolicy };
  /** SSE heartbeat, so proxies keep the stream open. */
  heartbeatMs?: number;
}

/** An order view as projection publishes it; the stream drops its internal bookkeeping. */
export interface LiveOrder {
  orderId: string;
}

const json401 = (c: Context, message: string) => c.json({ error: 'Unauthorized', message }, 401);

/** The back office's JSON bodies (sign-in, a user, a retry comment) are a few hundred bytes. */
export const maxJsonBodyBytes = 16 * 1024;

/**
 * A body limit for JSON endpoints: a declared length over it is answered 413 before a byte is read;
 * a chunked body is cut off as it passes it. Either way nothing over the limit is buffered, so a
 * 40 MB sign-in costs the server nothing but the socket (which the Node server drains or closes).
 */
export function jsonBodyLimit(maxSize: number = maxJsonBodyBytes): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) =>
      c.json(
        {
          error: 'PayloadTooLarge',
          message: `the body is over the ${maxSize / 1024} KiB limit of this endpoint`,
        },
        413,
      ),
  });
}

/**
 * The access guard of every `/api/*` route: public routes pass; everything else needs
 * `Authorization: Bearer <token>` from `POST /api/auth/login` (401 without, expired or invalid) and a
 * role the route's rule lists (403 otherwise, saying which roles may). Unknown `/api` routes answer
 * 404 only to a signed-in caller.
 */
export function accessGuard(deps: { secret: Uint8Array; clock: Clock }): MiddlewareHandler<BackofficeEnv> {
  return async (c, next) => {
    const { method, path } = c.req;
    if (!path.startsWith('/api/') || isPublicApiRoute(method, path)) return next();
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) {
      return json401(c, 'sign in first: POST /api/auth/login, then send "Authorization: Bearer <token>"');
    }
    let claims: AccessClaims;
    try {
      claims = await verifyAccessToken(deps.secret, token, deps.clock.now());
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) return json401(c, error.message);
      throw error;
    }
    const rule = accessRuleFor(method, path);
    if (!rule) return c.json({ error: 'NotFound', message: `no route ${method} ${path}` }, 404);
    if (!rule.roles.includes(claims.role)) {
      return c.json(
        {
          error: 'Forbidden',
          message: `your role "${claims.role}" may not ${rule.purpose}; that needs one of: ${rule.roles.join(', ')}. Ask an admin.`,
        },
        403,
      );
    }
    c.set('user', claims);
    return next();
  };
}

/** A throwaway hash so an unknown username costs the same scrypt time as a wrong password. */
let dummyHash: Promise<string> | undefined;

/** Makes the first admin if there is none: with `password`, or a generated one returned once. */
export async function ensureInitialAdmin(
  users: DynamoUsers,
  options: { password?: string; now: Date },
): Promise<{ username: string; password: string; generated: boolean } | undefined> {
  if (await users.get('admin')) return undefined;
  const password = options.password || generatePassword();
  try {
    await users.create({
      username: 'admin',
      role: 'admin',
      passwordHash: await hashPassword(password),
      createdAt: options.now.toISOString(),
      createdBy: 'system',
    });
  } catch (error) {
    if (error instanceof UserExistsError) return undefined;
    throw error;
  }
  return { username: 'admin', password, generated: !options.password };
}

function publicView(view: LiveOrder) {
  const {
    facts: _facts,
    applied: _applied,
    ...rest
  } = view as LiveOrder & { facts?: unknown; applied?: unknown };
  return rest;
}

/**
 * The back office's API: sign-in, who am I (with what the role may do), users, retry of an exception
 * (through an ExceptionRetryRequested event, never by writing another service's data), the live order
 * stream, and projection's read routes forwarded to its query API once the access guard let them
 * through. Mount `accessGuard` on `/api/*` before it.
 */
export function createBackofficeApi(deps: BackofficeApiDeps): Hono<BackofficeEnv> {
  const app = new Hono<BackofficeEnv>();
  const policies = deps.throttlePolicies ?? {
    user: defaultSignInThrottlePolicy,
    address: addressSignInThrottlePolicy,
  };

  const limitBody = jsonBodyLimit();

  app.post('/api/auth/login', limitBody, async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { username?: unknown; password?: unknown };
    const username = typeof body.username === 'string' ? body.username.trim().toLowerCase() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!username || !password) {
      return c.json({ error: 'BadRequest', message: 'send JSON { "username": "…", "password": "…" }' }, 400);
    }
    const userKey = `user:${username}`;
    const addressKey = `ip:${deps.clientAddress(c)}`;
    const now = deps.clock.now();
    const [userFailures, addressFailures] = await Promise.all([
      deps.signInAttempts.get(userKey),
      deps.signInAttempts.get(addressKey),
    ]);
    const wait = Math.max(
      signInRetryAfterMs(userFailures, now.getTime(), policies.user),
      signInRetryAfterMs(addressFailures, now.getTime(), policies.address),
    );
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      c.header('retry-after', String(seconds));
      return c.json(
        {
          error: 'TooManyAttempts',
          message: `too many failed sign-ins; try again in ${seconds} s`,
          retryAfterSeconds: seconds,
        },
        429,
      );
    }
    const user = await deps.users.get(username);
    dummyHash ??= hashPassword(generatePassword());
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
    if (!user || !ok) {
      const at = now.getTime();
      await Promise.all([
        deps.signInAttempts.put(
          userKey,
          afterSignInFailure(userFailures, at, policies.user),
          at + policies.user.forgetAfterMs,
        ),
        deps.signInAttempts.put(
          addressKey,
          afterSignInFailure(addressFailures, at, policies.address),
          at + policies.address.forgetAfterMs,
        ),
      ]);
      return json401(c, 'wrong username or password');
    }
    if (userFailures) await deps.signInAttempts.delete(userKey);
    const { token, expiresAt } = await signAccessToken(deps.secret, { username, role: user.role }, now);
    return c.json({ token, expiresAt, username, role: user.role });
  });

  app.get('/api/auth/me', (c) => {
    const user = c.get('user');
    return c.json({
      username: user.username,
      role: user.role,
      expiresAt: new Date(user.expiresAt * 1000).toISOString(),
      // What this role may call, from the one access table: the portal shows pages and buttons by it.
      permissions: permissionsOf(user.role),
    });
  });

  app.get('/api/users', async (c) =>
    c.json({
      items: (await deps.users.list()).map(({ passwordHash: _h, ...user }) => user),
      // The roles a new user may get, so the portal keeps no copy of the list.
      roles,
    }),
  );

  app.post('/api/users', limitBody, async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as {
      username?: unknown;
      role?: unknown;
      password?: unknown;
    };
    const username = typeof body.username === 'string' ? body.username.trim().toLowerCase() : '';
    const role = typeof body.role === 'string' ? body.role : '';
    if (!usernamePattern.test(username)) {
      return c.json(
        {
          error: 'BadRequest',
          message: 'username: 2-40 lowercase letters, digits, . _ or -, starting with a letter',
        },
        400,
      );
    }
    if (!isRole(role))
      return c.json({ error: 'BadRequest', message: `role must be one of ${roles.join(', ')}` }, 400);
    let password: string;
    if (body.password === undefined) password = generatePassword();
    else if (typeof body.password === 'string' && body.password.length >= 12) password = body.password;
    else
      return c.json(
        {
          error: 'BadRequest',
          message: 'a password needs at least 12 characters (or leave it out to get a generated one)',
        },
        400,
      );
    try {
      await deps.users.create({
        username,
        role,
        passwordHash: await hashPassword(password),
        createdAt: deps.clock.now().toISOString(),
        createdBy: c.get('user').username,
      });
    } catch (error) {
      if (error instanceof UserExistsError) return c.json({ error: 'Conflict', message: error.message }, 409);
      throw error;
    }
    return c.json({ username, role, password }, 201);
  });

  app.post('/api/exceptions/:orderId/retry', limitBody, async (c) => {
    const orderId = c.req.param('orderId');
    const body = (await c.req.json().catch(() => ({}))) as { comment?: unknown };
    const comment = normaliseRetryComment(body.comment);
    const requestedAt = deps.clock.now().toISOString();
    const data = decideExceptionRetry(
      { orderId, requestedAt, ...(comment ? { comment } : {}) },
      await deps.readModels.orderUnderRetry(orderId),
    );
    const user = c.get('user');
    const streamId = Streams.backoffice(orderId);
    const { version } = await deps.backofficeStore.readStream(streamId);
    const eventId = deps.ids.next();
    await deps.backofficeStore.append(
      streamId,
      [
        {
          type: ExceptionRetryRequestedV1.detailType,
          data,
          metadata: {
            eventId,
            occurredAt: requestedAt,
            correlationId: orderId,
            causationId: eventId,
            actor: `user:${user.username}`,
          },
        },
      ],
      { expectedVersion: version === 0 ? 'no-stream' : version },
    );
    return c.json({ orderId, stage: data.stage, requestedAt, eventId, actor: `user:${user.username}` }, 202);
  });

  app.get('/api/orders/stream', (c) => {
    const subscribe = deps.subscribe;
    if (!subscribe) {
      return c.json(
        { error: 'NotFound', message: 'live updates are not offered here; poll GET /api/orders' },
        404,
      );
    }
    return streamSSE(c, async (stream) => {
      const queue: LiveOrder[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = subscribe((view) => {
        queue.push(view);
        wake?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      const expiresAtMs = c.get('user').expiresAt * 1000;
      try {
        await stream.writeSSE({ event: 'ready', data: '{}' });
        while (!closed) {
          // The token checked at connect time expires; so does the stream, and the portal reconnects.
          if (deps.clock.now().getTime() >= expiresAtMs) {
            await stream.writeSSE({ event: 'expired', data: '{}' });
            break;
          }
          const view = queue.shift();
          if (view) {
            await stream.writeSSE({ event: 'order', data: JSON.stringify(publicView(view)) });
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, deps.heartbeatMs ?? 15_000);
          });
          wake = undefined;
          if (queue.length === 0 && !closed) await stream.writeSSE({ event: 'ping', data: '{}' });
        }
      } finally {
        unsubscribe();
      }
    });
  });

  // Projection's read models: the guard has checked the role; its query API answers as it would.
  for (const route of projectionReadRoutes) {
    app.get(route, async (c) => {
      const url = new URL(c.req.url);
      return deps.readModels.forward(`${url.pathname}${url.search}`);
    });
  }

  const logger = serviceLogger('backoffice');
  app.onError((error, c) => {
    if (error instanceof RetryRefusedError) {
      return c.json(
        { error: error.reason === 'unknown-order' ? 'NotFound' : 'Conflict', message: error.message },
        error.reason === 'unknown-order' ? 404 : 409,
      );
    }
    if (error instanceof ProjectionUnavailableError) {
      return c.json({ error: 'Unavailable', message: `${error.message}; try again` }, 503);
    }
    logger.error('back office API failed', { path: c.req.path, error });
    return c.json({ error: 'InternalError', message: 'the back office could not answer; try again' }, 500);
  });

  return app;
}
