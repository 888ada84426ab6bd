/**
 * A deliberately small RFC 5322 / MIME reader for tests (mailparser is not installed): unfolds and
 * decodes headers (RFC 2047 encoded words) and splits a multipart body into decoded parts.
 */
export interface ParsedPart {
  headers: Map<string, string>;
  /** The body after its Content-Transfer-Encoding, as UTF-8 text. */
  body: string;
}

export interface ParsedEml extends ParsedPart {
  parts: ParsedPart[];
}

export function parseEml(raw: string): ParsedEml {
  const { headers, body } = splitEntity(raw);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers.get('content-type') ?? '')?.[1];
  if (!boundary) return { headers, body: decodeBody(body, headers), parts: [] };
  const segments = body.split(`--${boundary}`);
  // segments: preamble, part…, "--" epilogue
  const parts = segments
    .slice(1)
    .filter((segment) => !segment.startsWith('--'))
    .map((segment) => {
      const part = splitEntity(segment.replace(/^\r\n/, ''));
      return { headers: part.headers, body: decodeBody(part.body.replace(/\r\n$/, ''), part.headers) };
    });
  return { headers, body, parts };
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

/** RFC 2047: `=?UTF-8?Q?...?=` / `=?UTF-8?B?...?=`; whitespace between adjacent words is dropped. */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function decodeBody(body: string, headers: Map<string, string>): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body.replace(/=\r\n/g, ''));
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The readable content of a message, through nested multiparts: its text, its HTML and its attachments. */
export interface EmlContent {
  text: string;
  html: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export function emlContent(raw: string): EmlContent {
  const content: EmlContent = { text: '', html: '', attachments: [] };
  const walk = (entity: string) => {
    const { headers, body } = splitEntity(entity);
    const type = headers.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";\r\n]+)"?/i.exec(type)?.[1];
    if (boundary) {
      for (const segment of body.split(`--${boundary}`).slice(1)) {
        if (!segment.startsWith('--')) walk(segment.replace(/^\r\n/, '').replace(/\r\n$/, ''));
      }
      return;
    }
    const filename = /filename="?([^";\r\n]+)"?/i.exec(headers.get('content-disposition') ?? '')?.[1];
    if (filename) {
      const encoding = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
      const bytes =
        encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : Buffer.from(body, 'latin1');
      content.attachments.push({ filename, contentType: type.split(';')[0]!.trim(), content: bytes });
    } else if (type.startsWith('text/html')) content.html += decodeBody(body, headers);
    else if (type.startsWith('text/plain')) content.text += decodeBody(body, headers);
  };
  walk(raw);
  return content;
}
