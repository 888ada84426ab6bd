import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createEventBridgePublisher } from '../eventBridgePublisher';
import { requiredEnv } from './lambdaEnvironment';
import { outboxPublisherHandler } from './outboxPublisherHandler';

/**
 * Composition root of the outbox publisher Lambda (platform stack): one EventBridge client per
 * container, the bus from `EVENT_BUS_NAME`.
 */
const eventBridge = new EventBridgeClient({});

export const handler = outboxPublisherHandler({
  publisher: createEventBridgePublisher({ client: eventBridge, eventBusName: requiredEnv('EVENT_BUS_NAME') }),
});
