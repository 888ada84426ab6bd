export * from './lambdaEnvironment';
export * from './latencyMetric';
export * from './outboxPublisherHandler';
export * from './sqsEventBridgeHandler';
