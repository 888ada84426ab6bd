import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { orderXml, sampleOrder, seededRandom, startDemoFeed } from '@mtd/local';
import { verifyLedgerProof } from '@mtd/platform/ledger/proofVerifier';
import { businessDayOf } from '@mtd/projection';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, postOrder, startTestRuntime, testAdminPassword } from './harness';

const chromiumPath = process.env.MTD_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(import.meta.dirname, '..', 'artifacts');

describe('the back-office portal in Chromium', () => {
  let runtime: Awaited<ReturnType<typeof startTestRuntime>>;
  let browser: Browser;
  let page: Page;
  const random = seededRandom(21);

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `Chromium is missing at ${chromiumPath}: install it with "apt-get install -y chromium" (CI does) or set MTD_CHROMIUM`,
      );
    }
    runtime = await startTestRuntime({ broadcast: { maxAttempts: 2, baseMs: 5, maxMs: 20 } });
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
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await runtime?.cleanup();
  });

  it('signs in (in Spanish) and shows a demo order appear and complete live', async () => {
    await page.goto(runtime.url);
    await page.getByLabel('Usuario').fill('admin');
    await page.getByLabel('Contraseña').fill('wrong-password');
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
    await page.getByLabel('Contraseña').fill(testAdminPassword);
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.getByRole('heading', { name: 'Pedidos en vivo' }).waitFor();
    expect(await page.getByRole('navigation').textContent()).toContain('Estadísticas');

    // The demo feed posts through the public intake; the page was loaded before, so rows come over SSE.
    const demo = startDemoFeed({
      url: runtime.url,
      inbox: runtime.inbox,
      random,
      ratePerSecond: 4,
      batchSize: 2,
      batchEverySeconds: 3600,
    });
    try {
      const row = page.locator('tr[data-order^="DEMO-"][data-stage="completed"]').first();
      await row.waitFor({ timeout: 30_000 });
    } finally {
      await demo.stop();
    }
  }, 60_000);

  it('retries an exception from the list and sees it resolve', async () => {
    runtime.setTaxFailureRate(1);
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
    runtime.setTaxFailureRate(0);
    await retry.click();
    // The row leaves the list live once the order's exception closes.
    await page.locator('tr[data-order="WEB-EXC-1"]').waitFor({ state: 'detached', timeout: 30_000 });
    await eventually(
      'WEB-EXC-1 completed',
      () => api<{ order: { stage: string } }>(runtime.url, '/api/orders/WEB-EXC-1'),
      (r) => r.order.stage === 'completed',
    );
  }, 60_000);

  it('downloads the statistics CSV with the totals the API reports', async () => {
    await page.getByRole('link', { name: 'Estadísticas' }).click();
    await page.locator('tr[data-metric="issued"]').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Descargar CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const rows = Object.fromEntries(
      csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')),
    );
    const day = businessDayOf(new Date(), 'America/Santiago');
    const stats = await api<{ orders: number; issued: number; revenue: number }>(
      runtime.url,
      `/api/stats?from=${day}&to=${day}`,
    );
    expect(Number(rows.orders)).toBe(stats.orders);
    expect(Number(rows.issued)).toBe(stats.issued);
    expect(Number(rows.revenue)).toBe(stats.revenue);
    expect(stats.issued).toBeGreaterThan(0);
    expect(await page.locator('tr[data-metric="issued"] td').textContent()).toBe(String(stats.issued));
  });

  it('verifies the ledger, lists its signed checkpoints and downloads an order proof that checks offline', async () => {
    await page.getByRole('link', { name: 'Auditoría' }).click();
    await page.getByRole('button', { name: 'Verificar cadena' }).click();
    await expect
      .poll(() => page.locator('#verify-result').textContent())
      .toMatch(/^Registro íntegro: \d+ eventos verificados contra el almacén\.$/);

    // The checkpoints above the leaves, newest first, as the API lists them.
    const newest = page.locator('#checkpoints tbody tr').first();
    await newest.waitFor();
    const { items } = await api<{ items: { treeSize: number }[] }>(runtime.url, '/api/audit/checkpoints');
    expect(items.map((c) => c.treeSize)).toContain(Number(await newest.getAttribute('data-tree-size')));

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

  it('switches to English and saves a dashboard screenshot', async () => {
    await page.getByRole('link', { name: 'Panel' }).click();
    await page.locator('#chart-hourly').waitFor();
    await page.getByRole('button', { name: 'Cambiar idioma a inglés' }).click();
    await page.getByRole('heading', { name: 'Live orders' }).waitFor();
    expect(await page.locator('[data-kpi="orders"] .label').textContent()).toBe('Orders');
    await page.getByRole('button', { name: 'Change language to Spanish' }).click();
    await page.getByRole('heading', { name: 'Pedidos en vivo' }).waitFor();
    mkdirSync(artifacts, { recursive: true });
    const file = join(artifacts, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
  });
});
