import { describe, expect, it } from 'vitest';
import {
  httpTaxAuthority,
  TaxAuthorityRejectedError,
  TaxAuthorityUnavailableError,
} from './taxAuthorityClient';

const submission = { dteType: 39 as const, folio: 12, xml: '<DTE version="1.0"/>' };

function fetchAnswering(
  status: number,
  body: string,
  seen: { url?: string; init?: RequestInit } = {},
): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    seen.url = String(url);
    seen.init = init;
    return new Response(body, { status });
  }) as typeof fetch;
}

describe('httpTaxAuthority', () => {
  it('POSTs the XML to /dte and returns the receipt', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const authority = httpTaxAuthority({
      baseUrl: 'http://sii.test/',
      timeoutMs: 1000,
      fetch: fetchAnswering(200, '{"trackId":"42"}', seen),
    });
    await expect(authority.submit(submission)).resolves.toEqual({ trackId: '42' });
    expect(seen.url).toBe('http://sii.test/dte');
    expect(seen.init?.method).toBe('POST');
    expect(seen.init?.body).toBe(submission.xml);
    expect(seen.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('treats 503, 429 and an answer without a receipt as unavailable (retry later)', async () => {
    for (const [status, body] of [
      [503, 'down'],
      [429, 'slow down'],
      [200, 'not json'],
    ] as const) {
      const authority = httpTaxAuthority({
        baseUrl: 'http://sii.test',
        timeoutMs: 1000,
        fetch: fetchAnswering(status, body),
      });
      await expect(authority.submit(submission)).rejects.toBeInstanceOf(TaxAuthorityUnavailableError);
    }
  });

  it('treats another 4xx as a rejection of the document', async () => {
    const authority = httpTaxAuthority({
      baseUrl: 'http://sii.test',
      timeoutMs: 1000,
      fetch: fetchAnswering(409, 'otro XML'),
    });
    const error = await authority.submit(submission).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaxAuthorityRejectedError);
    expect((error as TaxAuthorityRejectedError).status).toBe(409);
    expect((error as Error).message).toContain('otro XML');
  });

  it('gives up after the timeout and on a network error, as unavailable', async () => {
    const hanging = ((_url: string, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    const slow = httpTaxAuthority({ baseUrl: 'http://sii.test', timeoutMs: 20, fetch: hanging });
    await expect(slow.submit(submission)).rejects.toThrow(/no answer within 20 ms/);
    const refused = httpTaxAuthority({
      baseUrl: 'http://sii.test',
      timeoutMs: 1000,
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
    });
    await expect(refused.submit(submission)).rejects.toBeInstanceOf(TaxAuthorityUnavailableError);
  });
});
