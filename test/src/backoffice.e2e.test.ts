import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { accessRules, type Role, roles, signAccessToken } from '@mtd/backoffice';
import {
  DteIssuedV1,
  OrderAcceptedV1,
  OrderAtRiskV1,
  OrderReceivedV2,
  OrderRejectedV1,
} from '@mtd/contracts';
import { orderXml, sampleOrder, seededRandom } from '@mtd/local';
import { businessDayOf } from '@mtd/projection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allEvents,
  api,
  authedFetch,
  caughtUp,
  eventually,
  failWhen,
  postOrder,
  signIn,
  startTestRuntime,
} from './harness';

type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;
type View = {
  orderId: string;
  stage: string;
  exception: { stage: string } | null;
  atRisk: { stage: string }[];
};

describe('the back office API: roles, retry, SLA, statistics and audit', () => {
  let runtime: TestRuntime;
  const random = seededRandom(11);
  const tokens = {} as Record<Role, string>;
  let deadLetterId = '';

  beforeAll(async () => {
    // Notification of order DL-1 always fails, so a dead letter exists for the redrive routes.
    runtime = await startTestRuntime({
      broadcast: { maxAttempts: 2, baseMs: 5, maxMs: 20 },
      sla: {
        deadlines: { 'dte-issuance': 60_000, 'dte-broadcast': 300, notification: 60_000 },
        checkEveryMs: 3_600_000,
      },
      wrapHandler: (name, handler) =>
        name === 'notifyCustomerOnDteIssued'
          ? failWhen(handler, (event) => event.data.orderId === 'DL-1', 'mail server unreachable (test)')
          : handler,
    });
    for (const role of roles) {
      if (role === 'admin') continue;
      const created = await authedFetch(runtime.url, '/api/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `u-${role}`, role, password: `password-of-${role}` }),
      });
      expect(created.status).toBe(201);
    }
    for (const role of roles) {
      tokens[role] =
        role === 'admin'
          ? await signIn(runtime.url)
          : await signIn(runtime.url, `u-${role}`, `password-of-${role}`);
    }
    for (let i = 0; i < 4; i++) {
      const order = sampleOrder({ orderId: `BO-${i}`, random });
      expect((await postOrder(runtime.url, orderXml(order), 'application/xml')).status).toBe(202);
    }
    expect(
      (await postOrder(runtime.url, orderXml(sampleOrder({ orderId: 'DL-1', random })), 'application/xml'))
        .status,
    ).toBe(202);
    // A broadcast exception: the tax authority refuses everything while RISK-1 goes through.
    await eventually(
      'BO orders completed',
      () => api<{ items: View[] }>(runtime.url, '/api/orders?stage=completed'),
      (p) => p.items.length === 4,
    );
    await runtime.setTaxFailureRate(1);
    expect(
      (await postOrder(runtime.url, orderXml(sampleOrder({ orderId: 'RISK-1', random })), 'application/xml'))
        .status,
    ).toBe(202);
    await eventually(
      'RISK-1 in exception',
      () => api<{ order: View }>(runtime.url, '/api/orders/RISK-1'),
      (r) => r.order?.exception?.stage === 'dte-broadcast',
    );
    const letters = await eventually(
      'the dead letter of DL-1',
      () =>
        api<{ items: { eventId: string; status: string }[] }>(runtime.url, '/api/dead-letters?status=dead'),
      (p) => p.items.length === 1,
    );
    deadLetterId = letters.items[0]!.eventId;
  }, 120_000);
  afterAll(() => runtime.cleanup());

  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('answers 401 without, with an expired and with a forged token, 403 to a wrong role and 2xx to each right one, on every route', async () => {
    const secret = Buffer.from(readFileSync(join(runtime.dataDir, 'auth-secret.key'), 'utf8').trim(), 'hex');
    const expired = (
      await signAccessToken(secret, { username: 'admin', role: 'admin' }, new Date(Date.now() - 3_600_000))
    ).token;
    const forged = (
      await signAccessToken(Buffer.alloc(32, 7), { username: 'admin', role: 'admin' }, new Date())
    ).token;
    let userSeq = 0;
    const concrete = (path: string) =>
      path
        .replace(':orderId', 'RISK-1')
        .replace(':subscription', 'notifyCustomerOnDteIssued')
        .replace(':eventId', deadLetterId)
        .replace('*', 'anything');
    const bodyFor = (rule: { method: string; path: string }) =>
      rule.method === 'GET'
        ? undefined
        : rule.path === '/api/users'
          ? { username: `matrix-${++userSeq}`, role: 'auditor' }
          : rule.path.includes('retry')
            ? {}
            : undefined;
    for (const rule of accessRules) {
      const path = concrete(rule.path);
      const none = await call(rule.method, path);
      expect(none.status, `${rule.method} ${path} without token`).toBe(401);
      expect(((await none.json()) as { message: string }).message).toContain('sign in first');
      const old = await call(rule.method, path, expired);
      expect(old.status, `${rule.method} ${path} expired`).toBe(401);
      expect(((await old.json()) as { message: string }).message).toContain('expired');
      expect((await call(rule.method, path, forged)).status, `${rule.method} ${path} forged`).toBe(401);
      for (const role of roles.filter((r) => !rule.roles.includes(r))) {
        const denied = await call(rule.method, path, tokens[role], bodyFor(rule));
        expect(denied.status, `${rule.method} ${path} as ${role}`).toBe(403);
        expect(((await denied.json()) as { message: string }).message).toContain(
          `your role "${role}" may not`,
        );
      }
      if (rule.path.endsWith('*')) continue; // the admin tools' routes belong to another module
      // Reads: every allowed role; commands: one allowed role (a second retry would find no exception).
      const allowed = rule.method === 'GET' ? rule.roles : [rule.roles[0]!];
      for (const role of allowed) {
        const controller = new AbortController();
        const ok = await fetch(`${runtime.url}${path}`, {
          method: rule.method,
          signal: controller.signal,
          headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' },
          ...(bodyFor(rule) ? { body: JSON.stringify(bodyFor(rule)) } : {}),
        });
        expect(ok.status, `${rule.method} ${path} as ${role}: ${ok.status}`).toBeGreaterThanOrEqual(200);
        expect(ok.status, `${rule.method} ${path} as ${role}`).toBeLessThan(300);
        controller.abort();
      }
    }
    // The public routes stay public.
    expect((await call('GET', '/api/health')).status).toBe(200);
    expect((await call('GET', '/')).status).toBe(200);
  }, 60_000);

  it('retries a broadcast exception through ExceptionRetryRequested as the signed-in operator', async () => {
    await runtime.setTaxFailureRate(0);
    // The matrix test already asked once as operator; the order still needs a retry after it re-failed.
    await eventually(
      'RISK-1 completed or back in exception',
      () => api<{ order: View }>(runtime.url, '/api/orders/RISK-1'),
      (r) => r.order.stage === 'completed' || r.order.exception !== null,
    );
    const now = await api<{ order: View }>(runtime.url, '/api/orders/RISK-1');
    if (now.order.exception) {
      expect((await call('POST', '/api/exceptions/RISK-1/retry', tokens.operator, {})).status).toBe(202);
    }
    const done = await eventually(
      'RISK-1 completed',
      () =>
        api<{ order: View; timeline: { type: string; actor: string }[] }>(runtime.url, '/api/orders/RISK-1'),
      (r) => r.order.stage === 'completed',
    );
    expect(done.order.exception).toBeNull();
    expect(done.timeline).toContainEqual(
      expect.objectContaining({ type: 'ExceptionRetryRequested', actor: 'user:u-operator' }),
    );
    const again = await call('POST', '/api/exceptions/RISK-1/retry', tokens.operator, {});
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toContain('no open exception');
  }, 60_000);

  it('raises OrderAtRisk once per order and stage, shows it, and emails operations', async () => {
    await runtime.setTaxFailureRate(1);
    expect(
      (await postOrder(runtime.url, orderXml(sampleOrder({ orderId: 'RISK-2', random })), 'application/xml'))
        .status,
    ).toBe(202);
    await eventually(
      'RISK-2 in exception',
      () => api<{ order: View }>(runtime.url, '/api/orders/RISK-2'),
      (r) => r.order?.exception !== null,
    );
    const first = await eventually(
      'the broadcast deadline to pass',
      () => runtime.checkSla(),
      (raised) => raised.some((r) => r.orderId === 'RISK-2'),
    );
    expect(first.filter((r) => r.orderId === 'RISK-2').map((r) => r.stage)).toEqual(['dte-broadcast']);
    expect((await runtime.checkSla()).filter((r) => r.orderId === 'RISK-2')).toEqual([]);
    const sla = await runtime.reader.readStream('sla-RISK-2');
    expect(sla.events.map((e) => e.type)).toEqual([OrderAtRiskV1.detailType]);
    const atRisk = await eventually(
      'RISK-2 listed at risk',
      () => api<{ items: View[] }>(runtime.url, '/api/orders?atRisk=true'),
      (p) => p.items.some((o) => o.orderId === 'RISK-2'),
    );
    expect(atRisk.items.find((o) => o.orderId === 'RISK-2')!.atRisk.map((r) => r.stage)).toEqual([
      'dte-broadcast',
    ]);
    // Operations get one digest per page of warnings: RISK-2 may share it with another order at risk.
    const listsRisk2 = (file: string) =>
      readFileSync(join(runtime.outbox, file), 'latin1').replace(/=\r\n/g, '').includes('RISK-2');
    const email = await eventually(
      'the operations digest listing RISK-2',
      () => readdirSync(runtime.outbox).filter((f) => f.startsWith('ops-at-risk-') && listsRisk2(f)),
      (f) => f.length === 1,
    );
    const eml = readFileSync(join(runtime.outbox, email[0]!), 'latin1');
    expect(eml).toContain('To: operaciones@mtd.example.cl');
    expect(eml).toMatch(/Subject: .*en[ _]riesgo/);
    await runtime.setTaxFailureRate(0);
  }, 60_000);

  it('shows statistics equal to a recount from the event store, as JSON and CSV', async () => {
    await eventually('every subscription to catch up', () => caughtUp(runtime.url), Boolean);
    const events = await allEvents(runtime.reader);
    const day = businessDayOf(new Date(), 'America/Santiago');
    const ofDay = new Set(
      events
        .filter(
          (e) =>
            e.type === OrderReceivedV2.detailType &&
            businessDayOf((e.data as { receivedAt: string }).receivedAt, 'America/Santiago') === day,
        )
        .map((e) => e.data.orderId),
    );
    const distinct = (type: string) =>
      new Set(events.filter((e) => e.type === type && ofDay.has(e.data.orderId)).map((e) => e.data.orderId))
        .size;
    const issued = new Map<string, number>();
    for (const e of events)
      if (e.type === DteIssuedV1.detailType && ofDay.has(e.data.orderId))
        issued.set(e.data.orderId, e.data.total);
    const revenue = [...issued.values()].reduce((a, b) => a + b, 0);
    const stats = await api<{
      orders: number;
      received: number;
      accepted: number;
      rejected: number;
      issued: number;
      revenue: number;
      averageOrderValue: number;
    }>(runtime.url, `/api/stats?day=${day}`);
    expect(stats).toMatchObject({
      orders: ofDay.size,
      received: ofDay.size,
      accepted: distinct(OrderAcceptedV1.detailType),
      rejected: distinct(OrderRejectedV1.detailType),
      issued: issued.size,
      revenue,
      averageOrderValue: Math.floor((2 * revenue + issued.size) / (2 * issued.size)),
    });
    const csv = await (await authedFetch(runtime.url, `/api/stats?from=${day}&to=${day}&format=csv`)).text();
    const rows = Object.fromEntries(
      csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')),
    );
    expect(rows).toMatchObject({
      from: day,
      to: day,
      orders: String(ofDay.size),
      issued: String(issued.size),
      revenue: String(revenue),
    });
  });

  it('names the stored event that was edited behind the store’s back when the ledger is verified', async () => {
    await eventually('every reader to catch up', () => caughtUp(runtime.url), Boolean);
    expect(await api<{ ok: boolean }>(runtime.url, '/api/audit/verify')).toMatchObject({ ok: true });
    const page = await api<{ items: { streamId: string; streamVersion: number }[] }>(
      runtime.url,
      '/api/audit?limit=5',
    );
    expect(page.items).toHaveLength(5);
    // Change the actor and the customer's email inside the stored commit of RISK-1's order.
    const key = { streamId: { S: 'order-RISK-1' }, version: { N: '1' } };
    const stored = await runtime.client.send(new GetItemCommand({ TableName: 'mtd-events', Key: key }));
    const events = JSON.parse(stored.Item!.events!.S!) as {
      metadata: { actor: string };
      data: { order?: { customer: { email: string } } };
    }[];
    for (const event of events) {
      event.metadata.actor = 'user:mallory';
      if (event.data.order) event.data.order.customer.email = 'mallory@example.com';
    }
    await runtime.client.send(
      new PutItemCommand({
        TableName: 'mtd-events',
        Item: { ...stored.Item!, events: { S: JSON.stringify(events) } },
      }),
    );
    const verdict = (await (await call('GET', '/api/audit/verify', tokens.auditor)).json()) as {
      ok: boolean;
      problems: { kind: string; where: string }[];
    };
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'edited', where: 'order-RISK-1@1' })]),
    );
  });

  it('slows down repeated failed sign-ins of one user, even with the right password after', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await call('POST', '/api/auth/login', undefined, { username: 'u-analyst', password: 'wrong-guess' }))
          .status,
      );
    expect(statuses).toEqual([401, 401, 401, 401]);
    const blocked = await call('POST', '/api/auth/login', undefined, {
      username: 'u-analyst',
      password: 'password-of-analyst',
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await blocked.json()) as { message: string }).message).toMatch(
      /too many failed sign-ins; try again in \d+ s/,
    );
    // Another user from the same address is not locked out by it.
    expect(
      (
        await call('POST', '/api/auth/login', undefined, {
          username: 'u-auditor',
          password: 'password-of-auditor',
        })
      ).status,
    ).toBe(200);
  });
});
