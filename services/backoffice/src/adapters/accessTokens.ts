import { errors, jwtVerify, SignJWT } from 'jose';
import { isRole, type Role } from '#domain/accessPolicy';

/** Sign-in tokens live 15 minutes: short enough that a leaked one soon stops working. */
export const accessTokenTtlSeconds = 15 * 60;
const issuer = 'mtd-backoffice';

export interface AccessClaims {
  username: string;
  role: Role;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** Why a token was refused; `expired` tells the person to sign in again. */
export class InvalidAccessTokenError extends Error {
  override readonly name = 'InvalidAccessTokenError';
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An HS256 JWT for `username`, valid `ttlSeconds` from `now`. */
export async function signAccessToken(
  secret: Uint8Array,
  claims: { username: string; role: Role },
  now: Date,
  ttlSeconds = accessTokenTtlSeconds,
): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.username)
    .setIssuer(issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(secret);
  return { token, expiresAt: new Date((iat + ttlSeconds) * 1000).toISOString() };
}

export async function verifyAccessToken(secret: Uint8Array, token: string, now: Date): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer,
      currentDate: now,
      requiredClaims: ['sub', 'exp'],
    });
    const role = String(payload.role ?? '');
    if (!payload.sub || !isRole(role))
      throw new InvalidAccessTokenError('invalid', 'the token names no valid user and role');
    return { username: payload.sub, role, expiresAt: payload.exp ?? 0 };
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) throw error;
    if (error instanceof errors.JWTExpired) {
      throw new InvalidAccessTokenError('expired', 'your session expired; sign in again', { cause: error });
    }
    throw new InvalidAccessTokenError(
      'invalid',
      'the token is not valid (malformed, altered or from another server); sign in again',
      {
        cause: error,
      },
    );
  }
}
