import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandFailedError, ExitCode, RuntimeUnavailableError } from './cliErrors';
import { CliSessionError, SessionKeeper } from './cliSession';

/** Where the CLI finds the runtime: `--url`, `MTD_URL`, else `DATA/runtime.json` written at start. */
export interface RuntimeLocation {
  url: string;
  inbox: string;
  outbox?: string;
  /** The runtime's process, when known (runtime.json): tells "stopped" from "busy". */
  pid?: number;
}

/** The runtime a data folder points at; throws a clear RuntimeUnavailableError when there is none. */
export function locateRuntime(dataDir: string, url?: string): RuntimeLocation {
  const file = join(dataDir, 'runtime.json');
  const recorded = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RuntimeLocation) : undefined;
  if (url) return { url, inbox: recorded?.inbox ?? join(dataDir, 'inbox') };
  if (!recorded)
    throw new RuntimeUnavailableError(
      `no MTD runtime for ${dataDir} (${file} is missing): start one with "npm start" (same --data), or pass --url`,
      ExitCode.runtimeUnavailable,
    );
  return recorded;
}

/** True when a process with this id exists (EPERM: it exists, owned by someone else). */
export function processIsAlive(pid: number | undefined): boolean | undefined {
  if (pid === undefined) return undefined;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RequestOptions {
  method?: string;
  /** JSON-serialised into the request body. */
  json?: unknown;
  /** Sent as is (e.g. an order document), with `contentType`. */
  body?: string;
  contentType?: string;
  /** Override the client's timeout for this call. */
  timeoutMs?: number;
  /** Public routes (`POST /orders`, health, sign-in) need no session. */
  auth?: boolean;
  /** Gives up waiting (Ctrl-C while following a job). */
  signal?: AbortSignal;
}

export interface RuntimeClientOptions {
  location: RuntimeLocation;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** How long one request may take before the runtime counts as busy. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The CLI's HTTP client of a running MTD. It tells three situations apart, because they need
 * different actions from the person: nothing listening and the runtime's process gone ("not
 * running", exit 3), something listening but not answering in time ("busy", exit 6: the request may
 * still take effect), and an answer. Sessions renew on their own (see SessionKeeper).
 */
export class RuntimeClient {
  readonly session: SessionKeeper;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: RuntimeClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.session = new SessionKeeper({
      dataDir: options.dataDir,
      url: options.location.url,
      env: options.env ?? process.env,
      post: (path, json, headers) => this.send(path, { method: 'POST', json, auth: false }, headers),
    });
  }

  get location(): RuntimeLocation {
    return this.options.location;
  }

  get url(): string {
    return this.options.location.url;
  }

  /** One request; network failures become RuntimeUnavailableError (not running, or busy). */
  async send(
    path: string,
    init: RequestOptions = {},
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const timeoutMs = init.timeoutMs ?? this.timeoutMs;
    const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
    const contentType = init.json !== undefined ? 'application/json' : init.contentType;
    try {
      return await this.fetchImpl(`${this.url}${path}`, {
        method: init.method ?? 'GET',
        headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}) },
        ...(body !== undefined ? { body } : {}),
        signal: init.signal
          ? AbortSignal.any([AbortSignal.timeout(timeoutMs), init.signal])
          : AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw this.unavailable(error, timeoutMs);
    }
  }

  /**
   * An authenticated call that answers JSON (or text): signs in or renews the session when needed,
   * and once more after a 401. Non-2xx answers become CommandFailedError with the server's message;
   * 401/403 become CliSessionError.
   */
  async call<T>(path: string, init: RequestOptions = {}): Promise<T> {
    const response = await this.callRaw(path, init);
    const text = await response.text();
    if (!response.ok) throw failureOf(response.status, path, text);
    return (response.headers.get('content-type') ?? '').includes('json')
      ? (JSON.parse(text) as T)
      : (text as T);
  }

  /** As `call`, but returns the Response of any status (2xx or not) after the session handling. */
  async callRaw(path: string, init: RequestOptions = {}): Promise<Response> {
    if (init.auth === false) return this.send(path, init);
    let response = await this.send(path, init, await this.session.authorization());
    if (response.status === 401) {
      const reason = messageOf(await response.text());
      response = await this.send(path, init, await this.session.renew(reason));
    }
    return response;
  }

  private unavailable(error: unknown, timeoutMs: number): RuntimeUnavailableError {
    const { url } = this;
    const pid = this.options.location.pid;
    const alive = processIsAlive(pid);
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new RuntimeUnavailableError(
        `MTD at ${url}${pid ? ` (pid ${pid})` : ''} is running but did not answer within ${Math.round(timeoutMs / 1000)} s: it is busy. Try again, or give it longer with --timeout SECONDS`,
        ExitCode.runtimeBusy,
        { cause: error },
      );
    }
    const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
    if (alive === false)
      return new RuntimeUnavailableError(
        `MTD is not running: ${join(this.options.dataDir, 'runtime.json')} names pid ${pid}, which has exited. Start it with "npm start"`,
        ExitCode.runtimeUnavailable,
        { cause: error },
      );
    if (alive === true)
      return new RuntimeUnavailableError(
        `MTD (pid ${pid}) is not accepting connections at ${url} (${code || name}): it is starting or stopping; try again in a moment`,
        ExitCode.runtimeUnavailable,
        { cause: error },
      );
    return new RuntimeUnavailableError(
      `nothing answers at ${url} (${code || name}): is "npm start" running?`,
      ExitCode.runtimeUnavailable,
      { cause: error },
    );
  }
}

/** The server's `message` (or `error`) from a JSON error body, else the body itself. */
export function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: the text is the message
  }
  return text.trim();
}

function failureOf(status: number, path: string, text: string): Error {
  const message = messageOf(text);
  if (status === 401) return new CliSessionError(`${message} (run "mtd login" to sign in again)`);
  if (status === 403) return new CliSessionError(message);
  return new CommandFailedError(`${status} from ${path.split('?')[0]}: ${message}`);
}
