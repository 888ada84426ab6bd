import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliUsageError, CommandFailedError } from './cliErrors';
import { type DemoFeed, startDemoFeed } from './demoFeed';
import { localIntakeKeyFile } from './localIntakeKey';
import { type Runtime, startRuntime } from './runtime';

export interface ServeOptions {
  dataDir: string;
  port: number;
  /** DynamoDB in memory. */
  memory: boolean;
  taxFailureRate: number;
  demo?: { ratePerSecond: number; maxOrders?: number };
  log: (line: string) => void;
  /** The longest a stop may take; then the process exits anyway (default 8 s). */
  drainDeadlineMs?: number;
}

/**
 * `mtd start`: runs the runtime (and the demo) until SIGINT or SIGTERM, then drains and exits 0.
 *
 * The drain goes front to back so nothing is cut in the middle: the demo stops sending and its
 * requests in flight get their answers; then the runtime stops (HTTP, inbox, subscriptions each
 * finish what they hold, checkpoints are saved, the store is closed). Past the deadline it exits
 * anyway: everything answered is committed, and work not yet done (an event between handler and
 * checkpoint, a batch file in processing/) is redone at the next start, as after a crash. Repeated
 * signals (npm and the terminal both deliver Ctrl-C) do not interrupt the drain.
 */
export async function serveUntilStopped(options: ServeOptions): Promise<void> {
  const { log } = options;
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      dataDir: options.dataDir,
      inMemory: options.memory,
      port: options.port,
      taxAuthority: { failureRate: options.taxFailureRate },
      warmUp: true,
      log,
    });
  } catch (error) {
    throw startFailure(error, options);
  }
  if (runtime.initialAdmin?.generated) {
    log(`First start: created user "admin" with password ${runtime.initialAdmin.password}
  It is shown only now and stored nowhere (only its scrypt hash is kept); note it, then sign in.`);
  }
  if (runtime.initialIntakeKey?.generated) {
    log(`First start: created the intake API key of partner "${runtime.initialIntakeKey.partner}": ${runtime.initialIntakeKey.key}
  Send it as the x-api-key header of POST /orders; "mtd send" reads it from ${localIntakeKeyFile(runtime.dataDir)} (0600).
  "mtd partners add <name>" issues a key for each partner's system.`);
  }
  log(banner(runtime, options));
  const demo = options.demo
    ? startDemoFeed({
        url: runtime.url,
        inbox: runtime.inbox,
        random: Math.random,
        ratePerSecond: options.demo.ratePerSecond,
        ...(runtime.intakeApiKey ? { apiKey: runtime.intakeApiKey } : {}),
        ...(options.demo.maxOrders !== undefined ? { maxOrders: options.demo.maxOrders } : {}),
        runtime,
        log,
      })
    : undefined;
  demo?.finished.then(() =>
    log(
      `demo: ${options.demo?.maxOrders} orders sent; the demo stops here, MTD keeps running (Ctrl-C stops).`,
    ),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const deadlineMs = options.drainDeadlineMs ?? 8_000;
    log(`${signal}: stopping (finishing the work in hand, at most ${deadlineMs / 1000} s)…`);
    // Not unref'd: a drain step waiting on an unref'd timer (a handler's) must not let the process
    // end silently half way; the process ends here or when the drain is done.
    setTimeout(() => {
      log(`stopped after ${deadlineMs / 1000} s with work in hand; it is redone at the next start`);
      process.exit(0);
    }, deadlineMs);
    drain(runtime, demo, deadlineMs).then(
      () => {
        log('MTD stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        // Stopping must not fail loudly: what was committed stays, the rest is redone at start.
        log(`stopped; the drain ended early: ${(error as Error).message}`);
        process.exit(0);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function drain(runtime: Runtime, demo: DemoFeed | undefined, deadlineMs: number): Promise<void> {
  if (demo) {
    await demo.stop();
    // Every order the demo sent over HTTP gets its answer before the server closes.
    const answered = () => {
      const c = demo.counts();
      return c.sent - c.batchOrders <= c.accepted + c.duplicates + c.refused + c.failed;
    };
    const until = Date.now() + deadlineMs / 2;
    while (!answered() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await runtime.stop();
}

function banner(runtime: Runtime, options: ServeOptions): string {
  return `MTD is running.
  Back office     ${runtime.url}/   (sign in as admin; "mtd users add" for colleagues)
  Intake API      POST ${runtime.url}/orders   (application/xml or application/json)
  Query API       ${runtime.url}/api/orders  ${runtime.url}/api/stats  ${runtime.url}/api/audit/verify
  Inbox (batches) ${runtime.inbox}
  Outbox (email)  ${runtime.outbox}
  Data            ${options.memory ? '(in memory)' : runtime.dataDir}
  Tax authority   ${runtime.taxAuthorityUrl} (simulator, failure rate ${options.taxFailureRate})
Try: npx mtd login, npx mtd send examples/order.xml, npx mtd orders. Ctrl-C stops.`;
}

/** Why the data folder (`--data`) cannot be made or used, in words, by the system's error code. */
const dataFolderProblems: Record<string, string> = {
  EEXIST: 'a file of that name is there, not a folder',
  ENOTDIR: 'a part of that path is a file, not a folder',
  EACCES: 'you may not write there',
  EPERM: 'you may not write there',
  EROFS: 'the file system there is read-only',
};

/**
 * The ways a start fails that a person fixes themselves, as a message saying how: the port is
 * taken, or another MTD holds the data folder (LevelDB's lock) (exit 1); the data folder cannot be
 * made or used (exit 2). Anything else is unexpected and shown as it is.
 */
function startFailure(error: unknown, options: ServeOptions): unknown {
  const text = `${(error as Error).message ?? ''} ${String((error as { cause?: Error }).cause?.message ?? '')}`;
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' || text.includes('EADDRINUSE'))
    return new CommandFailedError(
      `port ${options.port} is in use (another MTD, or another program): start with --port N or MTD_PORT=N (0 picks a free port)`,
      { cause: error },
    );
  const { code, path } = error as NodeJS.ErrnoException;
  if (path?.startsWith(options.dataDir) && code && code in dataFolderProblems)
    return new CliUsageError(
      `cannot use ${path} as MTD's data folder: ${dataFolderProblems[code]}; start with another --data (or MTD_DATA)`,
      { cause: error },
    );
  if (/\block\b/i.test(text)) {
    const file = join(options.dataDir, 'runtime.json');
    const pid = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid
      : undefined;
    return new CommandFailedError(
      `the data folder ${options.dataDir} is in use by another MTD${pid ? ` (pid ${pid})` : ''}: stop it first, or start with another --data`,
      { cause: error },
    );
  }
  return error;
}
