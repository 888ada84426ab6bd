import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The CloudWatch namespace of MTD's own metrics (the infra dashboards and alarms read it). */
export const mtdMetricsNamespace = 'MTD';

/**
 * A Lambda's Powertools trio, built once per container at its composition root: JSON logs, metrics
 * as EMF (one line per invocation, flushed by `publishStoredMetrics`), and X-Ray (the functions
 * have active tracing; `tracer.captureAWSv3Client(client)` records every SDK call as a subsegment).
 * Outside Lambda the tracer is disabled by itself and returns clients untouched, so the same
 * composition roots run in tests.
 */
export function lambdaObservability(fallbackServiceName: string): {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
} {
  // The stack sets POWERTOOLS_SERVICE_NAME to the function's name, which Powertools reads itself
  // when no name is given; metrics carry it as their `service` dimension (the dashboards use it).
  const service = process.env.POWERTOOLS_SERVICE_NAME ? {} : { serviceName: fallbackServiceName };
  return {
    logger: new Logger(service),
    metrics: new Metrics({ namespace: mtdMetricsNamespace, ...service }),
    tracer: new Tracer(service),
  };
}

export { correlationIdKey } from '../serviceLogger';
