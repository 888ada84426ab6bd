import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomInt,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
// The SII's side only, not the service: this module is what the simulator's thread loads.
import { issueCaf, siiSchemaOf, verifyTeds, verifyXmlSignatures } from '@mtd/dte/siiAuthority';
import type { compiledSiiSchemaValidator, SiiSchemaValidation } from '@mtd/dte/siiSchemas';
import { tallyCpu } from '@mtd/platform/threadCpu';
import { XMLValidator } from 'fast-xml-parser';

export interface TaxAuthoritySimulatorOptions {
  /** Probability in [0,1] that an upload is answered 503 (failure injection). */
  failureRate: number;
  /** Each answer is delayed by a random time in [min, max] ms. */
  latencyMs: { min: number; max: number };
  random?: () => number;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Where the simulator keeps its SII signing key and its CAF counters (0600), so the CAFs it issued
   * stay valid across restarts. Without it, both live in memory.
   */
  stateDir?: string;
  /** How many status queries answer `REC` (received, in process) before the verdict (default 1). */
  processingPolls?: number;
}

export interface ReceivedDte {
  dteType: number;
  folio: number;
  /** The envelope that holds the folio (the first one received that was not rejected). */
  trackId: string;
  receivedAt: string;
  /** Envelopes that carried this folio, repeats included. */
  submissions: number;
}

export interface TaxAuthoritySimulator {
  /** e.g. `http://127.0.0.1:49152`; the SII's services are under `${url}/sii/`. */
  url: string;
  /** Distinct documents received (a resend is not counted twice). */
  received(): number;
  /** Envelopes received (every upload answered with a track id), repeats included. */
  submissions(): number;
  setFailureRate(rate: number): void;
  /** The simulator's SII key: the one that signs (FRMA) the CAFs it issues. */
  authorityPublicKey: KeyObject;
  /** A test CAF (the SII's CAF XML file) for the next free range of the issuer and type. */
  issueCaf(request: { rut: string; name: string; dteType: 33 | 39; count: number }): string;
  /**
   * Loads the SII's schemas now rather than with the first envelope: ~0.7 s of this thread's work
   * that the first orders in flight would otherwise wait out.
   */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

/** Largest envelope accepted; the SII's limit is far larger, MTD sends one document per envelope. */
const maxBodyBytes = 4 * 1024 * 1024;
const tokenTtlMs = 60 * 60 * 1000;

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new BodyTooLargeError(`más de ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SII's answer envelope (`<SII:RESPUESTA>`), ISO-8859-1 like the SII's. */
function respuesta(response: ServerResponse, hdr: string, body = ''): void {
  const xml = `<?xml version="1.0" encoding="ISO-8859-1"?><SII:RESPUESTA xmlns:SII="http://www.sii.cl/XMLSchema"><SII:RESP_BODY>${body}</SII:RESP_BODY><SII:RESP_HDR>${hdr}</SII:RESP_HDR></SII:RESPUESTA>`;
  response.writeHead(200, { 'content-type': 'application/xml; charset=ISO-8859-1' });
  response.end(Buffer.from(xml, 'latin1'));
}

function sendXml(response: ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'content-type': 'application/xml; charset=ISO-8859-1' });
  response.end(Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${xml}`, 'latin1'));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

const field = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

/** The SII's verdict on an envelope. */
interface Verdict {
  estado: string;
  glosa: string;
  informados: number;
  aceptados: number;
  rechazados: number;
  reparos: number;
  errors: string[];
  objections: string[];
  /** The documents it rejected (`T39F12`): their folios may be sent again, corrected. */
  rejected: string[];
}

interface Envelope {
  trackId: string;
  polls: number;
  verdict: Promise<Verdict>;
}

/**
 * Whose CPU the simulator's checks are (well-formedness, the SII's schemas, signatures, TEDs), in
 * platform's `tallyCpu`: the tax authority's work, not MTD's, which the bench reports apart.
 */
export const taxAuthorityCpuPart = 'tax-authority checks';

/** The DTE elements of an envelope, each with its type, folio and exact text. */
function documentsOf(envelope: string): { dteType: number; folio: number; xml: string }[] {
  return (envelope.match(/<DTE\b[^>]*>[\s\S]*?<\/DTE>/g) ?? []).map((xml) => ({
    dteType: Number(field(xml, 'TipoDTE')),
    folio: Number(field(xml, 'Folio')),
    xml,
  }));
}

/**
 * Judges an envelope as the SII does: schema (RSC), the envelope's signature (RFR), the Carátula
 * against the sender and the documents (RCT); then each document (EPR with its counts): its
 * signature, its TED (stamp by a CAF this authority issued, folio in range, data matching the
 * document). Facturas without the buyer's giro are accepted with an objection (reparo): Formato DTE
 * makes GiroRecep mandatory on a factura although the schema does not.
 */
async function judge(
  envelope: string,
  rutSender: string,
  authorityKey: KeyObject,
  validate: (xml: string, schema: 'EnvioDTE' | 'EnvioBOLETA') => Promise<SiiSchemaValidation>,
): Promise<Verdict> {
  const all = documentsOf(envelope).map((d) => `T${d.dteType}F${d.folio}`);
  const base = {
    informados: 0,
    aceptados: 0,
    rechazados: 0,
    reparos: 0,
    errors: [],
    objections: [],
    rejected: all,
  };
  const schema = siiSchemaOf(envelope);
  if (schema !== 'EnvioDTE' && schema !== 'EnvioBOLETA') {
    return {
      ...base,
      estado: 'RSC',
      glosa: 'Rechazado por Error en Schema',
      errors: ['El envío no es EnvioDTE ni EnvioBOLETA'],
    };
  }
  const validation = await validate(envelope, schema);
  if (!validation.valid) {
    return {
      ...base,
      estado: 'RSC',
      glosa: 'Rechazado por Error en Schema',
      errors: validation.errors.slice(0, 20),
    };
  }
  // Checked well-formed on reception (upload), before it was given a track id.
  const signatures = tallyCpu(taxAuthorityCpuPart, () => verifyXmlSignatures(envelope, { wellFormed: true }));
  const setSignature = signatures.find((s) => s.reference === '#SetDoc');
  if (!setSignature?.valid) {
    return {
      ...base,
      estado: 'RFR',
      glosa: 'Rechazado por Error en Firma',
      errors: ['Firma del envío inválida'],
    };
  }
  const documents = documentsOf(envelope);
  const caratula = /<Caratula[\s\S]*?<\/Caratula>/.exec(envelope)?.[0] ?? '';
  const caratulaErrors: string[] = [];
  if (field(caratula, 'RutEnvia') !== rutSender)
    caratulaErrors.push(`RutEnvia ${field(caratula, 'RutEnvia')} no es quien envía (${rutSender})`);
  if (Number(field(caratula, 'NroDTE')) !== documents.length)
    caratulaErrors.push('NroDTE no corresponde a los documentos del envío');
  for (const doc of documents) {
    if (field(doc.xml, 'RUTEmisor') !== field(caratula, 'RutEmisor'))
      caratulaErrors.push(`DTE T${doc.dteType}F${doc.folio} de otro emisor`);
  }
  if (caratulaErrors.length > 0) {
    return { ...base, estado: 'RCT', glosa: 'Rechazado por Error en Carátula', errors: caratulaErrors };
  }
  const verdict: Verdict = {
    ...base,
    estado: 'EPR',
    glosa: 'Envío Procesado',
    informados: documents.length,
    rejected: [],
  };
  const teds = tallyCpu(taxAuthorityCpuPart, () => verifyTeds(envelope, authorityKey));
  for (const doc of documents) {
    const id = `T${doc.dteType}F${doc.folio}`;
    const problems = [
      ...(signatures.find((s) => s.reference === `#${id}`)?.valid ? [] : [`${id}: firma del DTE inválida`]),
      ...(teds.find((t) => t.id === id)?.problems ?? [`${id}: sin timbre electrónico (TED)`]),
    ];
    if (problems.length > 0) {
      verdict.rechazados++;
      verdict.errors.push(...problems);
      verdict.rejected.push(id);
      continue;
    }
    verdict.aceptados++;
    if (doc.dteType === 33 && !doc.xml.includes('<GiroRecep>')) {
      verdict.reparos++;
      verdict.objections.push(`${id}: giro del receptor no informado`);
    }
  }
  return verdict;
}

function loadOrCreateKey(stateDir: string | undefined): KeyObject {
  const create = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  if (!stateDir) return create();
  const path = join(stateDir, 'sii-authority-key.pem');
  try {
    return createPrivateKey(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const key = create();
  writeFileSync(path, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return key;
}

/**
 * A local stand-in for the SII (DESIGN §4), speaking its protocol over HTTP:
 *
 * - `GET /sii/semilla`: a seed; `POST /sii/token` with the seed signed by the sender's certificate (XMLDSig,
 *   checked): a token for an hour. The seed is single use.
 * - `POST /sii/upload?rutSender=…&rutCompany=…` with the token as the `TOKEN` cookie and the signed envelope
 *   (EnvioDTE / EnvioBOLETA, ISO-8859-1) as the body: `<RECEPCIONDTE>` with STATUS 0 and a TRACKID (5: not
 *   authenticated). 503 with probability `failureRate` (failure injection). A folio is received once, as at
 *   the SII: an envelope repeating a document whose folio it already holds gets its own track id, and once
 *   the holder's verdict is in, a verdict that rejects the repeat ("DTE Repetido", the SII's DTE-3-100)
 *   if the holder was accepted (a rejected holder frees the folio, and the repeat is judged as new).
 *   Different content under a folio it holds is a 409 (MTD never reuses a folio; that would be a bug).
 * - `GET /sii/estado/<trackId>`: `REC` for the first `processingPolls` queries, then the verdict: `RSC`
 *   (schema, validated against the SII's XSDs), `RFR` (envelope signature), `RCT` (carátula), or `EPR` with
 *   the documents accepted, rejected (their signature, their TED, the folio against the CAF) and with
 *   objections, and the reasons.
 * - `POST /sii/caf` `{ rut, name, dteType, count }`: a test CAF for the next free folios (what the SII's
 *   folio request page does), signed with the simulator's own SII key.
 * - `GET /dte`: what it received, for tests and demos.
 */
export async function startTaxAuthoritySimulator(
  options: TaxAuthoritySimulatorOptions,
): Promise<TaxAuthoritySimulator> {
  const random = options.random ?? Math.random;
  let failureRate = options.failureRate;
  const authorityKey = loadOrCreateKey(options.stateDir);
  const authorityPublicKey = createPublicKey(authorityKey);
  // The SII's schemas compiled once for the simulator's life (≈ 1 ms of CPU per envelope, where a fresh
  // xmllint run re-compiled them for every batch); the verdict is asked for later anyway, as with the SII.
  // Loaded with the first envelope (or by warmUp): libxml2-wasm costs RSS from its import on (~16 MB
  // in the built CLI, ~150 MB through tsx), which a runtime that sends no DTE should not carry.
  let schemas: Promise<ReturnType<typeof compiledSiiSchemaValidator>> | undefined;
  const loadSchemas = () => {
    schemas ??= import('@mtd/dte/siiSchemas').then((m) => m.compiledSiiSchemaValidator());
    return schemas;
  };
  const validate = async (xml: string, schema: 'EnvioDTE' | 'EnvioBOLETA') => {
    const compiled = await loadSchemas();
    return tallyCpu(taxAuthorityCpuPart, () => compiled.validate(xml, schema));
  };
  const seeds = new Set<string>();
  const tokens = new Map<string, number>();
  const envelopes = new Map<string, Envelope>();
  const documents = new Map<string, ReceivedDte & { xml: string }>();
  let nextTrackId = 1;
  let submissionCount = 0;

  const cafCounterPath = options.stateDir ? join(options.stateDir, 'caf-counters.json') : undefined;
  const cafCounters: Record<string, number> = (() => {
    if (!cafCounterPath) return {};
    try {
      return JSON.parse(readFileSync(cafCounterPath, 'utf8')) as Record<string, number>;
    } catch {
      return {};
    }
  })();

  function issueTestCaf(request: { rut: string; name: string; dteType: 33 | 39; count: number }): string {
    const key = `${request.rut}:${request.dteType}`;
    const from = (cafCounters[key] ?? 0) + 1;
    const to = from + Math.max(1, Math.floor(request.count)) - 1;
    cafCounters[key] = to;
    if (cafCounterPath) writeFileSync(cafCounterPath, JSON.stringify(cafCounters), { mode: 0o600 });
    return issueCaf({
      authorityKey,
      issuerRut: request.rut,
      issuerName: request.name,
      dteType: request.dteType,
      from,
      to,
      authorizedOn: new Date().toISOString().slice(0, 10),
    });
  }

  const latency = () => {
    const { min, max } = options.latencyMs;
    const ms = max > min ? min + random() * (max - min) : min;
    return ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => setTimeout(resolve, ms));
  };

  const tokenOf = (request: IncomingMessage) =>
    /(?:^|;\s*)TOKEN=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
  const authenticated = (request: IncomingMessage) => {
    const token = tokenOf(request);
    const expires = token ? tokens.get(token) : undefined;
    return expires !== undefined && expires > Date.now();
  };

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = (await readBody(request)).toString('latin1');
    const seed = field(body, 'Semilla');
    const signature = tallyCpu(taxAuthorityCpuPart, () => verifyXmlSignatures(body)[0]);
    if (!seed || !seeds.delete(seed))
      return respuesta(response, '<ESTADO>-07</ESTADO><GLOSA>SEMILLA INVALIDA</GLOSA>');
    if (!signature?.valid) return respuesta(response, '<ESTADO>-03</ESTADO><GLOSA>ERROR (Firma)</GLOSA>');
    const value = randomBytes(9).toString('hex').toUpperCase();
    tokens.set(value, Date.now() + tokenTtlMs);
    respuesta(response, '<ESTADO>00</ESTADO><GLOSA>Token Creado</GLOSA>', `<TOKEN>${value}</TOKEN>`);
  }

  async function upload(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
  ): Promise<void> {
    const bytes = await readBody(request);
    await latency();
    if (random() < failureRate) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('servicio no disponible (falla simulada)');
      return;
    }
    const rutSender = query.get('rutSender') ?? '';
    const reception = (status: number, extra = '') =>
      sendXml(
        response,
        200,
        `<RECEPCIONDTE><RUTSENDER>${xmlEscape(rutSender)}</RUTSENDER><RUTCOMPANY>${xmlEscape(query.get('rutCompany') ?? '')}</RUTCOMPANY><TIMESTAMP>${new Date().toISOString()}</TIMESTAMP><STATUS>${status}</STATUS>${extra}</RECEPCIONDTE>`,
      );
    if (!authenticated(request)) return reception(5);
    const envelope = bytes.toString('latin1');
    const wellFormed = tallyCpu(taxAuthorityCpuPart, () => XMLValidator.validate(envelope));
    if (wellFormed !== true)
      return reception(
        3,
        `<DETAIL><ERROR>XML mal formado: ${xmlEscape(wellFormed.err.msg)}</ERROR></DETAIL>`,
      );
    const inside = documentsOf(envelope);
    if (inside.length === 0)
      return reception(7, '<DETAIL><ERROR>El envío no trae documentos</ERROR></DETAIL>');
    const known = inside.map((d) => documents.get(`${d.dteType}:${d.folio}`));
    for (const [i, existing] of known.entries()) {
      const doc = inside[i]!;
      if (existing && existing.xml !== doc.xml) {
        return sendJson(response, 409, {
          error: `el folio ${doc.folio} de tipo ${doc.dteType} ya fue recibido con otro contenido`,
        });
      }
    }
    const trackId = String(nextTrackId++);
    submissionCount++;
    const receivedAt = new Date().toISOString();
    const repeats: { doc: (typeof inside)[number]; holder: ReceivedDte }[] = [];
    for (const [i, doc] of inside.entries()) {
      const holder = known[i];
      if (holder) {
        holder.submissions++;
        repeats.push({ doc, holder });
      } else documents.set(`${doc.dteType}:${doc.folio}`, { ...doc, trackId, receivedAt, submissions: 1 });
    }
    const verdict = judge(envelope, rutSender, authorityPublicKey, validate).then((v) =>
      judgeRepeats(v, repeats, trackId, receivedAt),
    );
    // A rejected document does not hold its folio: the issuer may send it again, corrected.
    verdict.then(
      (v) => {
        for (const id of v.rejected) {
          const key = id.replace(/^T(\d+)F(\d+)$/, '$1:$2');
          if (documents.get(key)?.trackId === trackId) documents.delete(key);
        }
      },
      () => {},
    );
    envelopes.set(trackId, { trackId, polls: 0, verdict });
    reception(0, `<TRACKID>${trackId}</TRACKID>`);
  }

  /**
   * The SII receives a folio once: a document of this envelope whose folio an earlier envelope holds
   * is rejected as repeated once that holder is accepted; if the holder was rejected, the folio is
   * free again and this document (judged like any other) takes it.
   */
  async function judgeRepeats(
    verdict: Verdict,
    repeats: { doc: { dteType: number; folio: number; xml: string }; holder: ReceivedDte }[],
    trackId: string,
    receivedAt: string,
  ): Promise<Verdict> {
    for (const { doc, holder } of repeats) {
      const id = `T${doc.dteType}F${doc.folio}`;
      const holderVerdict = await envelopes.get(holder.trackId)?.verdict.catch(() => undefined);
      const holderAccepted = holderVerdict?.estado === 'EPR' && !holderVerdict.rejected.includes(id);
      const key = `${doc.dteType}:${doc.folio}`;
      if (!holderAccepted) {
        if (!documents.has(key) && !verdict.rejected.includes(id))
          documents.set(key, { ...doc, trackId, receivedAt, submissions: holder.submissions });
        continue;
      }
      if (verdict.estado !== 'EPR' || verdict.rejected.includes(id)) continue;
      verdict.aceptados--;
      verdict.rechazados++;
      verdict.errors.push(
        `${id}: DTE Repetido (DTE-3-100): el folio ya fue recibido en el envío ${holder.trackId}`,
      );
      verdict.rejected.push(id);
      const objections = verdict.objections.filter((o) => !o.startsWith(`${id}:`));
      verdict.reparos -= verdict.objections.length - objections.length;
      verdict.objections = objections;
    }
    return verdict;
  }

  async function estado(request: IncomingMessage, response: ServerResponse, trackId: string): Promise<void> {
    await latency();
    if (!authenticated(request))
      return respuesta(response, '<ESTADO>001</ESTADO><GLOSA>TOKEN NO EXISTE</GLOSA>');
    const envelope = envelopes.get(trackId);
    if (!envelope) return respuesta(response, '<ESTADO>-11</ESTADO><GLOSA>TRACKID NO EXISTE</GLOSA>');
    envelope.polls++;
    if (envelope.polls <= (options.processingPolls ?? 1)) {
      return respuesta(response, '<ESTADO>REC</ESTADO><GLOSA>Envío Recibido</GLOSA>');
    }
    const v = await envelope.verdict;
    const list = (tag: string, items: string[]) =>
      items.map((item) => `<${tag}>${xmlEscape(item)}</${tag}>`).join('');
    respuesta(
      response,
      `<ESTADO>${v.estado}</ESTADO><GLOSA>${xmlEscape(v.glosa)}</GLOSA><NUM_ATENCION>${trackId}</NUM_ATENCION>`,
      `<INFORMADOS>${v.informados}</INFORMADOS><ACEPTADOS>${v.aceptados}</ACEPTADOS><RECHAZADOS>${v.rechazados}</RECHAZADOS><REPAROS>${v.reparos}</REPAROS>${list('ERROR', v.errors)}${list('REPARO', v.objections)}`,
    );
  }

  async function caf(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(request)).toString('utf8') || '{}') as Record<string, unknown>;
    const dteType = Number(body.dteType);
    if (dteType !== 33 && dteType !== 39)
      return sendJson(response, 400, { error: 'dteType debe ser 33 o 39' });
    if (typeof body.rut !== 'string' || !/^\d+-[\dK]$/.test(body.rut))
      return sendJson(response, 400, { error: 'rut inválido' });
    const file = issueTestCaf({
      rut: body.rut,
      name: typeof body.name === 'string' ? body.name : body.rut,
      dteType,
      count: Number(body.count ?? 1000),
    });
    response.writeHead(200, { 'content-type': 'application/xml; charset=ISO-8859-1' });
    response.end(Buffer.from(file, 'latin1'));
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    let route: Promise<void>;
    if (path === '/sii/semilla' && method === 'GET') {
      // Not from `random`: that one is the failure injection's, and tests script its draws.
      const seed = String(randomInt(1, 2 ** 40)).padStart(12, '0');
      seeds.add(seed);
      route = Promise.resolve(respuesta(response, '<ESTADO>00</ESTADO>', `<SEMILLA>${seed}</SEMILLA>`));
    } else if (path === '/sii/token' && method === 'POST') route = token(request, response);
    else if (path === '/sii/upload' && method === 'POST') route = upload(request, response, url.searchParams);
    else if (path.startsWith('/sii/estado/') && method === 'GET')
      route = estado(request, response, decodeURIComponent(path.slice('/sii/estado/'.length)));
    else if (path === '/sii/caf' && method === 'POST') route = caf(request, response);
    else if (path === '/dte' && method === 'GET')
      route = Promise.resolve(
        sendJson(
          response,
          200,
          [...documents.values()].map(({ xml: _xml, ...received }) => received),
        ),
      );
    else route = Promise.resolve(sendJson(response, 404, { error: 'not found' }));
    route.catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof BodyTooLargeError) return sendJson(response, 413, { error: error.message });
      if (error instanceof SyntaxError) return sendJson(response, 400, { error: error.message });
      sendJson(response, 500, { error: String(error) });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => documents.size,
    submissions: () => submissionCount,
    setFailureRate(rate) {
      failureRate = rate;
    },
    authorityPublicKey,
    issueCaf: issueTestCaf,
    warmUp: async () => {
      await loadSchemas();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          if (!schemas) return resolve();
          // A validator still loading is closed once it is there; one that failed to load has nothing
          // to close (its error went to the envelope that asked for it).
          schemas
            .then(
              (s) => s.close(),
              () => undefined,
            )
            .then(resolve);
        });
      }),
  };
}
