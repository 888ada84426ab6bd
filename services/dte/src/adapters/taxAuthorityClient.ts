import type { DteType } from '@mtd/contracts';

export interface DteSubmission {
  dteType: DteType;
  folio: number;
  xml: string;
}

/** The tax authority's reception endpoint (the SII in production, the simulator locally). */
export interface TaxAuthority {
  /**
   * Sends one DTE. Resolves with the authority's receipt id; a resend of the same document
   * (same type and folio, same XML) resolves with the same receipt. Throws
   * {@link TaxAuthorityRejectedError} when the document is refused (resending cannot help) and
   * {@link TaxAuthorityUnavailableError} when it could not be delivered (retry later).
   */
  submit(submission: DteSubmission): Promise<{ trackId: string }>;
}

/** The tax authority refused the document (4xx): a permanent failure of this document. */
export class TaxAuthorityRejectedError extends Error {
  override readonly name = 'TaxAuthorityRejectedError';
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`the tax authority rejected the DTE (HTTP ${status}): ${detail}`);
  }
}

/** The tax authority could not be reached or answered with a transient failure: retry later. */
export class TaxAuthorityUnavailableError extends Error {
  override readonly name = 'TaxAuthorityUnavailableError';
}

export interface HttpTaxAuthorityOptions {
  baseUrl: string;
  /** Per request; a slower answer counts as unavailable (and the retry is idempotent). */
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
}

const maxDetailChars = 300;

/**
 * POSTs the DTE XML to `${baseUrl}/dte`. 2xx with `{ trackId }` is a receipt; 408, 429 and 5xx are
 * transient; any other 4xx is a rejection.
 */
export function httpTaxAuthority(options: HttpTaxAuthorityOptions): TaxAuthority {
  const send = options.fetch ?? globalThis.fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/dte`;
  return {
    async submit({ dteType, folio, xml }) {
      let response: Response;
      let body: string;
      try {
        response = await send(url, {
          method: 'POST',
          headers: { 'content-type': 'application/xml; charset=utf-8' },
          body: xml,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        body = await response.text();
      } catch (error) {
        const reason =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${options.timeoutMs} ms`
            : String(error);
        throw new TaxAuthorityUnavailableError(`DTE ${dteType}/${folio}: ${reason}`, { cause: error });
      }
      const detail = body.slice(0, maxDetailChars) || response.statusText || '(no body)';
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        throw new TaxAuthorityUnavailableError(`DTE ${dteType}/${folio}: HTTP ${response.status}: ${detail}`);
      }
      if (response.status >= 400) throw new TaxAuthorityRejectedError(response.status, detail);
      if (response.status < 200 || response.status >= 300) {
        throw new TaxAuthorityUnavailableError(`DTE ${dteType}/${folio}: unexpected HTTP ${response.status}`);
      }
      let trackId: unknown;
      try {
        trackId = (JSON.parse(body) as { trackId?: unknown }).trackId;
      } catch {
        trackId = undefined;
      }
      if (typeof trackId !== 'string' || trackId.length === 0) {
        // Accepted or not, we cannot tell without a receipt; the resend is idempotent, so retry.
        throw new TaxAuthorityUnavailableError(
          `DTE ${dteType}/${folio}: answer without a trackId: ${detail}`,
        );
      }
      return { trackId };
    },
  };
}
