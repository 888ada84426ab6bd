import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DteType } from '@mtd/contracts';

/**
 * What operations must hear about before it stops issuance: folios running low or out, and the
 * signing certificate near its end. Locally these are log lines; on AWS, CloudWatch metrics
 * (Powertools Metrics, `MTD/dte` `FoliosRemaining` per `DteType`, `CertificateDaysLeft`) that the
 * alarms watch.
 */
export interface OperationsAlerts {
  foliosRunningLow(alert: { dteType: DteType; remaining: number; lowWater: number }): void;
  foliosExhausted(alert: { dteType: DteType; orderId: string }): void;
  certificateExpiring(alert: { subject: string; notAfter: string; daysLeft: number }): void;
}

/** Alerts as log lines (the local runtime's log). */
export function logAlerts(log: (line: string) => void): OperationsAlerts {
  return {
    foliosRunningLow: ({ dteType, remaining, lowWater }) =>
      log(
        `WARN dte: only ${remaining} authorised folios of type ${dteType} left (alert at ${lowWater}): load a new CAF (mtd caf load FILE)`,
      ),
    foliosExhausted: ({ dteType, orderId }) =>
      log(
        `ALARM dte: no authorised folio of type ${dteType} left; order ${orderId} is in exception until a CAF is loaded`,
      ),
    certificateExpiring: ({ subject, notAfter, daysLeft }) =>
      log(`WARN dte: the signing certificate ${subject} expires ${notAfter} (${daysLeft} days): renew it`),
  };
}

/** The CloudWatch namespace and metric names the alarms of the dte stack watch. */
export const dteMetricsNamespace = 'MTD/dte';
export const dteMetricNames = {
  /** Folios of a type left in the loaded CAFs (dimension `DteType`), emitted when at or under the low water. */
  foliosRemaining: 'FoliosRemaining',
  /** Days until the signing certificate expires (no dimension of its own), emitted once a day per container when near. */
  certificateDaysLeft: 'CertificateDaysLeft',
} as const;
/**
 * The `service` dimension (Powertools Metrics' own) of the alert metrics: one value for every dte
 * function, not the function's name, so one alarm per metric (and per `DteType`) covers them all.
 */
export const dteAlertsService = 'dte';

/**
 * Alerts as CloudWatch metrics through Powertools Metrics: one EMF line per alert on stdout (Lambda
 * ships it to CloudWatch, which extracts the metric), with the alert in words as metadata. No SDK
 * call, no latency. Namespace `MTD/dte`, dimension `service` = `dte` (plus `DteType` for folios).
 */
export function embeddedMetricAlerts(options: { metrics?: Metrics } = {}): OperationsAlerts {
  const metrics =
    options.metrics ?? new Metrics({ namespace: dteMetricsNamespace, serviceName: dteAlertsService });
  const emit = (metric: string, value: number, dimensions: Record<string, string>, message: string) => {
    // A single metric flushes as soon as its value is added: an alert is never held for the end of
    // the invocation (nor lost with a handler that throws).
    const alert = metrics.singleMetric();
    for (const [name, dimension] of Object.entries(dimensions)) alert.addDimension(name, dimension);
    alert.addMetadata('message', message);
    alert.addMetric(metric, MetricUnit.Count, value);
  };
  return {
    foliosRunningLow: ({ dteType, remaining, lowWater }) =>
      emit(
        dteMetricNames.foliosRemaining,
        remaining,
        { DteType: String(dteType) },
        `folios of type ${dteType} running low (alert at ${lowWater})`,
      ),
    foliosExhausted: ({ dteType, orderId }) =>
      emit(
        dteMetricNames.foliosRemaining,
        0,
        { DteType: String(dteType) },
        `no folio of type ${dteType} left for order ${orderId}`,
      ),
    certificateExpiring: ({ subject, notAfter, daysLeft }) =>
      // No dimension of its own: the alarm watches one metric whatever certificate is current (a
      // subject as a dimension would be a new metric per renewal, which no alarm could name).
      emit(
        dteMetricNames.certificateDaysLeft,
        daysLeft,
        {},
        `signing certificate ${subject.slice(0, 200)} expires ${notAfter}`,
      ),
  };
}
