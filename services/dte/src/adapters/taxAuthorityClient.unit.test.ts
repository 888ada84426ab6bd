import { describe, expect, it } from 'vitest';
import { testCredentialsSource } from '#src/testing/testIssuer';
import { type SiiResponse, SiiTimeoutError, type SiiTransport } from './siiTransport';
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
  const answer = (text: string, status = 200): SiiResponse => ({
    status,
    statusText: '',
    contentType: 'text/xml',
    body: Buffer.from(text),
  });
  const transport: SiiTransport = async (request) => {
    const { pathname } = new URL(request.url);
    calls.push({
      method: request.method,
      path: pathname,
      cookie: request.headers?.cookie ?? null,
      body: request.body === undefined ? undefined : Buffer.from(request.body).toString('latin1'),
    });
    if (pathname === '/sii/semilla')
      return answer(respuesta('<ESTADO>00</ESTADO>', '<SEMILLA>000001234567</SEMILLA>'));
    if (pathname === '/sii/token')
      return answer(respuesta('<ESTADO>00</ESTADO>', `<TOKEN>TK${++tokens}</TOKEN>`));
    if (pathname === '/sii/upload') {
      const [status, text] = uploads.shift() ?? [500, 'no answer scripted'];
      return answer(text, status);
    }
    if (pathname.startsWith('/sii/estado/')) return answer(estados.shift() ?? 'no answer scripted');
    return answer('not found', 404);
  };
  return { calls, transport };
}

const reception = (status: number, trackId = '') =>
  `<RECEPCIONDTE><RUTSENDER>11111111-1</RUTSENDER><STATUS>${status}</STATUS>${trackId ? `<TRACKID>${trackId}</TRACKID>` : ''}</RECEPCIONDTE>`;

const client = (sii: ReturnType<typeof fakeSii>) =>
  httpTaxAuthority({
    baseUrl: 'http://sii.test/',
    timeoutMs: 1000,
    credentials: testCredentialsSource,
    transport: sii.transport,
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
    const slow: SiiTransport = async (request) => {
      throw new SiiTimeoutError(`no answer within ${request.timeoutMs} ms`);
    };
    const authority = httpTaxAuthority({
      baseUrl: 'http://sii.test',
      timeoutMs: 20,
      credentials: testCredentialsSource,
      transport: slow,
    });
    const upload = authority.upload(submission);
    await expect(upload).rejects.toBeInstanceOf(TaxAuthorityUnavailableError);
    await expect(upload).rejects.toThrow(/^seed: no answer within 20 ms$/);
  });

  it('counts an answer that is not XML as unavailable, and a 4xx other than 408/429 as a refusal', async () => {
    await expect(
      client(fakeSii({ upload: [[200, '<RECEPCIONDTE><STATUS>0</STA']] })).upload(submission),
    ).rejects.toThrow(/unreadable answer/);
    const refused = client(fakeSii({ upload: [[403, 'prohibido']] })).upload(submission);
    await expect(refused).rejects.toBeInstanceOf(TaxAuthorityRejectedError);
    await expect(refused).rejects.toMatchObject({ siiStatus: 'HTTP-403', reasons: ['prohibido'] });
  });
});
