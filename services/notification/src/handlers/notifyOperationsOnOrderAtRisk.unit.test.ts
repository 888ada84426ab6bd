import { type MtdEvent, OrderAcceptedV1, OrderAtRiskV1 } from '@mtd/contracts';
import { anEventOf } from '@mtd/platform/aws/testing';
import { inMemoryEffectClaims } from '@mtd/platform/testing';
import { describe, expect, it } from 'vitest';
import type { EmailMessage, EmailSender } from '#adapters/emailSender';
import { notifyOperationsOnOrderAtRisk, operationsDigestKey } from '#handlers/notifyOperationsOnOrderAtRisk';

const warning = (orderId: string, stage: OrderAtRiskV1['stage']) =>
  anEventOf(OrderAtRiskV1, {
    streamId: `sla-${orderId}`,
    data: { orderId, stage, deadline: '2026-11-24T10:05:00.000Z', detectedAt: '2026-11-24T10:05:10.000Z' },
    occurredAt: '2026-11-24T10:05:10.000Z',
  }) as Extract<MtdEvent, { type: 'OrderAtRisk' }>;

function capturing(): EmailSender & { sent: EmailMessage[] } {
  const sent: EmailMessage[] = [];
  return {
    sent,
    send: async (message) => {
      sent.push(message);
      return { messageId: message.idempotencyKey };
    },
  };
}

const page = { subscription: 'notifyOperationsOnOrderAtRisk' };

describe('notifyOperationsOnOrderAtRisk', () => {
  const deps = (email: EmailSender) => ({
    email,
    from: 'MTD Alertas <alertas@mtd.example.cl>',
    operations: 'operaciones@mtd.example.cl',
    portalUrl: 'https://backoffice.mtd.example.cl',
    claims: inMemoryEffectClaims(),
  });

  it('sends one email for a page of N warnings, listing every order', async () => {
    const email = capturing();
    const events = [
      warning('PO-1', 'dte-issuance'),
      warning('PO-2', 'notification'),
      warning('PO-1', 'notification'),
    ];
    await notifyOperationsOnOrderAtRisk(deps(email)).handlePage(events, page);
    expect(email.sent).toHaveLength(1);
    expect(email.sent[0]).toMatchObject({
      from: 'MTD Alertas <alertas@mtd.example.cl>',
      to: ['operaciones@mtd.example.cl'],
      subject: '2 pedidos en riesgo (3 etapas fuera de plazo)',
      tags: { kind: 'order-at-risk', orders: '2' },
    });
    expect(email.sent[0]?.text).toContain('PO-1');
    expect(email.sent[0]?.text).toContain('PO-2');
  });

  it('sends a redelivered page, in any order or with duplicates, once: its claim has the same key', async () => {
    const email = capturing();
    const events = [warning('PO-1', 'dte-issuance'), warning('PO-2', 'notification')];
    const handler = notifyOperationsOnOrderAtRisk(deps(email));
    await handler.handlePage(events, page);
    await handler.handlePage([events[1]!, events[0]!, events[1]!], page);
    expect(email.sent).toHaveLength(1);
    expect(operationsDigestKey([events[1]!, events[0]!, events[1]!])).toBe(email.sent[0]?.idempotencyKey);
    expect(email.sent[0]?.idempotencyKey).toMatch(/^ops-at-risk-2-pedidos-[0-9a-f]{32}$/);
    // Another set of warnings is another email.
    await handler.handlePage([events[0]!], page);
    expect(email.sent).toHaveLength(2);
    expect(email.sent[1]?.idempotencyKey).not.toBe(email.sent[0]?.idempotencyKey);
  });

  it('keeps the order id in the key of a digest of one order', () => {
    const key = operationsDigestKey([warning('RISK/2', 'dte-broadcast')]);
    expect(key).toMatch(/^ops-at-risk-RISK-2-[0-9a-f]{32}$/);
  });

  it('never emails on a replay, and sends nothing for a page without warnings', async () => {
    const email = capturing();
    const handler = notifyOperationsOnOrderAtRisk(deps(email));
    await handler.handlePage([warning('PO-1', 'dte-issuance')], { ...page, replayName: 'rebuild' });
    await handler.handlePage(
      [anEventOf(OrderAcceptedV1, { streamId: 'order-PO-1001', streamVersion: 2 })],
      page,
    );
    await handler.handlePage([], page);
    expect(email.sent).toEqual([]);
  });
});
