import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createEventBridgePublisher } from '../eventBridgePublisher';
import { requiredEnv } from './lambdaEnvironment';
import { lambdaObservability } from './observability';
import { outboxPublisherHandler } from './outboxPublisherHandler';
import { lambdaSdkClientConfig } from './sdkClientConfig';

/**
 * Composition root of the outbox publisher Lambda (platform stack): one EventBridge client per
 * container, the bus from `EVENT_BUS_NAME`.
 */
const { logger, tracer } = lambdaObservability('outbox-publisher');
const eventBridge = tracer.captureAWSv3Client(new EventBridgeClient({ ...lambdaSdkClientConfig }));

export const handler = outboxPublisherHandler({
  logger,
  publisher: createEventBridgePublisher({ client: eventBridge, eventBusName: requiredEnv('EVENT_BUS_NAME') }),
});
