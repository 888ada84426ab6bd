import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderAtRiskV1 } from '@mtd/contracts';
import { anEventOf } from '@mtd/platform/aws/testing';
import { inMemoryEffectClaims } from '@mtd/platform/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxEmailSender } from '#adapters/outboxEmailSender';
import { notifyOperationsOnOrderAtRisk } from '#handlers/notifyOperationsOnOrderAtRisk';
import { parseEml } from '#src/testing/parseEml';

const clock = { now: () => new Date('2026-11-24T10:05:11.000Z') };
const warning = (orderId: string) =>
  anEventOf(OrderAtRiskV1, {
    streamId: `sla-${orderId}`,
    data: {
      orderId,
      stage: 'dte-issuance',
      deadline: '2026-11-24T10:05:00.000Z',
      detectedAt: '2026-11-24T10:05:10.000Z',
    },
  });

describe('the operations digest in the local outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtd-ops-digest-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one .eml per page, and a redelivered page rewrites that same file', async () => {
    const handler = notifyOperationsOnOrderAtRisk({
      email: outboxEmailSender({ dir, clock }),
      from: 'MTD Alertas <alertas@mtd.example.cl>',
      operations: 'operaciones@mtd.example.cl',
      claims: inMemoryEffectClaims(),
    });
    const events = ['PO-1', 'PO-2', 'PO-3', 'PO-4'].map(warning);
    const context = { subscription: 'notifyOperationsOnOrderAtRisk' };
    await handler.handlePage(events, context);
    await handler.handlePage([...events].reverse(), context);

    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const eml = parseEml(await readFile(join(dir, files[0]!), 'utf8'));
    expect(eml.headers.get('subject')).toBe('4 pedidos en riesgo (4 etapas fuera de plazo)');
    expect(eml.headers.get('to')).toBe('operaciones@mtd.example.cl');
    const text = eml.parts.find((p) => p.headers.get('content-type')?.startsWith('text/plain'))?.body ?? '';
    for (const orderId of ['PO-1', 'PO-2', 'PO-3', 'PO-4'])
      expect(text).toContain(`- ${orderId} · emisión del DTE`);
  });
});
