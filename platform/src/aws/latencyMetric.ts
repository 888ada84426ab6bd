/** The metric name of the time from an event's `occurredAt` to its handler finishing. */
export const eventLatencyMetricName = 'EventToHandledLatency';

/**
 * Writes one CloudWatch Embedded Metric Format line to stdout. It bypasses `console` on purpose:
 * Lambda prefixes console lines with a timestamp and request id, and CloudWatch only extracts
 * metrics from a log event that is the EMF JSON itself.
 */
export function emitLatencyMetric(metric: {
  namespace: string;
  subscription: string;
  milliseconds: number;
  at: Date;
  write?: (line: string) => void;
}): void {
  const line = JSON.stringify({
    _aws: {
      Timestamp: metric.at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: metric.namespace,
          Dimensions: [['Subscription']],
          Metrics: [{ Name: eventLatencyMetricName, Unit: 'Milliseconds' }],
        },
      ],
    },
    Subscription: metric.subscription,
    [eventLatencyMetricName]: metric.milliseconds,
  });
  (metric.write ?? ((l: string) => process.stdout.write(l)))(`${line}\n`);
}
