import type { Upcaster } from '../upcasting';
import type { OrderReceivedV1 } from './OrderReceived.v1';
import type { OrderReceivedV2 } from './OrderReceived.v2';

/** OrderReceived v1 → v2: `via`/`batch` become `source`; `rawBytes` is derived from `raw`. */
export const orderReceivedV1ToV2: Upcaster<OrderReceivedV1, OrderReceivedV2> = {
  detailType: 'OrderReceived',
  fromVersion: 1,
  toVersion: 2,
  upcast: ({ via, batch, raw, ...rest }) => ({
    ...rest,
    raw,
    // A v1 batch order without its batch reference (allowed by v1's optional field) keeps what is known.
    source:
      via === 'batch'
        ? { kind: 'batch', file: batch?.file || '(unknown file)', index: batch?.index ?? 0 }
        : { kind: 'http' },
    rawBytes: new TextEncoder().encode(raw).length,
  }),
};
