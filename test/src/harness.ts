import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerNotifiedV1, type MtdEvent, type PurchaseOrder } from '@mtd/contracts';
import { orderXml, type Runtime, type RuntimeOptions, startRuntime } from '@mtd/local';
import { type EventStoreReader, isPageHandler, type SubscriptionHandler } from '@mtd/platform';
import { expect } from 'vitest';

/** Polls until `condition` holds, failing with `what` at the deadline. Never a fixed sleep. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first admin's password in every test runtime (the runtime generates one when none is given). */
export const testAdminPassword = 'test-admin-password-0123';

/**
 * The intake API key of partner `local` in every test runtime (given to in-process runtimes as
 * `intakeApiKey`, to child runtimes as MTD_INTAKE_API_KEY), so a test posts orders as a partner does.
 */
export const testIntakeApiKey = 'mtdk_test-intake-key-0123456789abcdefghijklmnopqrstu';

/** The headers of a partner's `POST /orders`. */
export function orderHeaders(contentType: string, apiKey = testIntakeApiKey): Record<string, string> {
  return { 'content-type': contentType, 'x-api-key': apiKey };
}

const tokens = new Map<string, string>();

/** Signs in at `url` and returns the token (cached per url, user and password). */
export async function signIn(url: string, username = 'admin', password = testAdminPassword): Promise<string> {
  const key = `${url} ${username} ${password}`;
  const cached = tokens.get(key);
  if (cached) return cached;
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { token?: string; message?: string };
  if (!response.ok || !body.token)
    throw new Error(`sign-in as ${username} failed: ${response.status} ${body.message}`);
  tokens.set(key, body.token);
  return body.token;
}

/** `fetch(url + path)` as the test admin (the back office's API needs a token on every /api route). */
export async function authedFetch(url: string, path: string, init: RequestInit = {}): Promise<Response> {
  const token = await signIn(url);
  return fetch(`${url}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` },
  });
}

/** GET `path` as the test admin and parse the JSON answer. */
export async function api<T = unknown>(url: string, path: string): Promise<T> {
  return (await (await authedFetch(url, path)).json()) as T;
}

/** A whole local runtime in memory, on a temp data folder, tuned for fast retries. */
export async function startTestRuntime(
  overrides: Partial<RuntimeOptions> = {},
): Promise<Runtime & { cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtd-e2e-'));
  const runtime = await startRuntime({
    dataDir,
    inMemory: true,
    port: 0,
    taxAuthority: { failureRate: 0, latencyMs: { min: 1, max: 5 } },
    broadcast: { maxAttempts: 5, baseMs: 10, maxMs: 100 },
    deliveryBackoff: { baseMs: 5, maxMs: 50 },
    pollMs: 50,
    inboxPollMs: 50,
    adminPassword: testAdminPassword,
    intakeApiKey: testIntakeApiKey,
    ...overrides,
  });
  return {
    ...runtime,
    async cleanup() {
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every event in the store, in feed order: the ground truth the read models are checked against. */
export async function allEvents(reader: EventStoreReader): Promise<MtdEvent[]> {
  const events: MtdEvent[] = [];
  let position: string | undefined;
  for (;;) {
    const page = await reader.readFeed(position, { limit: 500 });
    if (page.commits.length === 0) return events;
    for (const commit of page.commits) events.push(...commit.events);
    position = page.position;
  }
}

export async function postOrder(
  url: string,
  body: string,
  type: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/orders`, { method: 'POST', body, headers: orderHeaders(type) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Gives the runtime history: posts each order as XML, then waits until every one is notified and every
 * subscription has caught up (a folder left like this is what an upgrade test starts from).
 */
export async function takeOrdersToNotified(
  runtime: { url: string; reader: EventStoreReader },
  orders: PurchaseOrder[],
): Promise<void> {
  for (const order of orders)
    expect((await postOrder(runtime.url, orderXml(order), 'application/xml')).status).toBe(202);
  await eventually(
    'every order notified',
    () => allEvents(runtime.reader),
    (events) =>
      orders.every((o) =>
        events.some((e) => e.type === CustomerNotifiedV1.detailType && e.data.orderId === o.orderId),
      ),
  );
  await eventually('every subscription to catch up', () => caughtUp(runtime.url), Boolean);
}

/** True when every subscription of the runtime at `url` found nothing new on two polls in a row. */
export async function caughtUp(url: string): Promise<boolean> {
  const read = async () =>
    (
      (await (await fetch(`${url}/api/health`)).json()) as { subscriptions: { caughtUp: boolean }[] }
    ).subscriptions.every((s) => s.caughtUp);
  if (!(await read())) return false;
  await new Promise((r) => setTimeout(r, 300));
  return read();
}

/**
 * `handler`, except that it throws `message` for the events `fails` picks (fault injection). A page
 * handler throws for a page holding one; the runner then retries that page one event at a time.
 */
export function failWhen(
  handler: SubscriptionHandler,
  fails: (event: MtdEvent) => boolean,
  message: string,
): SubscriptionHandler {
  if (isPageHandler(handler))
    return {
      handlePage: async (events, context) => {
        if (events.some(fails)) throw new Error(message);
        return handler.handlePage(events, context);
      },
    };
  return async (event, context) => {
    if (fails(event)) throw new Error(message);
    return handler(event, context);
  };
}
