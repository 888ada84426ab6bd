import type { OrderAtRiskV1 } from '@mtd/contracts';
import { describe, expect, it } from 'vitest';
import { digestRows, formatChileTime, renderOperationsDigest } from '#domain/operationsAlert';

const aWarning = (overrides: Partial<OrderAtRiskV1> = {}): OrderAtRiskV1 => ({
  orderId: 'PO-1',
  stage: 'dte-issuance',
  deadline: '2026-11-24T10:05:00.000Z',
  detectedAt: '2026-11-24T10:05:10.000Z',
  ...overrides,
});
const portal = 'https://backoffice.mtd.example.cl';

describe('formatChileTime', () => {
  it('writes Chile time with fixed fields (UTC−3 in November)', () => {
    expect(formatChileTime('2026-11-24T10:05:00.000Z')).toBe('24-11-2026 07:05:00');
    expect(formatChileTime('2026-11-24T02:59:59.999Z')).toBe('23-11-2026 23:59:59');
  });
});

describe('digestRows', () => {
  it('groups by order (earliest deadline first), stages in life order, a repeated warning once', () => {
    const warnings = [
      aWarning({ orderId: 'PO-B', stage: 'notification', deadline: '2026-11-24T10:15:00.000Z' }),
      aWarning({ orderId: 'PO-A', stage: 'dispatch', deadline: '2026-11-24T10:20:00.000Z' }),
      aWarning({ orderId: 'PO-B', stage: 'dte-issuance', deadline: '2026-11-24T10:05:00.000Z' }),
      aWarning({ orderId: 'PO-A', stage: 'dte-broadcast', deadline: '2026-11-24T10:10:00.000Z' }),
      aWarning({ orderId: 'PO-B', stage: 'dte-issuance', deadline: '2026-11-24T10:05:00.000Z' }),
    ];
    const rows = digestRows(warnings, portal);
    expect(rows.map((r) => `${r.orderId} ${r.stage}`)).toEqual([
      'PO-B dte-issuance',
      'PO-B notification',
      'PO-A dte-broadcast',
      'PO-A dispatch',
    ]);
    expect(rows[0]?.link).toBe(`${portal}/#/orders/PO-B`);
    expect(digestRows([...warnings].reverse(), portal)).toEqual(rows);
    expect(digestRows(warnings)[0]).not.toHaveProperty('link');
  });
});

describe('renderOperationsDigest', () => {
  it('puts the count and the order in the subject of a digest of one', () => {
    const email = renderOperationsDigest([aWarning({ orderId: 'RISK-2', stage: 'dte-broadcast' })], portal);
    expect(email.subject).toBe('1 pedido en riesgo: RISK-2 (envío al SII)');
    expect(email.text).toContain('Un pedido no completó a tiempo las etapas indicadas.');
    expect(email.text).toContain('Detectado: 24-11-2026 07:05:10 (hora de Chile).');
    expect(email.text).toContain(
      `- RISK-2 · envío al SII · plazo 24-11-2026 07:05:00 · ${portal}/#/orders/RISK-2`,
    );
  });

  it('lists every order at risk in one table, with the counts in the subject', () => {
    const email = renderOperationsDigest(
      [
        aWarning({ orderId: 'PO-1', stage: 'dte-issuance' }),
        aWarning({ orderId: 'PO-1', stage: 'notification', detectedAt: '2026-11-24T10:15:10.000Z' }),
        aWarning({ orderId: 'PO-2', stage: 'dispatch', deadline: '2026-11-24T12:00:00.000Z' }),
      ],
      portal,
    );
    expect(email.subject).toBe('2 pedidos en riesgo (3 etapas fuera de plazo)');
    expect(email.text).toContain('Detectado entre 24-11-2026 07:05:10 y 24-11-2026 07:15:10');
    expect(email.html).toContain(
      '<th style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:left">Pedido</th>',
    );
    expect(email.html.match(/<tr>/g)).toHaveLength(4);
    expect(email.html).toContain(
      '<td style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:left">despacho</td>',
    );
    expect(email.html).toContain(`<a href="${portal}/#/orders/PO-2">Ver el pedido</a>`);
  });

  it('escapes order ids (they come from partners) and links them encoded', () => {
    const email = renderOperationsDigest([aWarning({ orderId: 'PO-<b>&1' })], portal);
    expect(email.html).toContain('PO-&lt;b&gt;&amp;1');
    expect(email.html).not.toContain('<b>');
    expect(email.html).toContain(`${portal}/#/orders/PO-%3Cb%3E%261`);
  });

  it('without a portal, has no link column and points to the back office', () => {
    const email = renderOperationsDigest([aWarning()]);
    expect(email.html).not.toContain('Enlace');
    expect(email.text).toContain('Revíselos en el portal de back-office.');
  });

  it('refuses an empty digest', () => {
    expect(() => renderOperationsDigest([])).toThrow(RangeError);
  });
});
