import { dteBroadcastV1ToV2 } from './dte/DteBroadcast.v1-to-v2';
import { dteBroadcastFailedV1ToV2 } from './dte/DteBroadcastFailed.v1-to-v2';
import { dteIssuedV1ToV2 } from './dte/DteIssued.v1-to-v2';
import type { EventMetadata } from './envelope';
import { orderReceivedV1ToV2 } from './intake/OrderReceived.v1-to-v2';

/**
 * Turns the data of one published version into the next. Every breaking change is a new version
 * plus one of these, so events stored long ago are read as the newest version (DESIGN §2).
 */
export interface Upcaster<From = unknown, To = unknown> {
  readonly detailType: string;
  readonly fromVersion: number;
  readonly toVersion: number;
  upcast(data: From, metadata: EventMetadata): To;
}

/** Every upcaster; the compatibility gate requires one between each pair of consecutive versions. */
export const upcasters: readonly Upcaster[] = [
  orderReceivedV1ToV2 as Upcaster,
  dteIssuedV1ToV2 as Upcaster,
  dteBroadcastV1ToV2 as Upcaster,
  dteBroadcastFailedV1ToV2 as Upcaster,
];

export function upcasterFrom(detailType: string, fromVersion: number): Upcaster | undefined {
  return upcasters.find((u) => u.detailType === detailType && u.fromVersion === fromVersion);
}
