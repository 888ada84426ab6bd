import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  dteAlertsService,
  dteMetricNames,
  dteMetricsNamespace,
  embeddedMetricAlerts,
} from './operationsAlerts';

// Powertools Metrics writes its EMF lines to stdout.
beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

/** The EMF directive and document of the one line an alert writes. */
function emitted(raise: (alerts: ReturnType<typeof embeddedMetricAlerts>) => void) {
  const write = vi.mocked(process.stdout.write);
  write.mockClear();
  raise(embeddedMetricAlerts());
  const lines = write.mock.calls.map((call) => String(call[0])).filter((line) => line.includes('"_aws"'));
  expect(lines).toHaveLength(1);
  const doc = JSON.parse(lines[0]!);
  const [directive] = doc._aws.CloudWatchMetrics;
  return { doc, directive };
}

describe('operations alerts as CloudWatch metrics (what the dte stack alarms watch)', () => {
  it('emits FoliosRemaining per DteType at once, the value the low-water alarm compares', () => {
    const { doc, directive } = emitted((a) =>
      a.foliosRunningLow({ dteType: 33, remaining: 7, lowWater: 20 }),
    );
    expect(directive).toEqual({
      Namespace: dteMetricsNamespace,
      Dimensions: [['service', 'DteType']],
      Metrics: [{ Name: dteMetricNames.foliosRemaining, Unit: 'Count' }],
    });
    expect(doc).toMatchObject({ service: dteAlertsService, DteType: '33', FoliosRemaining: 7 });
    expect(doc.message).toBe('folios of type 33 running low (alert at 20)');
    expect(emitted((a) => a.foliosExhausted({ dteType: 39, orderId: 'PO-1' })).doc).toMatchObject({
      DteType: '39',
      FoliosRemaining: 0,
    });
  });

  it('emits CertificateDaysLeft with the service dimension only, so one alarm covers every certificate', () => {
    const { doc, directive } = emitted((a) =>
      a.certificateExpiring({
        subject: 'CN=Comercial MTD',
        notAfter: '2026-12-31T00:00:00.000Z',
        daysLeft: 12,
      }),
    );
    expect(directive.Dimensions).toEqual([['service']]);
    expect(directive.Metrics).toEqual([{ Name: dteMetricNames.certificateDaysLeft, Unit: 'Count' }]);
    expect(doc).toMatchObject({ service: dteAlertsService, CertificateDaysLeft: 12 });
    expect(doc.message).toContain('CN=Comercial MTD');
  });
});
