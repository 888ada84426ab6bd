import { type MtdEvent, parseEvent } from '@mtd/contracts';

/** An event as EventBridge delivers it to a rule target. */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { metadata: MtdEvent['metadata']; data: unknown };
  /** Set by EventBridge on events re-delivered from an archive replay. */
  'replay-name'?: string;
}

/** The EventBridge entry an MTD event becomes: what rules (and the local matcher) see. */
export function toEventBridgeEvent(
  event: MtdEvent,
  environment: { account?: string; region?: string; replayName?: string } = {},
): EventBridgeEvent {
  const { type: _type, ...detail } = event;
  return {
    version: '0',
    id: event.metadata.eventId,
    'detail-type': event.metadata.eventType,
    source: event.metadata.producer,
    account: environment.account ?? '000000000000',
    time: event.metadata.occurredAt,
    region: environment.region ?? 'local',
    resources: [],
    detail,
    ...(environment.replayName ? { 'replay-name': environment.replayName } : {}),
  };
}

/** Consumers validate on receipt (DESIGN §2); throws EventValidationError naming every bad field. */
export function fromEventBridgeEvent(event: EventBridgeEvent): MtdEvent {
  return parseEvent(event.detail);
}
