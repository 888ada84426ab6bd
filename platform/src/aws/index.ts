export * from './lambdaEnvironment';
export * from './latencyMetric';
export * from './observability';
export * from './outboxPublisherHandler';
export * from './sdkClientConfig';
export * from './sqsEventBridgeHandler';
