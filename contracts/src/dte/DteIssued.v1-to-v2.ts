import type { Upcaster } from '../upcasting';
import type { DteIssuedV1 } from './DteIssued.v1';
import type { DteIssuedV2 } from './DteIssued.v2';

/**
 * DteIssued v1 → v2: a v1 document was neither stamped nor signed and named no CAF, so those are null;
 * its `total` was Σ lines (v1 computed IVA as the remainder for both types), which is also `gross`.
 */
export const dteIssuedV1ToV2: Upcaster<DteIssuedV1, DteIssuedV2> = {
  detailType: 'DteIssued',
  fromVersion: 1,
  toVersion: 2,
  upcast: (data) => ({ ...data, gross: data.total, issuer: null, ted: null, caf: null, signature: null }),
};
