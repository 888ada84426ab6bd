import type { RejectionReason } from '@mtd/contracts';
import {
  type JsonDocument,
  type JsonKeyIssue,
  type JsonPath,
  JsonSyntaxError,
  readJson,
  reservedNames,
} from '#adapters/jsonReader';
import { readXml, type XmlElement, XmlSyntaxError } from '#adapters/xmlReader';
import { normaliseCandidate, shownValue } from '#domain/orderText';
import { type OrderCandidate, pathOf } from '#domain/validateOrder';

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

/** One order of a document: the candidate to validate, the raw text OrderReceived keeps, and what is wrong with its structure. */
export interface ParsedOrder {
  /** Mapped and normalised (NFC, trimmed, RUT check digit upper case). */
  candidate: OrderCandidate;
  /** The order exactly as received: the whole body, or the order's own bytes in a batch file. */
  raw: string;
  /** Problems of structure inside this order (duplicate key, mixed content…): they reject the order. */
  problems: RejectionReason[];
}

/**
 * Nesting deeper than this is refused before anything is mapped. An order needs five levels
 * (`PurchaseOrders > PurchaseOrder > Lines > Line > Description`, `{orders:[{lines:[{…}]}]}`).
 */
export const maxNestingDepth = 32;

const documentPath = '(document)';

/** Parses one order (the body of `POST /orders`). Throws OrderDocumentError or PayloadTooLargeError. */
export function parseOrderDocument(text: string, format: OrderFormat): ParsedOrder {
  if (Buffer.byteLength(text) > maxOrderBytes) throw new PayloadTooLargeError('the order', maxOrderBytes);
  if (format === 'json') {
    const document = parseJson(text);
    const { value } = document;
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
    return { ...orderFromJson(value, [], document), raw: text };
  }
  const root = parseXml(text);
  if (root.name === 'PurchaseOrders') throw new OrderDocumentError([batchNotHere]);
  if (root.name !== 'PurchaseOrder') throw new OrderDocumentError([unexpectedRoot(root.name)]);
  return { ...orderFromXml(root), raw: text };
}

/**
 * Parses a batch file: `<PurchaseOrders>` (or a single `<PurchaseOrder>`), `{ "orders": [...] }`, a
 * JSON array or a single JSON order. Each order's raw text is its own bytes in the file (an element,
 * or a JSON value), so OrderReceived keeps that order only, exactly as sent. Throws for a file that
 * cannot be read at all; a problem inside one order is that order's alone.
 */
export function parseBatchDocument(text: string, format: OrderFormat): ParsedOrder[] {
  if (Buffer.byteLength(text) > maxBatchFileBytes)
    throw new PayloadTooLargeError('the batch file', maxBatchFileBytes);
  if (format === 'json') {
    const document = parseJson(text);
    const { value } = document;
    const [items, prefix] = Array.isArray(value)
      ? [value, [] as JsonPath]
      : isRecord(value) && Array.isArray(value.orders)
        ? [value.orders, ['orders'] as JsonPath]
        : isRecord(value) && !('orders' in value)
          ? [[value], undefined]
          : [undefined, undefined];
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
    // A key problem outside every order (two "orders" keys) leaves the file ambiguous: refuse it.
    const outside = document.issues.filter(
      (issue) =>
        prefix === undefined || !startsWith(issue.path, prefix) || issue.path.length <= prefix.length,
    );
    if (prefix !== undefined && outside.length > 0) {
      throw new OrderDocumentError(outside.map((issue) => keyProblem(issue, issue.path)));
    }
    return items.map((item: unknown, index) => {
      const span = item !== null && typeof item === 'object' ? document.spans.get(item) : undefined;
      const raw = span ? text.slice(span[0], span[1]) : (JSON.stringify(item) ?? 'null');
      const at = prefix === undefined ? [] : [...prefix, index];
      const parsed = orderFromJson(item, at, document);
      // Not an object (a number, null, a nested list): reported in its place, as XML's <PurchaseOrde> is.
      if (!isRecord(item)) parsed.problems.unshift(notAnOrderEntry(index, item));
      return { ...parsed, raw };
    });
  }
  const root = parseXml(text);
  if (root.name === 'PurchaseOrder')
    return [{ ...orderFromXml(root), raw: text.slice(root.start, root.end) }];
  if (root.name !== 'PurchaseOrders') throw new OrderDocumentError([unexpectedRoot(root.name)]);
  if (root.hasText) {
    throw new OrderDocumentError([
      {
        path: documentPath,
        code: 'mixed_content',
        message: `<PurchaseOrders> holds text ${shownValue(root.text.trim())} between its orders; it may hold only <PurchaseOrder> elements`,
      },
    ]);
  }
  checkCount(root.children.length);
  return root.children.map((element, index) => {
    const raw = text.slice(element.start, element.end);
    if (element.name === 'PurchaseOrder') return { ...orderFromXml(element), raw };
    // Not an order (a typo like <PurchaseOrde>): reported in its place, never silently skipped.
    return {
      candidate: {},
      raw,
      problems: [
        {
          path: documentPath,
          code: 'unexpected_element',
          message: `entry ${index} of <PurchaseOrders> is <${element.name}>, not <PurchaseOrder>`,
        },
      ],
    };
  });
}

function notAnOrderEntry(index: number, item: unknown): RejectionReason {
  const kind =
    item === null ? 'null' : Array.isArray(item) ? 'a list' : `the ${typeof item} ${shownValue(item)}`;
  return {
    path: documentPath,
    code: 'not_an_order',
    message: `entry ${index} of the batch is ${kind}, not a JSON object holding an order`,
  };
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

function parseJson(text: string): JsonDocument {
  try {
    return readJson(text, { maxDepth: maxNestingDepth });
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const problem: RejectionReason =
      error.code === 'too_deep'
        ? {
            path: documentPath,
            code: 'too_deep',
            message: `the JSON nests objects and arrays more than ${maxNestingDepth} deep (line ${error.line}, column ${error.column}); an order needs 5 levels`,
          }
        : {
            path: documentPath,
            code: 'malformed_json',
            message: `the JSON is not well-formed at line ${error.line}, column ${error.column}: ${error.detail}`,
          };
    throw new OrderDocumentError([problem], { cause: error });
  }
}

function parseXml(text: string): XmlElement {
  try {
    return readXml(text, { maxDepth: maxNestingDepth });
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    const message =
      error.code === 'too_deep'
        ? `the XML nests elements more than ${maxNestingDepth} deep (line ${error.line}, column ${error.column}); an order needs 5 levels`
        : error.code === 'doctype_not_allowed' || error.code === 'unsupported_encoding'
          ? error.detail
          : `the XML is not well-formed at line ${error.line}, column ${error.column}: ${error.detail}`;
    throw new OrderDocumentError([{ path: documentPath, code: error.code, message }], { cause: error });
  }
}

function unexpectedRoot(root: string): RejectionReason {
  return {
    path: documentPath,
    code: 'unexpected_root',
    message: `expected a <PurchaseOrder> (or <PurchaseOrders> in a batch file), got <${root}>`,
  };
}

/** Maps one `<PurchaseOrder>`, noting every structural problem with the field's path. */
function orderFromXml(order: XmlElement): Omit<ParsedOrder, 'raw'> {
  const problems: RejectionReason[] = [];
  reservedNamesIn(order, documentPath, problems);
  const container = (element: XmlElement, path: string, holds: string) => {
    if (element.hasText) {
      problems.push({
        path,
        code: 'mixed_content',
        message: `${path === documentPath ? '<PurchaseOrder>' : path} holds text ${shownValue(element.text.trim())} between its elements; text belongs inside ${holds}`,
      });
    }
    return element;
  };
  const child = (parent: XmlElement, name: string, path: string): XmlElement | undefined => {
    const found = parent.children.filter((c) => c.name === name);
    if (found.length > 1) {
      problems.push({
        path,
        code: 'duplicate_element',
        message: `<${name}> appears ${found.length} times where one is expected (${path})`,
      });
    }
    return found[0];
  };
  const text = (parent: XmlElement, name: string, path: string): string | undefined => {
    const element = child(parent, name, path);
    if (!element) return undefined;
    if (element.children.length > 0) {
      problems.push({
        path,
        code: 'unexpected_element',
        message: `${path} must be text only, got an element <${element.children[0]!.name}> inside <${name}>`,
      });
    }
    return element.text;
  };
  container(order, documentPath, '<Customer>, <Lines>, <Shipping> and <DispatchBy>');
  const customer = child(order, 'Customer', 'customer');
  const lines = child(order, 'Lines', 'lines');
  const shipping = child(order, 'Shipping', 'shipping');
  const candidate = compact({
    orderId: order.attributes.get('id'),
    channel: order.attributes.get('channel'),
    placedAt: order.attributes.get('placedAt'),
    currency: order.attributes.get('currency'),
    customer: customer
      ? compact({
          id: customer.attributes.get('id'),
          taxId: customer.attributes.get('taxId'),
          name: text(container(customer, 'customer', '<Name> and <Email>'), 'Name', 'customer.name'),
          email: text(customer, 'Email', 'customer.email'),
        })
      : undefined,
    lines: lines
      ? container(lines, 'lines', '<Line>')
          .children.filter((c) => c.name === 'Line')
          .map((line, index) =>
            compact({
              sku: line.attributes.get('sku'),
              quantity: wholeNumber(line.attributes.get('quantity')),
              unitPrice: wholeNumber(line.attributes.get('unitPrice')),
              description: text(
                container(line, `lines[${index}]`, '<Description>'),
                'Description',
                `lines[${index}].description`,
              ),
            }),
          )
      : undefined,
    shipping: shipping
      ? compact({
          region: shipping.attributes.get('region'),
          address: text(container(shipping, 'shipping', '<Address>'), 'Address', 'shipping.address'),
        })
      : undefined,
    dispatchBy: text(order, 'DispatchBy', 'dispatchBy'),
  });
  return { candidate: normaliseCandidate(candidate), problems };
}

/** Every element or attribute in the order named `__proto__`, `constructor` or `prototype`. */
function reservedNamesIn(element: XmlElement, path: string, problems: RejectionReason[]): void {
  const pending: XmlElement[] = [element];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const names = [next.name, ...next.attributes.keys()].filter((name) => reservedNames.has(name));
    for (const name of names) {
      problems.push({
        path,
        code: 'reserved_name',
        message: `the order holds an element or attribute named ${name}; the names __proto__, constructor and prototype are not allowed`,
      });
    }
    pending.push(...next.children);
  }
}

function orderFromJson(value: unknown, at: JsonPath, document: JsonDocument): Omit<ParsedOrder, 'raw'> {
  const problems = document.issues
    .filter((issue) => startsWith(issue.path, at) && issue.path.length > at.length)
    .map((issue) => keyProblem(issue, issue.path.slice(at.length)));
  if (!isRecord(value)) return { candidate: {}, problems };
  const pick = (record: unknown, keys: string[]) =>
    isRecord(record) ? compact(Object.fromEntries(keys.map((k) => [k, record[k]]))) : record;
  const candidate = compact({
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
  return { candidate: normaliseCandidate(candidate), problems };
}

function keyProblem(issue: JsonKeyIssue, path: JsonPath): RejectionReason {
  const shown = pathOf(path);
  const key = String(path[path.length - 1]);
  return issue.code === 'duplicate_key'
    ? {
        path: shown,
        code: 'duplicate_key',
        message: `${shown} appears twice in the same object; send each field once`,
      }
    : {
        path: shown,
        code: 'reserved_name',
        message: `${shown}: the name ${key} is not allowed (__proto__, constructor and prototype are reserved)`,
      };
}

function startsWith(path: JsonPath, prefix: JsonPath): boolean {
  return prefix.every((part, i) => path[i] === part);
}

/** "2" -> 2; anything not a whole number stays text so validation can say exactly what was wrong. */
function wholeNumber(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) return value;
  const number = Number(trimmed);
  return Number.isSafeInteger(number) ? number : value;
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
