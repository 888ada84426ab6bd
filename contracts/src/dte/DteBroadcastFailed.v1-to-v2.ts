import type { Upcaster } from '../upcasting';
import type { DteBroadcastFailedV1 } from './DteBroadcastFailed.v1';
import type { DteBroadcastFailedV2 } from './DteBroadcastFailed.v2';

/** DteBroadcastFailed v1 → v2: v2 only adds optional fields, so v1 data is already valid v2 data. */
export const dteBroadcastFailedV1ToV2: Upcaster<DteBroadcastFailedV1, DteBroadcastFailedV2> = {
  detailType: 'DteBroadcastFailed',
  fromVersion: 1,
  toVersion: 2,
  upcast: (data) => data,
};
