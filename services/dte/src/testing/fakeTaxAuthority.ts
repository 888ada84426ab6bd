import {
  type DteSubmission,
  type TaxAuthority,
  TaxAuthorityRejectedError,
  TaxAuthorityUnavailableError,
} from '#adapters/taxAuthorityClient';

/**
 * A tax authority that fails the first `failures` submissions (unavailable, or rejected), then
 * accepts, idempotently per (type, folio) like the real one.
 */
export function fakeTaxAuthority(options: { failures?: number; reject?: boolean } = {}) {
  let failuresLeft = options.failures ?? 0;
  const receipts = new Map<string, string>();
  const submissions: DteSubmission[] = [];
  const authority: TaxAuthority = {
    async submit(submission) {
      submissions.push(submission);
      if (options.reject) throw new TaxAuthorityRejectedError(400, 'Folio fuera de rango');
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new TaxAuthorityUnavailableError('HTTP 503: servicio no disponible');
      }
      const key = `${submission.dteType}:${submission.folio}`;
      const trackId = receipts.get(key) ?? `T-${receipts.size + 1}`;
      receipts.set(key, trackId);
      return { trackId };
    },
  };
  return {
    authority,
    submissions,
    /** Makes the next `n` submissions fail. */
    failNext(n: number) {
      failuresLeft = n;
    },
  };
}
