import {
  type EnvelopeSubmission,
  type PendingVerdict,
  type TaxAuthority,
  TaxAuthorityRejectedError,
  TaxAuthorityUnavailableError,
} from '#adapters/taxAuthorityClient';
import type { SiiVerdict } from '#domain/decideDte';

/**
 * A tax authority that fails the first `failures` uploads (unavailable, or refused), then receives
 * them, idempotently per (type, folio) like the SII, and answers `verdict` for each track id after
 * `pendingPolls` pending answers.
 */
export function fakeTaxAuthority(
  options: { failures?: number; reject?: boolean; verdict?: SiiVerdict; pendingPolls?: number } = {},
) {
  let failuresLeft = options.failures ?? 0;
  const receipts = new Map<string, string>();
  const polls = new Map<string, number>();
  const submissions: EnvelopeSubmission[] = [];
  const authority: TaxAuthority = {
    async upload(submission) {
      submissions.push(submission);
      if (options.reject) throw new TaxAuthorityRejectedError('UPL-7', ['Error de schema en el envío']);
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new TaxAuthorityUnavailableError('HTTP 503: servicio no disponible');
      }
      const key = `${submission.dteType}:${submission.folio}`;
      const trackId = receipts.get(key) ?? String(1000 + receipts.size + 1);
      receipts.set(key, trackId);
      return { trackId };
    },
    async status(trackId): Promise<SiiVerdict | PendingVerdict> {
      const n = (polls.get(trackId) ?? 0) + 1;
      polls.set(trackId, n);
      if (n <= (options.pendingPolls ?? 0)) return { kind: 'pending', siiStatus: 'REC' };
      return options.verdict ?? { kind: 'accepted', siiStatus: 'EPR' };
    },
  };
  return {
    authority,
    submissions,
    polls,
    /** Makes the next `n` uploads fail. */
    failNext(n: number) {
      failuresLeft = n;
    },
  };
}
