import type { RejectionReason } from '@mtd/contracts';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { OrderCandidate } from '#domain/validateOrder';

/** One order (an HTTP body, or one order inside a batch): OrderReceived keeps it raw, up to 64 KiB. */
export const maxOrderBytes = 64 * 1024;
/** A batch file is parsed in memory in one go; 10 MiB keeps that well inside a Lambda's memory. */
export const maxBatchFileBytes = 10 * 1024 * 1024;
export const maxOrdersPerBatch = 5_000;

export type OrderFormat = 'xml' | 'json';

/** A document that cannot be read as orders at all (not well-formed, wrong root, DOCTYPE…). */
export class OrderDocumentError extends Error {
  override readonly name = 'OrderDocumentError';
  constructor(
    readonly problems: RejectionReason[],
    options?: { cause?: unknown },
  ) {
    super(problems.map((p) => p.message).join('; '), options);
  }
}

/** A body or file over its size limit; refused before it is parsed. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(`${what} is larger than the ${formatBytes(limit)} limit`);
  }
}

/** One order of a document: the candidate to validate and the raw text OrderReceived keeps. */
export interface ParsedOrder {
  candidate: OrderCandidate;
  raw: string;
}

const documentPath = '(document)';

// Hardened: no entity expansion (a DOCTYPE is refused before parsing anyway), no number guessing
// (we convert numbers ourselves so "9990.5" or "1e3" is reported, not silently coerced).
const xmlOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  allowBooleanAttributes: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
} as const;

const parser = new XMLParser({
  ...xmlOptions,
  isArray: (tagName, jPath) => tagName === 'Line' || jPath === 'PurchaseOrders.PurchaseOrder',
});
const builder = new XMLBuilder({ ...xmlOptions, format: false, suppressEmptyNode: false });

/** Parses one order (the body of `POST /orders`). Throws OrderDocumentError or PayloadTooLargeError. */
export function parseOrderDocument(text: string, format: OrderFormat): OrderCandidate {
  if (Buffer.byteLength(text) > maxOrderBytes) throw new PayloadTooLargeError('the order', maxOrderBytes);
  if (format === 'json') {
    const value = parseJson(text);
    if (Array.isArray(value) || (isRecord(value) && Array.isArray(value.orders))) {
      throw new OrderDocumentError([batchNotHere]);
    }
    if (!isRecord(value)) {
      throw new OrderDocumentError([
        {
          path: documentPath,
          code: 'not_an_order',
          message: 'the body must be a JSON object holding one order',
        },
      ]);
    }
    return candidateFromJson(value);
  }
  const document = parseXml(text);
  if ('PurchaseOrders' in document) throw new OrderDocumentError([batchNotHere]);
  const order = document.PurchaseOrder;
  if (order === undefined) throw new OrderDocumentError([unexpectedRoot(document)]);
  return candidateFromXml(order);
}

/**
 * Parses a batch file: `<PurchaseOrders>` (or a single `<PurchaseOrder>`), `{ "orders": [...] }`, a
 * JSON array or a single JSON order. Each order's raw text is its own element re-serialized (or its
 * JSON), so OrderReceived keeps that order only. Throws for a file that cannot be read at all.
 */
export function parseBatchDocument(text: string, format: OrderFormat): ParsedOrder[] {
  if (Buffer.byteLength(text) > maxBatchFileBytes)
    throw new PayloadTooLargeError('the batch file', maxBatchFileBytes);
  let orders: ParsedOrder[];
  if (format === 'json') {
    const value = parseJson(text);
    const items = Array.isArray(value)
      ? value
      : isRecord(value) && Array.isArray(value.orders)
        ? value.orders
        : isRecord(value) && !('orders' in value)
          ? [value]
          : undefined;
    if (!items) {
      throw new OrderDocumentError([
        {
          path: documentPath,
          code: 'not_a_batch',
          message: 'a JSON batch must be an array of orders or { "orders": [...] }',
        },
      ]);
    }
    checkCount(items.length);
    orders = items.map((item: unknown) => ({
      candidate: candidateFromJson(item),
      raw: JSON.stringify(item) ?? 'null',
    }));
  } else {
    const document = parseXml(text);
    const elements = isRecord(document.PurchaseOrders)
      ? ((document.PurchaseOrders.PurchaseOrder as unknown[] | undefined) ?? [])
      : document.PurchaseOrders === ''
        ? []
        : document.PurchaseOrder !== undefined
          ? [document.PurchaseOrder]
          : undefined;
    if (!elements) throw new OrderDocumentError([unexpectedRoot(document)]);
    checkCount(elements.length);
    orders = elements.map((element) => ({
      candidate: candidateFromXml(element),
      raw: builder.build({ PurchaseOrder: element }) as string,
    }));
  }
  return orders;
}

const batchNotHere: RejectionReason = {
  path: documentPath,
  code: 'batch_not_accepted',
  message: 'POST /orders takes one order; send several orders as a batch file',
};

function checkCount(count: number): void {
  if (count > maxOrdersPerBatch) {
    throw new OrderDocumentError([
      {
        path: documentPath,
        code: 'too_many_orders',
        message: `the batch holds ${count} orders, over the limit of ${maxOrdersPerBatch}; split it into several files`,
      },
    ]);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OrderDocumentError(
      [
        {
          path: documentPath,
          code: 'malformed_json',
          message: `the JSON is not well-formed: ${(error as Error).message}`,
        },
      ],
      { cause: error },
    );
  }
}

function parseXml(text: string): Record<string, unknown> {
  // Entities are where XML bombs and external-entity reads live; an order never needs a DTD.
  if (/<!(DOCTYPE|ENTITY)/i.test(text)) {
    throw new OrderDocumentError([
      {
        path: documentPath,
        code: 'doctype_not_allowed',
        message: 'DOCTYPE and ENTITY declarations are not allowed; send the order without a DTD',
      },
    ]);
  }
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new OrderDocumentError([
      {
        path: documentPath,
        code: 'malformed_xml',
        message: `the XML is not well-formed at line ${line}, column ${col}: ${msg}`,
      },
    ]);
  }
  const document: unknown = parser.parse(text);
  if (!isRecord(document)) throw new OrderDocumentError([unexpectedRoot({})]);
  return document;
}

function unexpectedRoot(document: Record<string, unknown>): RejectionReason {
  const root = Object.keys(document)[0];
  return {
    path: documentPath,
    code: 'unexpected_root',
    message: `expected a <PurchaseOrder> (or <PurchaseOrders> in a batch file), got ${root ? `<${root}>` : 'no element'}`,
  };
}

function candidateFromXml(element: unknown): OrderCandidate {
  const order = nodeOf(element);
  const customer = nodeOf(order.Customer);
  const shipping = nodeOf(order.Shipping);
  const lines = order.Lines === undefined ? undefined : toArray(nodeOf(order.Lines).Line);
  return compact({
    orderId: attr(order, 'id'),
    channel: attr(order, 'channel'),
    placedAt: attr(order, 'placedAt'),
    currency: attr(order, 'currency'),
    customer:
      order.Customer === undefined
        ? undefined
        : compact({
            id: attr(customer, 'id'),
            taxId: attr(customer, 'taxId'),
            name: text(customer.Name),
            email: text(customer.Email),
          }),
    lines: lines?.map((line) => {
      const node = nodeOf(line);
      return compact({
        sku: attr(node, 'sku'),
        quantity: wholeNumber(attr(node, 'quantity')),
        unitPrice: wholeNumber(attr(node, 'unitPrice')),
        description: text(node.Description),
      });
    }),
    shipping:
      order.Shipping === undefined
        ? undefined
        : compact({ region: attr(shipping, 'region'), address: text(shipping.Address) }),
    dispatchBy: text(order.DispatchBy),
  });
}

function candidateFromJson(value: unknown): OrderCandidate {
  if (!isRecord(value)) return {};
  const pick = (record: unknown, keys: string[]) =>
    isRecord(record) ? compact(Object.fromEntries(keys.map((k) => [k, record[k]]))) : record;
  return compact({
    orderId: value.orderId ?? value.id,
    channel: value.channel,
    placedAt: value.placedAt,
    currency: value.currency,
    customer: pick(value.customer, ['id', 'taxId', 'name', 'email']),
    lines: Array.isArray(value.lines)
      ? value.lines.map((line: unknown) => pick(line, ['sku', 'quantity', 'unitPrice', 'description']))
      : value.lines,
    shipping: pick(value.shipping, ['region', 'address']),
    dispatchBy: value.dispatchBy,
  });
}

/** An element as an object: a text-only or empty element (`<Lines/>`) has no attributes or children. */
function nodeOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function toArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function attr(node: Record<string, unknown>, name: string): string | undefined {
  const value = node[`@_${name}`];
  return typeof value === 'string' ? decodeXmlEntities(value) : undefined;
}

/** An element's text; an element with attributes keeps its text under `#text`; anything else passes through for validation to report. */
function text(value: unknown): unknown {
  if (typeof value === 'string') return decodeXmlEntities(value);
  if (isRecord(value)) {
    const inner = value['#text'];
    if (typeof inner === 'string') return decodeXmlEntities(inner);
    if (Object.keys(value).every((k) => k.startsWith('@_'))) return '';
  }
  return value;
}

/** "2" -> 2; anything not a whole number stays text so validation can say exactly what was wrong. */
function wholeNumber(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) return value;
  const number = Number(trimmed);
  return Number.isSafeInteger(number) ? number : value;
}

const predefinedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * With entity processing off the parser leaves `&amp;` as is. The five predefined entities and
 * character references are still plain XML, so decode them here, in one pass (no recursion, no
 * declared entities: nothing to expand into a bomb).
 */
function decodeXmlEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return predefinedEntities[name] ?? whole;
  });
}

function compact<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** Strict UTF-8: a mis-encoded body (Latin-1 "Pérez") is refused rather than stored garbled. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    const problem: RejectionReason = {
      path: documentPath,
      code: 'invalid_encoding',
      message: 'the content is not valid UTF-8; send it encoded as UTF-8',
    };
    throw new OrderDocumentError([problem], { cause: error });
  }
}
