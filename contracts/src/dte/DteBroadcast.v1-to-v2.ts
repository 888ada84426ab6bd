import type { Upcaster } from '../upcasting';
import type { DteBroadcastV1 } from './DteBroadcast.v1';
import type { DteBroadcastV2 } from './DteBroadcast.v2';

/** DteBroadcast v1 → v2: v1 recorded the tax authority's acceptance, with no objections known. */
export const dteBroadcastV1ToV2: Upcaster<DteBroadcastV1, DteBroadcastV2> = {
  detailType: 'DteBroadcast',
  fromVersion: 1,
  toVersion: 2,
  upcast: (data) => ({ ...data, status: 'accepted', objections: [] }),
};
