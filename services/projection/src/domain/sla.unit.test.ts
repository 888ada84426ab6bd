import { describe, expect, it } from 'vitest';
import type { OrderView } from '#domain/orderView';
import { defaultSlaDeadlines, detectOrdersAtRisk } from '#domain/sla';

const acceptedAt = '2026-11-24T10:00:00.000Z';
function aView(overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId: 'PO-1',
    acceptedAt,
    rejectedAt: null,
    issuedAt: null,
    broadcastAt: null,
    notifiedAt: null,
    completedAt: null,
    dispatchBy: '2026-11-25T10:00:00.000Z',
    atRisk: [],
    ...overrides,
  } as OrderView;
}
const at = (iso: string) => new Date(iso);

describe('detectOrdersAtRisk', () => {
  it('finds nothing before the first deadline', () => {
    expect(detectOrdersAtRisk([aView()], at('2026-11-24T10:02:00.000Z'), defaultSlaDeadlines)).toEqual([]);
  });

  it('flags DTE issuance 2 minutes after acceptance, then broadcast and notification after 5', () => {
    expect(detectOrdersAtRisk([aView()], at('2026-11-24T10:02:00.001Z'), defaultSlaDeadlines)).toEqual([
      { orderId: 'PO-1', stage: 'dte-issuance', deadline: '2026-11-24T10:02:00.000Z' },
    ]);
    expect(
      detectOrdersAtRisk([aView()], at('2026-11-24T10:06:00.000Z'), defaultSlaDeadlines).map((f) => f.stage),
    ).toEqual(['dte-broadcast', 'dte-issuance', 'notification']);
  });

  it('skips stages done, stages already warned, rejected and not-yet-accepted orders', () => {
    const late = at('2026-11-24T10:06:00.000Z');
    const issued = aView({ issuedAt: '2026-11-24T10:00:01.000Z', notifiedAt: '2026-11-24T10:00:02.000Z' });
    expect(detectOrdersAtRisk([issued], late, defaultSlaDeadlines).map((f) => f.stage)).toEqual([
      'dte-broadcast',
    ]);
    const warned = aView({
      issuedAt: '2026-11-24T10:00:01.000Z',
      notifiedAt: '2026-11-24T10:00:02.000Z',
      atRisk: [
        { stage: 'dte-broadcast', deadline: '2026-11-24T10:05:00.000Z', detectedAt: late.toISOString() },
      ],
    });
    expect(detectOrdersAtRisk([warned], late, defaultSlaDeadlines)).toEqual([]);
    expect(detectOrdersAtRisk([aView({ rejectedAt: acceptedAt })], late, defaultSlaDeadlines)).toEqual([]);
    expect(detectOrdersAtRisk([aView({ acceptedAt: null })], late, defaultSlaDeadlines)).toEqual([]);
  });

  it("flags dispatch when the order's own DispatchBy passed before completion", () => {
    const done = { issuedAt: acceptedAt, broadcastAt: acceptedAt, notifiedAt: acceptedAt };
    const view = aView({ ...done, dispatchBy: '2026-11-24T10:01:00.000Z' });
    expect(detectOrdersAtRisk([view], at('2026-11-24T10:01:01.000Z'), defaultSlaDeadlines)).toEqual([
      { orderId: 'PO-1', stage: 'dispatch', deadline: '2026-11-24T10:01:00.000Z' },
    ]);
    expect(
      detectOrdersAtRisk(
        [{ ...view, completedAt: acceptedAt }],
        at('2026-11-24T10:01:01.000Z'),
        defaultSlaDeadlines,
      ),
    ).toEqual([]);
  });
});
