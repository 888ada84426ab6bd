import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `mtd login` keeps in `DATA/session.json` (mode 0600): the token and when it stops working. */
export interface CliSession {
  url: string;
  username: string;
  role: string;
  token: string;
  expiresAt: string;
}

/** The CLI's own errors: printed as `mtd: <message>` with exit code 1. */
export class CliSessionError extends Error {
  override readonly name = 'CliSessionError';
}

export function sessionFile(dataDir: string): string {
  return join(dataDir, 'session.json');
}

/** The Authorization header of the stored session, or a clear error when there is none or it expired. */
export function authorizationFor(dataDir: string, now: Date = new Date()): Record<string, string> {
  const file = sessionFile(dataDir);
  if (!existsSync(file)) throw new CliSessionError('not signed in: run "mtd login" first');
  const session = JSON.parse(readFileSync(file, 'utf8')) as CliSession;
  if (Date.parse(session.expiresAt) <= now.getTime()) {
    throw new CliSessionError(
      `your session as ${session.username} expired at ${session.expiresAt}: run "mtd login" again`,
    );
  }
  return { authorization: `Bearer ${session.token}` };
}

async function readPassword(): Promise<string> {
  if (process.env.MTD_PASSWORD) return process.env.MTD_PASSWORD;
  if (!process.stdin.isTTY) {
    // Piped: the first line of stdin (echo "$PW" | mtd login).
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  process.stdout.write('Password: ');
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
          process.stdout.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    process.stdin.on('data', onData);
  });
}

/** `mtd login [--user NAME]`: password from MTD_PASSWORD, stdin, or a hidden prompt. */
export async function login(url: string, dataDir: string, username: string): Promise<CliSession> {
  const password = await readPassword();
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as Record<string, string>;
  if (!response.ok) throw new CliSessionError(`sign-in refused (${response.status}): ${body.message}`);
  const session: CliSession = {
    url,
    username: body.username ?? username,
    role: body.role ?? '',
    token: body.token ?? '',
    expiresAt: body.expiresAt ?? '',
  };
  writeFileSync(sessionFile(dataDir), `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  return session;
}
