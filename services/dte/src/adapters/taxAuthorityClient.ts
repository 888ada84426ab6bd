import type { DteType } from '@mtd/contracts';
import { XMLParser } from 'fast-xml-parser';
import type { SiiVerdict } from '#domain/decideDte';
import { signSeedRequest } from '#signing/xmlSignature';
import type { CredentialsSource } from './issuerCredentials';
import { nodeHttpTransport, type SiiRequest, type SiiResponse, type SiiTransport } from './siiTransport';

/** One signed envelope (EnvioDTE or EnvioBOLETA) holding one document. */
export interface EnvelopeSubmission {
  dteType: DteType;
  folio: number;
  /** The signed envelope, standalone (ISO-8859-1 declared). */
  envelope: string;
  /** RUT of the person whose certificate signed it (rutSender). */
  senderRut: string;
  /** RUT of the issuer (rutCompany). */
  companyRut: string;
}

/** The SII has not finished with an envelope yet (its intermediate statuses: REC, SOK, CRT, FOK, PRD). */
export interface PendingVerdict {
  kind: 'pending';
  siiStatus: string;
}

/**
 * The tax authority's reception, as the SII runs it: authentication by seed and token (the seed
 * signed with the issuer's certificate), an upload that answers a track id, and the envelope's
 * status queried later by track id.
 */
export interface TaxAuthority {
  /**
   * Uploads an envelope. Resolves with its track id. Throws {@link TaxAuthorityRejectedError} when the
   * upload itself is refused (resending cannot help) and {@link TaxAuthorityUnavailableError} when it
   * could not be delivered (retry later).
   */
  upload(submission: EnvelopeSubmission): Promise<{ trackId: string }>;
  /** The verdict on an uploaded envelope; `pending` until the SII has processed it. */
  status(trackId: string, companyRut: string): Promise<SiiVerdict | PendingVerdict>;
}

/** The tax authority refused the upload: a permanent failure of this envelope. */
export class TaxAuthorityRejectedError extends Error {
  override readonly name = 'TaxAuthorityRejectedError';
  constructor(
    /** The SII's code, e.g. `UPL-7` (upload STATUS 7) or an HTTP status. */
    readonly siiStatus: string,
    readonly reasons: readonly string[],
  ) {
    super(`the tax authority refused the envelope (${siiStatus}): ${reasons.join('; ')}`);
  }
}

/** The tax authority could not be reached or answered with a transient failure: retry later. */
export class TaxAuthorityUnavailableError extends Error {
  override readonly name = 'TaxAuthorityUnavailableError';
}

export interface HttpTaxAuthorityOptions {
  baseUrl: string;
  /** Per request; a slower answer counts as unavailable. */
  timeoutMs: number;
  /** The issuer's certificate and key: they sign the seed that buys the token. */
  credentials: CredentialsSource;
  /** How requests reach the SII; {@link nodeHttpTransport} unless given (tests pass a scripted SII). */
  transport?: SiiTransport;
}

const maxDetailChars = 300;
/** A parsed SII answer: XML with no static shape, read field by field with checks. */
// biome-ignore lint/suspicious/noExplicitAny: the answer's shape is checked field by field where it is read
type SiiAnswer = Record<string, any>;
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  processEntities: true,
  parseTagValue: false,
  isArray: (name) => name === 'ERROR' || name === 'REPARO',
});

/** Statuses the SII answers while an envelope is still being processed. */
const inProgress = new Set(['REC', 'SOK', 'CRT', 'FOK', 'PRD', 'DNK', '-11']);
/** Upload STATUS values that mean "authenticate again" (5: not authenticated). */
const notAuthenticated = '5';

/**
 * The SII answers in ISO-8859-1 and says so in its XML declaration (or the content type); an XML answer
 * that declares nothing is UTF-8.
 */
function decodeAnswer(bytes: Buffer, contentType: string | null): string {
  const head = bytes.subarray(0, 100).toString('latin1');
  const declared =
    /encoding=["']([^"']+)["']/i.exec(head)?.[1] ?? /charset=([\w-]+)/i.exec(contentType ?? '')?.[1];
  return /^(iso-8859-1|latin1|windows-1252)$/i.test(declared ?? '')
    ? bytes.toString('latin1')
    : bytes.toString('utf8');
}

/** The SII's refusal of a folio it already holds (error DTE-3-100, "DTE Repetido"). */
const isRepeatedDocument = (error: string) => /DTE Repetido|DTE-3-100/i.test(error);

const asList = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String).filter((s) => s.length > 0);

/**
 * The SII's reception over HTTP. Seed (`GET /sii/semilla`), token (`POST /sii/token` with the signed
 * seed), upload (`POST /sii/upload?rutSender=…&rutCompany=…`, the envelope as ISO-8859-1 bytes, the
 * token as the `TOKEN` cookie, answer `<RECEPCIONDTE>` with STATUS and TRACKID) and status
 * (`GET /sii/estado/<trackId>?rutCompany=…`, answer `<RESPUESTA>` with ESTADO, counts and reasons).
 * The token is kept until the SII refuses it, then bought again once per call. 408, 429 and 5xx are
 * transient; any other 4xx and an upload STATUS other than 0 are refusals.
 */
export function httpTaxAuthority(options: HttpTaxAuthorityOptions): TaxAuthority {
  const send = options.transport ?? nodeHttpTransport();
  const base = options.baseUrl.replace(/\/+$/, '');
  let token: Promise<string> | undefined;

  async function call(
    what: string,
    url: string,
    init: Omit<SiiRequest, 'url' | 'timeoutMs'> = { method: 'GET' },
  ): Promise<SiiAnswer> {
    let response: SiiResponse;
    let body: string;
    try {
      response = await send({ ...init, url, timeoutMs: options.timeoutMs });
      body = decodeAnswer(response.body, response.contentType);
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : String(error);
      throw new TaxAuthorityUnavailableError(`${what}: ${reason}`, { cause: error });
    }
    const detail = body.slice(0, maxDetailChars) || response.statusText || '(no body)';
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      throw new TaxAuthorityUnavailableError(`${what}: HTTP ${response.status}: ${detail}`);
    }
    if (response.status >= 400) throw new TaxAuthorityRejectedError(`HTTP-${response.status}`, [detail]);
    try {
      return parser.parse(body) as SiiAnswer;
    } catch (error) {
      throw new TaxAuthorityUnavailableError(`${what}: unreadable answer: ${detail}`, { cause: error });
    }
  }

  async function authenticate(): Promise<string> {
    const seedAnswer = await call('seed', `${base}/sii/semilla`);
    const seed = seedAnswer.RESPUESTA?.RESP_BODY?.SEMILLA;
    if (!seed) throw new TaxAuthorityUnavailableError('seed: the answer has no SEMILLA');
    const signed = signSeedRequest(String(seed), await options.credentials.current());
    const tokenAnswer = await call('token', `${base}/sii/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml; charset=ISO-8859-1' },
      body: signed,
    });
    const hdr = tokenAnswer.RESPUESTA?.RESP_HDR ?? {};
    const value = tokenAnswer.RESPUESTA?.RESP_BODY?.TOKEN;
    if (String(hdr.ESTADO) !== '00' || !value) {
      throw new TaxAuthorityRejectedError(`TOKEN-${String(hdr.ESTADO ?? '?')}`, [
        `the SII refused the token request: ${String(hdr.GLOSA ?? '(sin glosa)')}`,
      ]);
    }
    return String(value);
  }

  /** Runs `request` with a token, buying a new one once if the SII no longer knows it. */
  async function withToken<T>(request: (token: string) => Promise<T | 'expired'>): Promise<T> {
    for (let round = 0; round < 2; round++) {
      token ??= authenticate();
      let current: string;
      try {
        current = await token;
      } catch (error) {
        token = undefined;
        throw error;
      }
      const result = await request(current);
      if (result !== 'expired') return result;
      token = undefined;
    }
    throw new TaxAuthorityUnavailableError('the SII refused two fresh tokens in a row');
  }

  return {
    upload(submission) {
      const { dteType, folio, envelope, senderRut, companyRut } = submission;
      const what = `upload of DTE ${dteType}/${folio}`;
      const query = new URLSearchParams({ rutSender: senderRut, rutCompany: companyRut });
      return withToken(async (current) => {
        const answer = await call(what, `${base}/sii/upload?${query}`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml; charset=ISO-8859-1', cookie: `TOKEN=${current}` },
          body: Buffer.from(envelope, 'latin1'),
        });
        const reception = answer.RECEPCIONDTE ?? {};
        const status = String(reception.STATUS ?? '');
        if (status === notAuthenticated) return 'expired' as const;
        if (status !== '0') {
          throw new TaxAuthorityRejectedError(`UPL-${status || '?'}`, [
            `${what}: ${asList(reception.DETAIL?.ERROR).join('; ') || `upload STATUS ${status || '(none)'}`}`,
          ]);
        }
        const trackId = String(reception.TRACKID ?? '');
        // Received or not, we cannot tell without a track id: retry (the SII answers a resend too).
        if (!trackId) throw new TaxAuthorityUnavailableError(`${what}: answer without a TRACKID`);
        return { trackId };
      });
    },
    status(trackId, companyRut) {
      const query = new URLSearchParams({ rutCompany: companyRut });
      return withToken(async (current) => {
        const answer = await call(
          `status of envelope ${trackId}`,
          `${base}/sii/estado/${encodeURIComponent(trackId)}?${query}`,
          { method: 'GET', headers: { cookie: `TOKEN=${current}` } },
        );
        const hdr = answer.RESPUESTA?.RESP_HDR ?? {};
        const body = answer.RESPUESTA?.RESP_BODY ?? {};
        const estado = String(hdr.ESTADO ?? '');
        if (estado === '-2' || estado === '001') return 'expired' as const; // token not recognised
        if (inProgress.has(estado)) return { kind: 'pending', siiStatus: estado } satisfies PendingVerdict;
        const errors = asList(body.ERROR);
        const objections = asList(body.REPARO);
        if (estado === 'EPR') {
          // MTD sends one document per envelope and never reuses a folio, so a document refused only
          // as repeated was already received and accepted under an earlier envelope (an upload that
          // was redone after a crash): already sent, not a rejection.
          if (Number(body.RECHAZADOS ?? 0) > 0 && errors.length > 0 && errors.every(isRepeatedDocument))
            return { kind: 'accepted', siiStatus: estado };
          if (Number(body.RECHAZADOS ?? 0) > 0)
            return { kind: 'rejected', siiStatus: estado, reasons: errors };
          if (Number(body.REPAROS ?? 0) > 0)
            return { kind: 'accepted-with-objections', siiStatus: estado, objections };
          return { kind: 'accepted', siiStatus: estado };
        }
        return {
          kind: 'rejected',
          siiStatus: estado || '?',
          reasons: errors.length > 0 ? errors : [String(hdr.GLOSA ?? `estado ${estado || '(none)'}`)],
        };
      });
    },
  };
}
