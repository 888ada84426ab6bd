import type { Clock } from '@mtd/platform';
import { Hono } from 'hono';
import { errors, jwtVerify, SignJWT } from 'jose';
import { InvalidAccessTokenError, signAccessToken, verifyAccessToken } from '#adapters/accessTokens';
import type { DynamoUsers } from '#adapters/dynamoUsers';
import { isRole } from '#domain/accessPolicy';

/**
 * A refresh token lives 30 days. It is kept in `DATA/session.json` (0600), next to
 * `DATA/auth-secret.key` (0600) that signs every token: whoever can read one can read the other, so a
 * long-lived token there adds no exposure the local data folder does not already have.
 */
export const refreshTokenTtlSeconds = 30 * 24 * 3600;
const issuer = 'mtd-cli-refresh';

/** Refused refresh: no token, a bad one, an expired one, or a user that no longer exists. */
export class RefreshTokenRefusedError extends Error {
  override readonly name = 'RefreshTokenRefusedError';
}

export async function signRefreshToken(
  secret: Uint8Array,
  username: string,
  now: Date,
): Promise<{ refreshToken: string; refreshExpiresAt: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const refreshToken = await new SignJWT({ use: 'refresh' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(username)
    .setIssuer(issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + refreshTokenTtlSeconds)
    .sign(secret);
  return { refreshToken, refreshExpiresAt: new Date((iat + refreshTokenTtlSeconds) * 1000).toISOString() };
}

/** The username a refresh token was issued to; access tokens (another issuer) are refused. */
export async function verifyRefreshToken(secret: Uint8Array, token: string, now: Date): Promise<string> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer,
      currentDate: now,
      requiredClaims: ['sub', 'exp'],
    });
    if (payload.use !== 'refresh' || !payload.sub)
      throw new RefreshTokenRefusedError('not a refresh token; sign in again');
    return payload.sub;
  } catch (error) {
    if (error instanceof RefreshTokenRefusedError) throw error;
    if (error instanceof errors.JWTExpired)
      throw new RefreshTokenRefusedError('the refresh token expired; sign in again', { cause: error });
    throw new RefreshTokenRefusedError('the refresh token is not valid; sign in again', { cause: error });
  }
}

/**
 * `POST /api/auth/refresh` of the local runtime, for the CLI:
 * - with `Authorization: Bearer <access token>`: issues a refresh token for that user (`mtd login`);
 * - with `{ "refreshToken": "…" }`: a new access token, with the user's role as it is now (a deleted
 *   user or a changed role takes effect at the next refresh).
 *
 * Public like `/api/auth/login` (the token is the credential): listed in `publicApiRoutes`.
 */
export function refreshTokenApi(deps: { secret: Uint8Array; users: DynamoUsers; clock: Clock }): Hono {
  const app = new Hono();
  app.post('/api/auth/refresh', async (c) => {
    const now = deps.clock.now();
    const body = (await c.req.json().catch(() => ({}))) as { refreshToken?: unknown };
    try {
      if (typeof body.refreshToken === 'string') {
        const username = await verifyRefreshToken(deps.secret, body.refreshToken, now);
        const user = await deps.users.get(username);
        if (!user || !isRole(user.role))
          throw new RefreshTokenRefusedError(`user ${username} no longer exists; sign in as another user`);
        const { token, expiresAt } = await signAccessToken(deps.secret, { username, role: user.role }, now);
        return c.json({ token, expiresAt, username, role: user.role });
      }
      const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (!bearer)
        throw new RefreshTokenRefusedError(
          'send { "refreshToken": "…" }, or a valid access token to get one',
        );
      const claims = await verifyAccessToken(deps.secret, bearer, now);
      return c.json({
        username: claims.username,
        ...(await signRefreshToken(deps.secret, claims.username, now)),
      });
    } catch (error) {
      if (error instanceof RefreshTokenRefusedError || error instanceof InvalidAccessTokenError)
        return c.json({ error: 'Unauthorized', message: error.message }, 401);
      throw error;
    }
  });
  return app;
}
