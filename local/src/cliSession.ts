import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from './cliErrors';

/**
 * What `mtd login` keeps in `DATA/session.json` (mode 0600): the access token and when it stops
 * working, and the refresh token that renews it without a password.
 */
export interface CliSession {
  url: string;
  username: string;
  role: string;
  token: string;
  expiresAt: string;
  refreshToken?: string;
  refreshExpiresAt?: string;
}

/** Not signed in, a session that cannot be renewed, or a role that may not (exit 4). */
export class CliSessionError extends Error {
  override readonly name = 'CliSessionError';
  readonly exitCode = ExitCode.notSignedIn;
}

/** A token this close to its end is renewed first, so it does not expire on the way. */
const renewBeforeMs = 30_000;

export function sessionFile(dataDir: string): string {
  return join(dataDir, 'session.json');
}

export function readSession(dataDir: string): CliSession | undefined {
  const file = sessionFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CliSession;
  } catch {
    return undefined; // unreadable: as if signed out
  }
}

function writeSession(dataDir: string, session: CliSession): void {
  writeFileSync(sessionFile(dataDir), `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
}

export function forgetSession(dataDir: string): boolean {
  const file = sessionFile(dataDir);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

/** A POST to the runtime without a session (sign-in, refresh), as RuntimeClient sends it. */
export type UnauthenticatedPost = (
  path: string,
  json: unknown,
  headers?: Record<string, string>,
) => Promise<Response>;

export interface SessionKeeperOptions {
  dataDir: string;
  /** The runtime's URL, recorded in the session for the person reading it. */
  url: string;
  env: NodeJS.ProcessEnv;
  post: UnauthenticatedPost;
  now?: () => Date;
}

/**
 * The CLI's session: reads `DATA/session.json` and renews it without being asked when it has
 * expired (or is about to), first with its refresh token, else with `MTD_PASSWORD` (the user is the
 * session's, else `MTD_USER`, else admin). Only when neither is available does a command fail, and
 * then it says what to do.
 */
export class SessionKeeper {
  private readonly now: () => Date;

  constructor(private readonly options: SessionKeeperOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The Authorization header of a session valid for at least the next 30 s. */
  async authorization(): Promise<Record<string, string>> {
    const session = readSession(this.options.dataDir);
    if (session && Date.parse(session.expiresAt) - renewBeforeMs > this.now().getTime())
      return { authorization: `Bearer ${session.token}` };
    return this.renew();
  }

  /** A new access token: by refresh token, else by MTD_PASSWORD; else a CliSessionError saying why. */
  async renew(reason?: string): Promise<Record<string, string>> {
    const { dataDir, env } = this.options;
    const session = readSession(dataDir);
    const now = this.now().getTime();
    let refreshRefusal: string | undefined;
    if (session?.refreshToken && Date.parse(session.refreshExpiresAt ?? '') > now) {
      const response = await this.options.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      const body = (await response.json().catch(() => ({}))) as Record<string, string>;
      if (response.ok && body.token) {
        writeSession(dataDir, {
          ...session,
          token: body.token,
          expiresAt: body.expiresAt ?? '',
          role: body.role ?? session.role,
        });
        return { authorization: `Bearer ${body.token}` };
      }
      refreshRefusal = body.message ?? `refresh answered ${response.status}`;
    }
    const password = env.MTD_PASSWORD;
    if (password) {
      const username = session?.username ?? env.MTD_USER ?? 'admin';
      const renewed = await this.signIn(username, password);
      return { authorization: `Bearer ${renewed.token}` };
    }
    const todo = 'run "mtd login" (scripts: set MTD_PASSWORD and the CLI signs in by itself)';
    if (!session) throw new CliSessionError(`not signed in: ${todo}`);
    if (refreshRefusal)
      throw new CliSessionError(
        `your session as ${session.username} cannot be renewed (${refreshRefusal}): ${todo}`,
      );
    if (Date.parse(session.expiresAt) <= now)
      throw new CliSessionError(
        `your session as ${session.username} expired at ${session.expiresAt}: run "mtd login" again (scripts: set MTD_PASSWORD and the CLI signs in by itself)`,
      );
    throw new CliSessionError(
      `MTD refused the session of ${session.username}${reason ? ` (${reason})` : ''}: ${todo}`,
    );
  }

  /**
   * Signs in with a password and keeps the session, with a refresh token when the runtime issues
   * one (an older runtime does not: the session then lasts as long as its access token).
   */
  async signIn(username: string, password: string): Promise<CliSession> {
    const response = await this.options.post('/api/auth/login', { username, password });
    const body = (await response.json().catch(() => ({}))) as Record<string, string>;
    if (!response.ok)
      throw new CliSessionError(`sign-in as ${username} refused (${response.status}): ${body.message ?? ''}`);
    const session: CliSession = {
      url: this.options.url,
      username: body.username ?? username,
      role: body.role ?? '',
      token: body.token ?? '',
      expiresAt: body.expiresAt ?? '',
    };
    const refresh = await this.options.post(
      '/api/auth/refresh',
      {},
      { authorization: `Bearer ${session.token}` },
    );
    if (refresh.ok) {
      const issued = (await refresh.json()) as { refreshToken?: string; refreshExpiresAt?: string };
      if (issued.refreshToken) {
        session.refreshToken = issued.refreshToken;
        session.refreshExpiresAt = issued.refreshExpiresAt ?? '';
      }
    }
    writeSession(this.options.dataDir, session);
    return session;
  }
}

/** The password for `mtd login`: MTD_PASSWORD, else the first line of piped stdin, else a hidden prompt. */
export async function readPassword(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.MTD_PASSWORD) return env.MTD_PASSWORD;
  if (!process.stdin.isTTY) {
    // Piped: the first line of stdin (echo "$PW" | mtd login).
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write('Password: ');
  process.stdin.setRawMode(true);
  process.stdin.resume();
  return new Promise((resolve) => {
    let typed = '';
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') process.exit(ExitCode.interrupted);
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    process.stdin.on('data', onData);
  });
}
