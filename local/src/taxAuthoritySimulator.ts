import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface TaxAuthoritySimulatorOptions {
  /** Probability in [0,1] that a submission is answered 503 (failure injection). */
  failureRate: number;
  /** Each answer is delayed by a random time in [min, max] ms. */
  latencyMs: { min: number; max: number };
  random?: () => number;
  /** 0 picks a free port. */
  port?: number;
}

export interface ReceivedDte {
  dteType: number;
  folio: number;
  trackId: string;
  receivedAt: string;
}

export interface TaxAuthoritySimulator {
  /** e.g. `http://127.0.0.1:49152`; documents go to `${url}/dte`. */
  url: string;
  /** Distinct documents received (a resend is not counted twice). */
  received(): number;
  setFailureRate(rate: number): void;
  close(): Promise<void>;
}

/** Largest body accepted: DteIssued caps the XML at 128 KB; leave room, refuse anything absurd. */
const maxBodyBytes = 1024 * 1024;

// Hardened like intake's parser: no entity expansion (no billion-laughs), values kept as text.
const parser = new XMLParser({ ignoreAttributes: false, processEntities: false, parseTagValue: false });

class BadDocumentError extends Error {
  override readonly name = 'BadDocumentError';
}

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** TipoDTE and Folio of a well-formed DTE document, or BadDocumentError saying what is wrong. */
function identify(xml: string): { dteType: number; folio: number } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new BadDocumentError(`XML mal formado: ${valid.err.msg} (línea ${valid.err.line})`);
  const idDoc = parser.parse(xml)?.DTE?.Documento?.Encabezado?.IdDoc;
  const dteType = Number(idDoc?.TipoDTE);
  const folio = Number(idDoc?.Folio);
  if (![33, 34, 39, 41, 52, 56, 61].includes(dteType))
    throw new BadDocumentError('TipoDTE ausente o desconocido');
  if (!Number.isSafeInteger(folio) || folio <= 0) throw new BadDocumentError('Folio ausente o inválido');
  return { dteType, folio };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new BodyTooLargeError(`más de ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/**
 * A local stand-in for the SII's DTE reception (DESIGN §4): `POST /dte` with the XML answers
 * `{ trackId }`, 503 with probability `failureRate`, 400 for a document it cannot read. It is
 * idempotent per (TipoDTE, Folio) like the real reception must be for MTD's at-least-once
 * broadcast: a resend of the same document answers the original trackId; different XML under a
 * folio already received is a 409. `GET /dte` lists what it received, for tests and demos.
 */
export async function startTaxAuthoritySimulator(
  options: TaxAuthoritySimulatorOptions,
): Promise<TaxAuthoritySimulator> {
  const random = options.random ?? Math.random;
  let failureRate = options.failureRate;
  const documents = new Map<string, ReceivedDte & { xml: string }>();
  let nextTrackId = 1;

  const latency = () => {
    const { min, max } = options.latencyMs;
    const ms = max > min ? min + random() * (max - min) : min;
    return ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => setTimeout(resolve, ms));
  };

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const xml = await readBody(request);
    await latency();
    if (random() < failureRate)
      return send(response, 503, { error: 'servicio no disponible (falla simulada)' });
    const { dteType, folio } = identify(xml);
    const key = `${dteType}:${folio}`;
    const existing = documents.get(key);
    if (existing) {
      if (existing.xml !== xml) {
        return send(response, 409, {
          error: `el folio ${folio} de tipo ${dteType} ya fue recibido con otro contenido`,
        });
      }
      return send(response, 200, { trackId: existing.trackId });
    }
    const trackId = String(nextTrackId++);
    documents.set(key, { dteType, folio, trackId, receivedAt: new Date().toISOString(), xml });
    send(response, 200, { trackId });
  }

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const route =
      path !== '/dte'
        ? Promise.resolve(send(response, 404, { error: 'not found' }))
        : request.method === 'POST'
          ? receive(request, response)
          : request.method === 'GET'
            ? Promise.resolve(
                send(
                  response,
                  200,
                  [...documents.values()].map(({ xml: _xml, ...received }) => received),
                ),
              )
            : Promise.resolve(send(response, 405, { error: 'method not allowed' }));
    route.catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof BadDocumentError) return send(response, 400, { error: error.message });
      if (error instanceof BodyTooLargeError) return send(response, 413, { error: error.message });
      send(response, 500, { error: String(error) });
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
    setFailureRate(rate) {
      failureRate = rate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
