import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { orderXml, sampleOrder, seededRandom, startDemoFeed } from '@mtd/local';
import { verifyLedgerProof } from '@mtd/platform/ledger/proofVerifier';
import { businessDayOf } from '@mtd/projection';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, failWhen, postOrder, startTestRuntime, testAdminPassword } from './harness';

const chromiumPath = process.env.MTD_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(import.meta.dirname, '..', 'artifacts');
// axe-core's browser build, injected into each page (it is not bundled into the portal).
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type Stats = {
  orders: number;
  issued: number;
  revenue: number;
  daily: { day: string; orders: number; issued: number; revenue: number }[];
  topProductsByRevenue: { sku: string; revenue: number }[];
  topProductsByQuantity: { sku: string; quantity: number }[];
  dispatch: { due: number; onTime: number; late: number; pending: number };
};

/** Runs axe-core on the page as it is now; the serious and critical violations, named. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the portal's CSP (rightly) refuses inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: object,
          ) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${JSON.stringify(v.targets)}`);
}

/** The PNG of the page, kept as a test artefact (test/artifacts/<name>.png). */
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
}

/** What a chart's canvas plots (its data-values) and whether anything was drawn on it. */
async function chartOf(page: Page, id: string): Promise<{ values: string; drawn: boolean }> {
  const canvas = page.locator(`canvas#${id}`);
  await canvas.waitFor();
  return canvas.evaluate((el: HTMLCanvasElement) => {
    const { width, height } = el;
    const pixels = el.getContext('2d')!.getImageData(0, 0, width, height).data;
    let drawn = false;
    for (let i = 3; i < pixels.length; i += 4) {
      if (pixels[i]! > 0) {
        drawn = true;
        break;
      }
    }
    return { values: el.dataset.values ?? '', drawn };
  });
}

describe('the back-office portal in Chromium: every page, charts with real data, axe-core', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
  let browser: Browser;
  let page: Page;
  const random = seededRandom(21);

  beforeAll(async () => {
    try {
      readFileSync(chromiumPath);
    } catch {
      throw new Error(
        `Chromium is missing at ${chromiumPath}: install it with "apt-get install -y chromium" (CI does) or set MTD_CHROMIUM`,
      );
    }
    // Notification of WEB-DL-1 always fails, so the dead-letter page has a letter with its reason.
    runtime = await startTestRuntime({
      broadcast: { maxAttempts: 2, baseMs: 5, maxMs: 20 },
      wrapHandler: (name, handler) =>
        name === 'notifyCustomerOnDteIssued'
          ? failWhen(handler, (event) => event.data.orderId === 'WEB-DL-1', 'mail server unreachable (test)')
          : handler,
    });
    // Enough orders for more than one page of ledger entries (50 a page).
    for (let i = 0; i < 12; i++) {
      const order = sampleOrder({ orderId: `WEB-${i}`, random });
      expect((await postOrder(runtime.url, orderXml(order), 'application/xml')).status).toBe(202);
    }
    expect(
      (
        await postOrder(
          runtime.url,
          orderXml(sampleOrder({ orderId: 'WEB-DL-1', random })),
          'application/xml',
        )
      ).status,
    ).toBe(202);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({
      viewport: { width: 1366, height: 900 },
      acceptDownloads: true,
      locale: 'es-CL',
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await runtime?.cleanup();
  });

  it('signs in (in Spanish), shows the dashboard with charts, and a demo order appear and complete live', async () => {
    await page.goto(runtime.url);
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');
    await page.getByLabel('Usuario').fill('admin');
    await page.getByLabel('Contraseña').fill('wrong-password');
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
    await page.getByLabel('Contraseña').fill(testAdminPassword);
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.getByRole('heading', { name: 'Pedidos en vivo' }).waitFor();
    // The pages an admin may open, as the API's permissions say.
    expect(await page.getByRole('navigation', { name: 'Principal' }).textContent()).toContain('Estadísticas');

    const demo = startDemoFeed({
      url: runtime.url,
      inbox: runtime.inbox,
      ...(runtime.intakeApiKey ? { apiKey: runtime.intakeApiKey } : {}),
      random,
      ratePerSecond: 4,
      batchSize: 2,
      batchEverySeconds: 3600,
    });
    try {
      await page.locator('tr[data-order^="DEMO-"]').first().waitFor({ timeout: 30_000 });
      const row = page.locator('tr[data-order^="DEMO-"][data-stage="completed"]').first();
      await row.waitFor({ timeout: 60_000 }).catch(async (error) => {
        await screenshot(page, 'dashboard-live-failed');
        throw error;
      });
      // Stage badges are translated, not the API's keys.
      expect(await row.locator('[data-stage-badge]').textContent()).toBe('Completado');
    } finally {
      await demo.stop();
    }
    const { hourly } = await eventually(
      'the hourly chart and the API agreeing',
      async () => {
        await page.reload();
        const hourly = await chartOf(page, 'chart-hourly');
        return { hourly, today: await api<{ ordersPerHour: number[] }>(runtime.url, '/api/stats') };
      },
      (r) => r.hourly.values === r.today.ordersPerHour.join(','),
      30_000,
    );
    expect(hourly.values).not.toBe(new Array(24).fill(0).join(','));
    expect(hourly.drawn).toBe(true);
    expect(await page.getByRole('heading', { name: 'Pedidos por hora (hora de Chile)' }).count()).toBe(1);
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard');
  }, 150_000);

  it('lists orders with a stage filter and opens an order timeline in Chile time', async () => {
    await page.getByRole('link', { name: 'Pedidos en proceso' }).click();
    await page.getByRole('heading', { name: 'Pedidos en proceso' }).waitFor();
    await page.getByLabel('Etapa').selectOption({ label: 'Completado' });
    await page.getByRole('button', { name: 'Aplicar' }).click();
    await page.locator('tr[data-stage="completed"]').first().waitFor();
    expect(await page.locator('tbody tr:not([data-stage="completed"])').count()).toBe(0);
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'orders');

    await eventually(
      "the SII's verdict on WEB-0's DTE",
      () => api<{ order: { siiStatus: string | null } }>(runtime.url, '/api/orders/WEB-0'),
      (r) => r.order.siiStatus?.startsWith('accepted') === true,
    );
    await page.getByRole('link', { name: 'WEB-0', exact: true }).click();
    await page.getByRole('heading', { name: /Pedido WEB-0/ }).waitFor();
    await page.getByRole('columnheader', { name: 'Cuándo (hora de Chile)' }).waitFor();
    // Every time has its UTC instant in `datetime`.
    const instants = await page
      .locator('tbody time')
      .evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
    expect(instants.length).toBeGreaterThan(3);
    for (const iso of instants) expect(iso).toMatch(/Z$/);
    // The SII's word on its DTE (its verdict, waited for above), in the operator's language.
    await page.getByText(/SII: aceptado/).waitFor();
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'order-detail');
  });

  it('retries an exception from the list and sees it resolve', async () => {
    await runtime.setTaxFailureRate(1);
    expect(
      (
        await postOrder(
          runtime.url,
          orderXml(sampleOrder({ orderId: 'WEB-EXC-1', random })),
          'application/xml',
        )
      ).status,
    ).toBe(202);
    await eventually(
      'WEB-EXC-1 in exception',
      () => api<{ order?: { exception: unknown } }>(runtime.url, '/api/orders/WEB-EXC-1'),
      (r) => Boolean(r.order?.exception),
    );
    await page.getByRole('link', { name: 'Excepciones' }).click();
    const retry = page.getByRole('button', { name: 'Reintentar WEB-EXC-1' });
    await retry.waitFor();
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'exceptions');
    await runtime.setTaxFailureRate(0);
    await retry.click();
    // The row leaves the list live once the order's exception closes.
    await page.locator('tr[data-order="WEB-EXC-1"]').waitFor({ state: 'detached', timeout: 30_000 });
    await eventually(
      'WEB-EXC-1 completed',
      () => api<{ order: { stage: string } }>(runtime.url, '/api/orders/WEB-EXC-1'),
      (r) => r.order.stage === 'completed',
    );
  }, 60_000);

  it('draws the statistics of a date range from the API figures and downloads the same figures as CSV', async () => {
    await page.getByRole('link', { name: 'Estadísticas' }).click();
    await page.locator('tr[data-metric="issued"]').waitFor();
    const day = businessDayOf(new Date(), 'America/Santiago');
    // Orders may still be finishing: reload until the page and the API tell the same figures.
    const { stats, sales } = await eventually(
      'the statistics page and the API agreeing',
      async () => {
        await page.reload();
        const sales = await chartOf(page, 'chart-daily-sales');
        return { sales, stats: await api<Stats>(runtime.url, `/api/stats?from=${day}&to=${day}`) };
      },
      (r) => r.sales.values === r.stats.daily.map((d) => d.revenue).join(','),
      30_000,
    );
    expect(sales.drawn).toBe(true);
    expect(stats.issued).toBeGreaterThan(0);
    expect(await page.locator('tr[data-metric="issued"] td').textContent()).toBe(String(stats.issued));
    const orders = await chartOf(page, 'chart-daily-orders');
    expect(orders.values).toBe(
      `${stats.daily.map((d) => d.orders).join(',')};${stats.daily.map((d) => d.issued).join(',')}`,
    );
    expect((await chartOf(page, 'chart-top-revenue')).values).toBe(
      stats.topProductsByRevenue.map((p) => p.revenue).join(','),
    );
    expect((await chartOf(page, 'chart-top-quantity')).values).toBe(
      stats.topProductsByQuantity.map((p) => p.quantity).join(','),
    );
    expect((await chartOf(page, 'chart-dispatch')).values).toBe(
      `${stats.dispatch.onTime},${stats.dispatch.late}`,
    );
    const latency = await chartOf(page, 'chart-latency');
    expect(latency.values.split(';')).toHaveLength(3);
    expect(latency.drawn).toBe(true);
    // Both top-3 rankings are labelled, and latencies carry human names, not metric keys.
    await page.getByRole('heading', { name: 'Top 3 productos por ventas ($)' }).waitFor();
    await page.getByRole('heading', { name: 'Top 3 productos por unidades vendidas' }).waitFor();
    expect(await page.locator('#table-latency').textContent()).toContain('Aceptado → DTE emitido');
    expect(await page.locator('main').textContent()).not.toContain('acceptedToIssued');
    // Pending deadlines are shown apart from the compliance share (sample orders dispatch days ahead).
    expect(await page.locator('#dispatch-pending').textContent()).toContain(
      `${stats.dispatch.pending} pedidos`,
    );
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'statistics');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Descargar CSV' }).click(),
    ]);
    const rows = Object.fromEntries(
      readFileSync((await download.path())!, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')),
    );
    expect(Number(rows.orders)).toBe(stats.orders);
    expect(Number(rows.issued)).toBe(stats.issued);
    expect(Number(rows.revenue)).toBe(stats.revenue);
    expect(Number(rows[`daily.${day}.revenue`])).toBe(stats.daily[0]!.revenue);
    expect(Number(rows['dispatch.pending'])).toBe(stats.dispatch.pending);
  });

  it('verifies the ledger, pages through its entries, lists checkpoints and downloads a proof that checks offline', async () => {
    await page.getByRole('link', { name: 'Auditoría' }).click();
    await page.getByRole('button', { name: 'Verificar cadena' }).click();
    await expect
      .poll(() => page.locator('#verify-result').textContent())
      .toMatch(/^Registro íntegro: \d+ eventos verificados contra el almacén\.$/);

    const newest = page.locator('#checkpoints tbody tr').first();
    await newest.waitFor();
    const { items } = await api<{ items: { treeSize: number }[] }>(runtime.url, '/api/audit/checkpoints');
    expect(items.map((c) => c.treeSize)).toContain(Number(await newest.getAttribute('data-tree-size')));

    // 50 entries a page, newest first; the next page starts right below.
    const rows = page.locator('#leaves tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(50);
    const lastOfFirst = Number(await rows.last().getAttribute('data-index'));
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'audit');
    await page.getByRole('button', { name: 'Más antiguos →' }).click();
    await expect
      .poll(async () => Number(await rows.first().getAttribute('data-index')))
      .toBe(lastOfFirst - 1);
    await page.getByRole('button', { name: '← Más recientes' }).click();
    // Back on the newest page: the demo keeps appending, so it may have grown since; it never shrinks.
    await expect
      .poll(async () => Number(await rows.last().getAttribute('data-index')))
      .toBeGreaterThanOrEqual(lastOfFirst);

    await page.getByLabel('Pedido', { exact: true }).fill('WEB-EXC-1');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Descargar prueba' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('mtd-proof-WEB-EXC-1.json');
    const verdict = verifyLedgerProof(readFileSync((await download.path())!, 'utf8'));
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && verdict.events.map((e) => e.streamId)).toContain('order-WEB-EXC-1');
    await expect
      .poll(() => page.locator('#proof-result').textContent())
      .toMatch(/^Prueba descargada: \d+ eventos contra el checkpoint de \d+ hojas\./);
  });

  it('shows each dead letter with its reason and redrives it', async () => {
    const letters = await eventually(
      'the dead letter of WEB-DL-1',
      () =>
        api<{ items: { eventId: string; status: string }[] }>(runtime.url, '/api/dead-letters?status=dead'),
      (p) => p.items.length === 1,
    );
    const eventId = letters.items[0]!.eventId;
    await page.getByRole('link', { name: 'Mensajes fallidos' }).click();
    const row = page.locator(`tr[data-event-id="${eventId}"]`);
    await row.waitFor();
    expect(await row.locator('td.reason').textContent()).toContain('mail server unreachable (test)');
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dead-letters');
    await page.getByRole('button', { name: `Reenviar ${eventId}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Reenviado: ${eventId}` })
      .waitFor();
  });

  it('creates a user, with the roles the API offers', async () => {
    await page.getByRole('link', { name: 'Usuarios' }).click();
    await page.getByRole('textbox', { name: 'Usuario' }).fill('ana.analista');
    await page.getByLabel('Rol').selectOption({ label: 'analista' });
    await page.getByRole('button', { name: 'Crear' }).click();
    await page.getByText(/^Usuario creado\. Contraseña \(se muestra una sola vez\): \S{12,}$/).waitFor();
    await page.locator('#users tbody tr', { hasText: 'ana.analista' }).waitFor();
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'users');
  });

  it('switches to English, translating navigation, stage badges and metric names', async () => {
    await page.getByRole('link', { name: 'Panel' }).click();
    await page.locator('#chart-hourly').waitFor();
    await page.getByRole('button', { name: 'Cambiar idioma a inglés' }).click();
    await page.getByRole('heading', { name: 'Live orders' }).waitFor();
    expect(await page.locator('[data-kpi="orders"] .label').textContent()).toBe('Orders');
    expect.soft(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard-en');
    await page.getByRole('link', { name: 'Orders in process' }).click();
    // The page is drawn when its heading is (the dashboard's "Stage funnel" chart also holds "Stage").
    await page.getByRole('heading', { name: 'Orders in process' }).waitFor();
    await page.getByRole('combobox', { name: /Stage/ }).selectOption({ label: 'Completed' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(() => page.locator('tr[data-stage="completed"] [data-stage-badge]').first().textContent())
      .toBe('Completed');
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.locator('#table-latency').waitFor();
    expect(await page.locator('#table-latency').textContent()).toContain('Accepted → DTE issued');
    await page.getByRole('button', { name: 'Change language to Spanish' }).click();
    await page.getByRole('heading', { name: 'Estadísticas' }).waitFor();
  });

  it('shows an analyst only the pages the API allows', async () => {
    const created = await fetch(`${runtime.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: testAdminPassword }),
    });
    const { token } = (await created.json()) as { token: string };
    await fetch(`${runtime.url}/api/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'web-analyst', role: 'analyst', password: 'analyst-password-1' }),
    });
    const analyst = await browser.newPage({ locale: 'es-CL' });
    await analyst.goto(runtime.url);
    await analyst.getByLabel('Usuario').fill('web-analyst');
    await analyst.getByLabel('Contraseña').fill('analyst-password-1');
    await analyst.getByRole('button', { name: 'Iniciar sesión' }).click();
    await analyst.getByRole('heading', { name: 'Pedidos en vivo' }).waitFor();
    const nav = (await analyst.getByRole('navigation', { name: 'Principal' }).textContent()) ?? '';
    expect(nav).toContain('Estadísticas');
    for (const hidden of ['Excepciones', 'Auditoría', 'Usuarios', 'Mensajes fallidos'])
      expect(nav).not.toContain(hidden);
    await analyst.close();
  });
});
