/**
 * The metric name of the time from an event's `occurredAt` to its handler finishing, in namespace
 * `MTD` with dimensions `service` and `Subscription` (Powertools Metrics, see sqsEventBridgeHandler).
 */
export const eventLatencyMetricName = 'EventToHandledLatency';
