import { describe, expect, it } from 'vitest';
import { dteMetricNames, dteMetricsNamespace, embeddedMetricAlerts } from './operationsAlerts';

/** The EMF directive and value of the one line an alert writes. */
function emitted(raise: (alerts: ReturnType<typeof embeddedMetricAlerts>) => void) {
  const lines: string[] = [];
  raise(embeddedMetricAlerts({ write: (line) => lines.push(line), now: () => 1_764_000_000_000 }));
  expect(lines).toHaveLength(1);
  const doc = JSON.parse(lines[0]!);
  const [directive] = doc._aws.CloudWatchMetrics;
  return { doc, directive };
}

describe('operations alerts as CloudWatch EMF (what the dte stack alarms watch)', () => {
  it('emits FoliosRemaining per DteType, the value the low-water alarm compares', () => {
    const { doc, directive } = emitted((a) =>
      a.foliosRunningLow({ dteType: 33, remaining: 7, lowWater: 20 }),
    );
    expect(directive).toEqual({
      Namespace: dteMetricsNamespace,
      Dimensions: [['DteType']],
      Metrics: [{ Name: dteMetricNames.foliosRemaining, Unit: 'Count' }],
    });
    expect(doc).toMatchObject({ DteType: '33', FoliosRemaining: 7 });
    expect(emitted((a) => a.foliosExhausted({ dteType: 39, orderId: 'PO-1' })).doc).toMatchObject({
      DteType: '39',
      FoliosRemaining: 0,
    });
  });

  it('emits CertificateDaysLeft with no dimension, so one alarm covers every certificate', () => {
    const { doc, directive } = emitted((a) =>
      a.certificateExpiring({
        subject: 'CN=Comercial MTD',
        notAfter: '2026-12-31T00:00:00.000Z',
        daysLeft: 12,
      }),
    );
    expect(directive.Dimensions).toEqual([[]]);
    expect(directive.Metrics).toEqual([{ Name: dteMetricNames.certificateDaysLeft, Unit: 'Count' }]);
    expect(doc.CertificateDaysLeft).toBe(12);
    expect(doc.message).toContain('CN=Comercial MTD');
  });
});
