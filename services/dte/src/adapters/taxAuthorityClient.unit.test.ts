import { describe, expect, it } from 'vitest';
import { testCredentialsSource } from '#src/testing/testIssuer';
import {
  httpTaxAuthority,
  TaxAuthorityRejectedError,
  TaxAuthorityUnavailableError,
} from './taxAuthorityClient';

const submission = {
  dteType: 39 as const,
  folio: 12,
  envelope: '<?xml version="1.0" encoding="ISO-8859-1"?>\n<EnvioBOLETA>Ñ</EnvioBOLETA>',
  senderRut: '11111111-1',
  companyRut: '76543210-3',
};

const respuesta = (hdr: string, body = '') =>
  `<?xml version="1.0"?><SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"><SII:RESP_BODY>${body}</SII:RESP_BODY><SII:RESP_HDR>${hdr}</SII:RESP_HDR></SII:RESPUESTA>`;

/** A scripted SII: seeds and tokens, then the answers given for uploads and status queries, in order. */
function fakeSii(answers: { upload?: Array<[number, string]>; estado?: string[] }) {
  const calls: { method: string; path: string; cookie: string | null; body?: string }[] = [];
  let tokens = 0;
  const uploads = [...(answers.upload ?? [])];
  const estados = [...(answers.estado ?? [])];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    const { pathname } = new URL(String(url));
    const body =
      init?.body === undefined ? undefined : Buffer.from(init.body as Uint8Array | string).toString('latin1');
    calls.push({
      method: init?.method ?? 'GET',
      path: pathname,
      cookie: new Headers(init?.headers).get('cookie'),
      body,
    });
    if (pathname === '/sii/semilla')
      return new Response(respuesta('<ESTADO>00</ESTADO>', '<SEMILLA>000001234567</SEMILLA>'));
    if (pathname === '/sii/token')
      return new Response(respuesta('<ESTADO>00</ESTADO>', `<TOKEN>TK${++tokens}</TOKEN>`));
    if (pathname === '/sii/upload') {
      const [status, text] = uploads.shift() ?? [500, 'no answer scripted'];
      return new Response(text, { status });
    }
    if (pathname.startsWith('/sii/estado/'))
      return new Response(estados.shift() ?? 'no answer scripted', { status: 200 });
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { calls, fetch: fetchFn };
}

const reception = (status: number, trackId = '') =>
  `<RECEPCIONDTE><RUTSENDER>11111111-1</RUTSENDER><STATUS>${status}</STATUS>${trackId ? `<TRACKID>${trackId}</TRACKID>` : ''}</RECEPCIONDTE>`;

const client = (sii: ReturnType<typeof fakeSii>) =>
  httpTaxAuthority({
    baseUrl: 'http://sii.test/',
    timeoutMs: 1000,
    credentials: testCredentialsSource,
    fetch: sii.fetch,
  });

describe('httpTaxAuthority (the SII reception)', () => {
  it('authenticates by seed and token, then uploads the envelope as Latin-1 with the token cookie', async () => {
    const sii = fakeSii({ upload: [[200, reception(0, '4242')]] });
    await expect(client(sii).upload(submission)).resolves.toEqual({ trackId: '4242' });
    expect(sii.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /sii/semilla',
      'POST /sii/token',
      'POST /sii/upload',
    ]);
    // The token request is the seed, signed with the issuer's certificate.
    expect(sii.calls[1]?.body).toMatch(
      /^<getToken><item><Semilla>000001234567<\/Semilla><\/item><Signature xmlns=/,
    );
    expect(sii.calls[1]?.body).toContain('<X509Certificate>');
    expect(sii.calls[2]?.cookie).toBe('TOKEN=TK1');
    expect(sii.calls[2]?.body).toBe(submission.envelope);
  });

  it('keeps the token, and buys a new one once when the SII no longer knows it (STATUS 5)', async () => {
    const sii = fakeSii({
      upload: [
        [200, reception(0, '1')],
        [200, reception(5)],
        [200, reception(0, '2')],
      ],
    });
    const authority = client(sii);
    await authority.upload(submission);
    await expect(authority.upload(submission)).resolves.toEqual({ trackId: '2' });
    expect(sii.calls.filter((c) => c.path === '/sii/token')).toHaveLength(2);
    expect(sii.calls.at(-1)?.cookie).toBe('TOKEN=TK2');
  });

  it('treats 5xx, 429 and a missing track id as unavailable, another upload STATUS as a refusal', async () => {
    await expect(client(fakeSii({ upload: [[503, 'down']] })).upload(submission)).rejects.toBeInstanceOf(
      TaxAuthorityUnavailableError,
    );
    await expect(client(fakeSii({ upload: [[429, 'slow down']] })).upload(submission)).rejects.toBeInstanceOf(
      TaxAuthorityUnavailableError,
    );
    await expect(
      client(fakeSii({ upload: [[200, reception(0)]] })).upload(submission),
    ).rejects.toBeInstanceOf(TaxAuthorityUnavailableError);
    const refused = client(fakeSii({ upload: [[200, reception(7)]] })).upload(submission);
    await expect(refused).rejects.toBeInstanceOf(TaxAuthorityRejectedError);
    await expect(refused).rejects.toMatchObject({ siiStatus: 'UPL-7' });
  });

  it('reads the verdict: pending while processing, accepted, with objections, rejected with reasons', async () => {
    const sii = fakeSii({
      estado: [
        respuesta('<ESTADO>REC</ESTADO><GLOSA>Envio recibido</GLOSA>'),
        respuesta(
          '<ESTADO>EPR</ESTADO>',
          '<INFORMADOS>1</INFORMADOS><ACEPTADOS>1</ACEPTADOS><RECHAZADOS>0</RECHAZADOS><REPAROS>0</REPAROS>',
        ),
        respuesta(
          '<ESTADO>EPR</ESTADO>',
          '<ACEPTADOS>1</ACEPTADOS><RECHAZADOS>0</RECHAZADOS><REPAROS>1</REPAROS><REPARO>Giro no informado</REPARO>',
        ),
        respuesta(
          '<ESTADO>EPR</ESTADO>',
          '<ACEPTADOS>0</ACEPTADOS><RECHAZADOS>1</RECHAZADOS><ERROR>TED inválido</ERROR><ERROR>Folio fuera de rango</ERROR>',
        ),
        respuesta(
          '<ESTADO>RFR</ESTADO><GLOSA>Rechazado por error en firma</GLOSA>',
          '<ERROR>Firma del envío inválida</ERROR>',
        ),
      ],
    });
    const authority = client(sii);
    await expect(authority.status('7', '76543210-3')).resolves.toEqual({ kind: 'pending', siiStatus: 'REC' });
    await expect(authority.status('7', '76543210-3')).resolves.toEqual({
      kind: 'accepted',
      siiStatus: 'EPR',
    });
    await expect(authority.status('7', '76543210-3')).resolves.toEqual({
      kind: 'accepted-with-objections',
      siiStatus: 'EPR',
      objections: ['Giro no informado'],
    });
    await expect(authority.status('7', '76543210-3')).resolves.toEqual({
      kind: 'rejected',
      siiStatus: 'EPR',
      reasons: ['TED inválido', 'Folio fuera de rango'],
    });
    await expect(authority.status('7', '76543210-3')).resolves.toEqual({
      kind: 'rejected',
      siiStatus: 'RFR',
      reasons: ['Firma del envío inválida'],
    });
    expect(
      sii.calls.filter((c) => c.path.startsWith('/sii/estado/')).every((c) => c.cookie === 'TOKEN=TK1'),
    ).toBe(true);
  });

  it('reads a document refused only as repeated (DTE-3-100) as already received and accepted; repeated among other errors stays a rejection', async () => {
    const sii = fakeSii({
      estado: [
        respuesta(
          '<ESTADO>EPR</ESTADO>',
          '<ACEPTADOS>0</ACEPTADOS><RECHAZADOS>1</RECHAZADOS><ERROR>T39F12: DTE Repetido (DTE-3-100)</ERROR>',
        ),
        respuesta(
          '<ESTADO>EPR</ESTADO>',
          '<ACEPTADOS>0</ACEPTADOS><RECHAZADOS>1</RECHAZADOS><ERROR>T39F12: DTE Repetido</ERROR><ERROR>T39F12: TED inválido</ERROR>',
        ),
      ],
    });
    const authority = client(sii);
    await expect(authority.status('8', '76543210-3')).resolves.toEqual({
      kind: 'accepted',
      siiStatus: 'EPR',
    });
    await expect(authority.status('8', '76543210-3')).resolves.toEqual({
      kind: 'rejected',
      siiStatus: 'EPR',
      reasons: ['T39F12: DTE Repetido', 'T39F12: TED inválido'],
    });
  });

  it('counts an answer slower than the timeout as unavailable', async () => {
    const slow = (async (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    const authority = httpTaxAuthority({
      baseUrl: 'http://sii.test',
      timeoutMs: 20,
      credentials: testCredentialsSource,
      fetch: slow,
    });
    await expect(authority.upload(submission)).rejects.toThrow(/no answer within 20 ms/);
  });
});
