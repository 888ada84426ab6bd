import { existsSync, readFileSync } from 'node:fs';
import { copyFile, rename } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { authorizationFor, CliSessionError, login } from './cliSession';
import { startDemoFeed } from './demoFeed';
import { formatTable } from './formatTable';
import { opsCommand } from './opsCommand';
import { rulesCommand } from './rulesCommand';
import { startRuntime } from './runtime';
import { schemasCommand } from './schemasCommand';

const usage = `mtd — the MTD order platform, locally

  mtd start [--data DIR] [--port N] [--demo] [--demo-rate N] [--demo-orders N] [--memory] [--tax-failure-rate R]
  mtd send <file>...            send order files (a <PurchaseOrders> batch goes through the inbox)
  mtd orders [--stage STAGE]    orders in process (or in one stage)
  mtd trace <orderId>           an order and its timeline
  mtd stats [--day YYYY-MM-DD]  daily statistics (--csv for CSV)
  mtd dlq list                  dead letters of the local subscriptions
  mtd dlq redrive <subscription> <eventId> | --all [--to-subscription NAME]
  mtd dlq show <subscription> <eventId>   a dead letter with its attempt history
  mtd rules test <pattern.json> <event.json> | --batch   EventBridge TestEventPattern, locally
  mtd replay --from ISO --to ISO [--pattern FILE] [--to-subscription NAME] [--include-external]
  mtd projections rebuild       rebuild the read models into a new version, switch when caught up
  mtd login [--user NAME]       sign in (password from MTD_PASSWORD, stdin or a prompt); token in DATA/session.json
  mtd users add <name> --role operator|analyst|auditor|admin   prints the new user's generated password
  mtd users list
  mtd schemas check | export | diff | push   event schemas: compatibility gate and registry

Common: --json (for scripts), --url URL (default: the running runtime from DATA/runtime.json), --data DIR (default .mtd)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    port: { type: 'string' },
    url: { type: 'string' },
    demo: { type: 'boolean' },
    'demo-rate': { type: 'string' },
    'demo-orders': { type: 'string' },
    memory: { type: 'boolean' },
    'tax-failure-rate': { type: 'string' },
    stage: { type: 'string' },
    day: { type: 'string' },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
    limit: { type: 'string' },
    out: { type: 'string' },
    registry: { type: 'string' },
    local: { type: 'string' },
    all: { type: 'boolean' },
    batch: { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    pattern: { type: 'string' },
    'to-subscription': { type: 'string' },
    'include-external': { type: 'boolean' },
    user: { type: 'string' },
    role: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

class CliError extends Error {
  override readonly name = 'CliError';
}

const dataDir = resolve(process.env.INIT_CWD ?? process.cwd(), values.data ?? process.env.MTD_DATA ?? '.mtd');
const [command, ...args] = positionals;

function runtimeInfo(): { url: string; inbox: string } {
  const file = join(dataDir, 'runtime.json');
  if (values.url) return { url: values.url, inbox: join(dataDir, 'inbox') };
  if (process.env.MTD_URL) return { url: process.env.MTD_URL, inbox: join(dataDir, 'inbox') };
  if (!existsSync(file))
    throw new CliError(`no running MTD found (${file} is missing): start one with "npm start" or pass --url`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

async function api<T>(path: string, init: { method?: string; body?: string } = {}): Promise<T> {
  const { url } = runtimeInfo();
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      ...init,
      headers: { ...authorizationFor(dataDir), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
  } catch (error) {
    if (error instanceof CliSessionError) throw error;
    throw new CliError(`MTD is not answering at ${url}: is "npm start" running?`);
  }
  const body = await response.text();
  if (response.status === 401)
    throw new CliError(`${JSON.parse(body).message ?? body} (run "mtd login" to sign in again)`);
  if (!response.ok) throw new CliError(`${response.status} from ${path}: ${body}`);
  return (response.headers.get('content-type') ?? '').includes('json')
    ? (JSON.parse(body) as T)
    : (body as T);
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

async function main(): Promise<void> {
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  switch (command) {
    case 'start':
      return start();
    case 'send':
      return send(args);
    case 'orders': {
      const query = new URLSearchParams();
      if (values.stage) query.set('stage', values.stage);
      query.set('limit', values.limit ?? '50');
      const result = await api<{ items: Record<string, unknown>[] }>(`/api/orders?${query}`);
      if (values.json) return print(result);
      console.log(
        formatTable(result.items, ['orderId', 'stage', 'folio', 'total', 'receivedAt', 'exception'], {
          exception: (e) =>
            e ? `${(e as { stage: string }).stage}: ${(e as { reason: string }).reason}` : '',
        }),
      );
      return;
    }
    case 'trace': {
      const [orderId] = args;
      if (!orderId) throw new CliError('usage: mtd trace <orderId>');
      const result = await api<{ order: Record<string, unknown>; timeline: Record<string, unknown>[] }>(
        `/api/orders/${encodeURIComponent(orderId)}`,
      );
      if (values.json) return print(result);
      console.log(`${orderId}: ${String(result.order.stage)}`);
      console.log(
        formatTable(result.timeline, ['occurredAt', 'type', 'streamId', 'streamVersion', 'summary']),
      );
      return;
    }
    case 'stats': {
      const query = new URLSearchParams();
      if (values.day) query.set('day', values.day);
      if (values.csv) {
        query.set('format', 'csv');
        process.stdout.write(await api<string>(`/api/stats?${query}`));
        return;
      }
      const stats = await api<Record<string, unknown>>(`/api/stats?${query}`);
      if (values.json) return print(stats);
      for (const [key, value] of Object.entries(stats)) {
        console.log(`${key.padEnd(24)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
      }
      return;
    }
    case 'dlq':
      if (args[0] === 'show' || (args[0] === 'redrive' && values.all))
        return opsCommand(args, values, api, print);
      return deadLetters(args);
    case 'login': {
      const session = await login(runtimeInfo().url, dataDir, values.user ?? 'admin');
      console.log(`signed in as ${session.username} (${session.role}) until ${session.expiresAt}`);
      return;
    }
    case 'users':
      return usersCommand(args);
    case 'replay':
    case 'projections':
      return opsCommand([command, ...args], values, api, print);
    case 'rules':
      // Like schemas: its own arguments, as typed; needs no running runtime.
      process.exitCode = await rulesCommand(process.argv.slice(process.argv.indexOf('rules') + 1), {
        log: (line) => console.log(line),
      });
      return;
    case 'schemas':
      // The schemas command parses its own options, so it gets the words after `schemas` as typed.
      process.exitCode = await schemasCommand(process.argv.slice(process.argv.indexOf('schemas') + 1), {
        log: (line) => console.log(line),
      });
      return;
    default:
      throw new CliError(`unknown command "${command}"\n\n${usage}`);
  }
}

async function start(): Promise<void> {
  const failureRate = Number(values['tax-failure-rate'] ?? 0);
  if (!(failureRate >= 0 && failureRate <= 1))
    throw new CliError('--tax-failure-rate must be between 0 and 1');
  const demoRate = Number(values['demo-rate'] ?? 2);
  if (!(demoRate > 0)) throw new CliError('--demo-rate must be a number of orders per second above 0');
  const demoOrders = values['demo-orders'] === undefined ? undefined : Number(values['demo-orders']);
  if (demoOrders !== undefined && !(Number.isInteger(demoOrders) && demoOrders > 0))
    throw new CliError('--demo-orders must be a whole number of orders above 0');
  const runtime = await startRuntime({
    dataDir,
    inMemory: values.memory ?? false,
    port: values.port === undefined ? 3000 : Number(values.port),
    taxAuthority: { failureRate },
    log: (line) => console.log(line),
  });
  if (runtime.initialAdmin?.generated) {
    console.log(`First start: created user "admin" with password  ${runtime.initialAdmin.password}
  It is shown only now and stored nowhere (only its scrypt hash is kept); note it, then sign in.`);
  }
  console.log(`MTD is running.
  Back office     ${runtime.url}/   (sign in as admin; "mtd users add" for colleagues)
  Intake API      POST ${runtime.url}/orders   (application/xml or application/json)
  Query API       ${runtime.url}/api/orders  ${runtime.url}/api/stats  ${runtime.url}/api/audit/verify
  Inbox (batches) ${runtime.inbox}
  Outbox (email)  ${runtime.outbox}
  Data            ${values.memory ? '(in memory)' : runtime.dataDir}
  Tax authority   ${runtime.taxAuthorityUrl} (simulator, failure rate ${failureRate})
Try: npx mtd send <file>, npx mtd orders, npx mtd stats. Ctrl-C stops.`);
  // The demo is paced (--demo-rate is its target) and slows down when the runtime falls behind;
  // --demo-orders alone starts it too.
  const demo =
    values.demo || demoOrders !== undefined
      ? startDemoFeed({
          url: runtime.url,
          inbox: runtime.inbox,
          random: Math.random,
          ratePerSecond: demoRate,
          ...(demoOrders !== undefined ? { maxOrders: demoOrders } : {}),
          runtime,
          log: (line) => console.log(line),
        })
      : undefined;
  demo?.finished.then(() =>
    console.log(`demo: ${demoOrders} orders sent; the demo stops here, MTD keeps running (Ctrl-C stops).`),
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping…');
    await demo?.stop();
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

async function send(files: string[]): Promise<void> {
  if (files.length === 0) throw new CliError('usage: mtd send <file>...');
  const { url, inbox } = runtimeInfo();
  for (const file of files) {
    const body = readFileSync(file, 'utf8');
    if (/<PurchaseOrders[\s>]/.test(body) || /^\s*(\[|\{\s*"orders")/.test(body)) {
      // Batches enter through the inbox, exactly as a partner's file drop would.
      const name = basename(file);
      await copyFile(file, join(inbox, `${name}.tmp`));
      await rename(join(inbox, `${name}.tmp`), join(inbox, name));
      console.log(
        `${file}: batch placed in the inbox; its report will be at ${join(inbox, 'done', `${name}.report.json`)}`,
      );
      continue;
    }
    const type = body.trimStart().startsWith('<') ? 'application/xml' : 'application/json';
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      body,
      headers: { 'content-type': type },
    });
    const result = (await response.json()) as Record<string, unknown>;
    if (values.json) print({ file, status: response.status, ...result });
    else console.log(`${file}: ${response.status} ${JSON.stringify(result)}`);
    if (response.status >= 400) process.exitCode = 1;
  }
}

async function deadLetters([sub, ...rest]: string[]): Promise<void> {
  if (sub === 'list') {
    const result = await api<{ items: Record<string, unknown>[] }>('/api/dead-letters');
    if (values.json) return print(result);
    console.log(
      formatTable(result.items, ['subscription', 'eventId', 'event', 'status', 'attempts', 'lastError']),
    );
    return;
  }
  if (sub === 'redrive') {
    const [subscription, eventId] = rest;
    if (!subscription || !eventId) throw new CliError('usage: mtd dlq redrive <subscription> <eventId>');
    const { url } = runtimeInfo();
    const response = await fetch(`${url}/api/dead-letters/${subscription}/${eventId}/redrive`, {
      method: 'POST',
      headers: authorizationFor(dataDir),
    });
    const body = await response.json();
    if (!response.ok) throw new CliError((body as { error: string }).error);
    return print(body);
  }
  throw new CliError('usage: mtd dlq list | mtd dlq redrive <subscription> <eventId>');
}

async function usersCommand([sub, name]: string[]): Promise<void> {
  if (sub === 'list') {
    const result = await api<{ items: Record<string, unknown>[] }>('/api/users');
    if (values.json) return print(result);
    console.log(formatTable(result.items, ['username', 'role', 'createdAt', 'createdBy']));
    return;
  }
  if (sub !== 'add' || !name || !values.role)
    throw new CliError('usage: mtd users add <name> --role operator|analyst|auditor|admin | mtd users list');
  const response = await fetch(`${runtimeInfo().url}/api/users`, {
    method: 'POST',
    headers: { ...authorizationFor(dataDir), 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, role: values.role }),
  });
  const body = (await response.json()) as {
    message?: string;
    username?: string;
    role?: string;
    password?: string;
  };
  if (!response.ok) throw new CliError(`${response.status}: ${body.message}`);
  if (values.json) return print(body);
  console.log(`created ${body.username} (${body.role}); password (shown once): ${body.password}`);
}

main().catch((error) => {
  console.error(
    error instanceof CliError || error instanceof CliSessionError ? `mtd: ${error.message}` : error,
  );
  process.exit(1);
});
