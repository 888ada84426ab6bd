import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { CliUsageError } from './cliErrors';
import { type ProgressDisplay, type ProgressStream, progressDisplay } from './progressDisplay';
import { locateRuntime, RuntimeClient } from './runtimeClient';

/** The CLI's surroundings, passed in so tests can run commands in process. */
export interface CliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
  /** Where relative paths (`--data`, files) are resolved: npm's INIT_CWD under `npx`/`npm run`. */
  cwd: string;
}

/** The options every command takes (`mtd --help` lists them). */
export interface GlobalOptions {
  data?: string;
  url?: string;
  timeout?: number;
}

/**
 * What a command's action gets: the data folder, the running runtime's client, and output. Results
 * go to stdout (as tables, or JSON with --json); progress and notes go to stderr.
 */
export class Cli {
  private client: RuntimeClient | undefined;

  constructor(
    readonly io: CliIo,
    private readonly globals: () => GlobalOptions,
  ) {}

  /** `--data`, else MTD_DATA, else `.mtd`, relative to where the command was typed. */
  dataDir(): string {
    return resolve(this.io.cwd, this.globals().data ?? this.io.env.MTD_DATA ?? '.mtd');
  }

  /** A path the person typed, resolved where they typed it. */
  path(typed: string): string {
    return resolve(this.io.cwd, typed);
  }

  /** A file the person named, read as text; when it cannot be, a usage error (exit 2) naming it. */
  readFile(typed: string, what: string): string {
    try {
      return readFileSync(this.path(typed), 'utf8');
    } catch (error) {
      throw new CliUsageError(`cannot read ${what} ${typed}: ${fileProblem(error, 'read')}`, {
        cause: error,
      });
    }
  }

  /** Writes a file the person named (`--out`); when it cannot be, a usage error (exit 2) naming it. */
  writeFile(typed: string, what: string, content: string): string {
    const file = this.path(typed);
    try {
      writeFileSync(file, content);
      return file;
    } catch (error) {
      throw new CliUsageError(`cannot write ${what} to ${typed}: ${fileProblem(error, 'write')}`, {
        cause: error,
      });
    }
  }

  /** The running runtime of the data folder (or `--url`/MTD_URL); a clear error when there is none. */
  runtime(): RuntimeClient {
    if (!this.client) {
      const { url, timeout } = this.globals();
      const typedUrl = url ?? this.io.env.MTD_URL;
      // Else a typo (MTD_URL=127.0.0.1:3000) reads as "nothing answers… is npm start running?" (exit 3).
      if (typedUrl !== undefined && !(/^https?:\/\//i.test(typedUrl) && URL.canParse(typedUrl)))
        throw new CliUsageError(
          `--url (or MTD_URL) must be an http(s) URL like http://127.0.0.1:3000, got "${typedUrl}"`,
        );
      const dataDir = this.dataDir();
      this.client = new RuntimeClient({
        location: locateRuntime(dataDir, typedUrl),
        dataDir,
        env: this.io.env,
        ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
      });
    }
    return this.client;
  }

  log(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  print(value: unknown): void {
    this.log(JSON.stringify(value, null, 2));
  }

  note(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  progress(label: string): ProgressDisplay {
    return progressDisplay(this.io.stderr, label);
  }
}

/** Parses a number option; commander reports a refusal as a usage error naming the option (exit 2). */
export function numberOption(what: string, valid: (n: number) => boolean): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !valid(n)) throw new InvalidArgumentError(`It must be ${what}.`);
    return n;
  };
}

/** An ISO 8601 time option (`2026-11-24T00:00:00Z`, or a day `2026-11-24`), normalised to UTC. */
export function isoTime(value: string): string {
  if (Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('It must be an ISO time like 2026-11-24T00:00:00Z.');
  return new Date(value).toISOString();
}

/** Why a file could not be read or written, in words; the system's message for anything rarer. */
export function fileProblem(error: unknown, doing: 'read' | 'write'): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return doing === 'read' ? 'there is no such file' : 'its folder does not exist';
    case 'EISDIR':
      return 'it is a folder';
    case 'EACCES':
    case 'EPERM':
      return `you may not ${doing} it`;
    default:
      return (error as Error).message;
  }
}
