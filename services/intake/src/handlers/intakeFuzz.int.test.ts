import { OrderAcceptedV1, OrderReceivedV2, type PurchaseOrder, Sources, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOrderDocument } from '#adapters/orderDocumentParser';
import { normaliseText } from '#domain/orderText';
import { createIntakeHttpApp } from '#handlers/receiveOrderOverHttp';
import { receiveOrdersFromBatchFile } from '#handlers/receiveOrdersFromBatchFile';
import { orderXml } from '#src/testing/orderBuilders';
import { aClock } from '#src/testing/testClock';

// Property: whatever arrives (a mutated valid order in XML or JSON, random bytes, deep nesting,
// hostile names), POST /orders answers 202 or a 4xx, never a 5xx and never a throw; the batch-file
// handler reports, never throws; and an accepted order round-trips: the stored order is what was
// sent, normalised, and the stored raw is the bytes sent. 10,000 inputs: 7,000 over HTTP, 3,000 in
// batch files. Seeded, so a failure replays; fixed clock, so no verdict depends on today's date.

let engine: TestEngine;
let app: ReturnType<typeof createIntakeHttpApp>;
let receiveBatch: (file: {
  name: string;
  content: string | Uint8Array;
}) => ReturnType<typeof receiveOrdersFromBatchFile>;

beforeAll(async () => {
  engine = await startTestEngine();
  const deps = { store: engine.storeFor(Sources.intake), clock: aClock(), ids: ulidGenerator() };
  app = createIntakeHttpApp(deps);
  receiveBatch = (file) => receiveOrdersFromBatchFile(deps, file);
});
afterAll(async () => {
  await engine.close();
});

let nextId = 0;
/** Every generated order gets an id of its own, so one input's verdict never meets another's. */
const uniqueId = fc.constantFrom('FZ', 'fz.', 'Fz_').map((prefix) => `${prefix}${(nextId++).toString(36)}`);

const letters = [
  'a',
  'n',
  'P',
  'é',
  'e\u0301',
  'ñ',
  'n\u0303',
  'Ü',
  ' ',
  '-',
  "'",
  '&',
  '<',
  '"',
  '>',
  '1',
  'Ω',
  '中',
  '😀',
];
const text = (min: number, max: number) =>
  fc.array(fc.constantFrom(...letters), { minLength: min, maxLength: max }).map((chars) => chars.join(''));
/** Text a valid order may hold: starts and ends with a letter, any spaces around it are trimmed. */
const fieldText = (max: number) =>
  fc
    .tuple(
      fc.constantFrom('', ' ', '\t '),
      fc.constantFrom('A', 'Ñ', 'é'),
      text(0, max - 2),
      fc.constantFrom('z', 'ó'),
      fc.constantFrom('', ' \n'),
    )
    .map(([before, first, middle, last, after]) => `${before}${first}${middle}${last}${after}`);
const identifier = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
const ruts = ['76123456-0', '12345678-5', '10000013-K', '10000013-k', '11111111-1'];

const validOrder: fc.Arbitrary<PurchaseOrder> = fc
  .record({
    orderId: uniqueId,
    channel: fc.constantFrom('web', 'app', 'store'),
    placedMinutesAgo: fc.integer({ min: 0, max: 60 * 24 * 30 }),
    dispatchInMinutes: fc.integer({ min: 10, max: 60 * 24 * 10 }),
    customer: fc.record(
      {
        id: identifier,
        taxId: fc.constantFrom(...ruts),
        name: fieldText(60),
        email: fc.constantFrom('ana@example.cl', 'x.y@empresa.cl'),
      },
      { requiredKeys: ['id', 'name', 'email'] },
    ),
    skus: fc.uniqueArray(identifier, { minLength: 1, maxLength: 3 }),
    quantity: fc.integer({ min: 1, max: 1_000 }),
    unitPrice: fc.integer({ min: 1, max: 5_000_000 }),
    description: fieldText(60),
    address: fieldText(80),
  })
  .map(
    ({ placedMinutesAgo, dispatchInMinutes, skus, quantity, unitPrice, description, address, ...order }) => ({
      ...order,
      placedAt: new Date(Date.parse('2026-11-24T10:00:30Z') - placedMinutesAgo * 60_000).toISOString(),
      currency: 'CLP' as const,
      lines: skus.map((sku) => ({ sku, quantity, unitPrice, description })),
      shipping: { region: 'RM', address },
      dispatchBy: new Date(Date.parse('2026-11-24T10:00:30Z') + dispatchInMinutes * 60_000).toISOString(),
    }),
  );

/** The order as intake keeps it: NFC, trimmed, the RUT check digit upper case. */
function normalised(order: PurchaseOrder): PurchaseOrder {
  return {
    ...order,
    customer: {
      ...order.customer,
      name: normaliseText(order.customer.name),
      ...(order.customer.taxId ? { taxId: order.customer.taxId.toUpperCase() } : {}),
    },
    lines: order.lines.map((line) => ({ ...line, description: normaliseText(line.description) })),
    shipping: { ...order.shipping, address: normaliseText(order.shipping.address) },
  };
}

type Format = 'xml' | 'json';
const serialised = (order: PurchaseOrder, format: Format, cdata: boolean): string => {
  if (format === 'json') return JSON.stringify(order);
  const xml = orderXml(order);
  if (!cdata) return xml;
  return xml.replace(
    /<Description>[^<]*<\/Description>/g,
    () => `<Description><![CDATA[${order.lines[0]!.description}]]></Description>`,
  );
};

const hostile = [
  '&nbsp;',
  '&#0;',
  '&#xD800;',
  '&#x1F600;',
  '<!-- a -- b -->',
  '<!---->',
  '<![CDATA[x]]>',
  ']]>',
  '\u0000',
  '\u0001',
  '\u001b[31m',
  '\u200B',
  '\u202E',
  '\uFEFF',
  '\u2028',
  '\uD800',
  '<__proto__/>',
  '<constructor>x</constructor>',
  '"__proto__":{"a":1},',
  '"constructor":1,',
  '"orderId":"DUP",',
  '"name":"x",',
  '<!DOCTYPE x>',
  '<?xml version="1.0"?>',
  '<a>'.repeat(40),
  '['.repeat(40),
  '{"a":'.repeat(40),
  '&',
  '<',
  '>',
  '"',
  "'",
  '\\',
  '\\u0000',
  '\\ud800',
  '0',
  '-',
  'k',
  ' ',
  '\n',
  '\r\n',
  '<b>',
  '</Name>',
  '<Line sku="X" quantity="1" unitPrice="0"><Description>d</Description></Line>',
];
type Mutation =
  | { kind: 'none' }
  | { kind: 'insert' | 'replace' | 'delete' | 'duplicate'; at: number; length: number; snippet: string };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constantFrom('insert', 'replace', 'delete', 'duplicate'),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 30 }),
      snippet: fc.oneof(fc.constantFrom(...hostile), fc.string({ unit: 'binary', maxLength: 4 })),
    }),
  },
);
function mutate(source: string, m: Mutation): string {
  if (m.kind === 'none') return source;
  const at = m.at % (source.length + 1);
  switch (m.kind) {
    case 'insert':
      return source.slice(0, at) + m.snippet + source.slice(at);
    case 'replace':
      return source.slice(0, at) + m.snippet + source.slice(at + m.length);
    case 'delete':
      return source.slice(0, at) + source.slice(at + m.length);
    case 'duplicate':
      return source.slice(0, at + m.length) + source.slice(at, at + m.length) + source.slice(at + m.length);
  }
}

interface Input {
  body: string | Uint8Array;
  contentType: string;
  /** Set when the body is the valid order unchanged: it must be accepted and round-trip. */
  sent?: PurchaseOrder;
}
const mutatedOrder: fc.Arbitrary<Input> = fc
  .tuple(validOrder, fc.constantFrom<Format>('xml', 'json'), fc.boolean(), mutation)
  .map(([order, format, cdata, m]) => {
    const body = mutate(serialised(order, format, cdata && format === 'xml'), m);
    return {
      body,
      contentType: format === 'xml' ? 'application/xml' : 'application/json',
      ...(m.kind === 'none' ? { sent: order } : {}),
    };
  });
const randomBytes: fc.Arbitrary<Input> = fc
  .tuple(
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom('application/xml', 'application/json', 'text/xml'),
  )
  .map(([body, contentType]) => ({ body, contentType }));
const deepNesting: fc.Arbitrary<Input> = fc
  .tuple(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom('xml', 'json'))
  .map(([depth, format]) =>
    format === 'xml'
      ? {
          body: `<PurchaseOrder id="DEEP">${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</PurchaseOrder>`,
          contentType: 'application/xml',
        }
      : {
          body: `{"orderId":"DEEP","x":${'['.repeat(depth)}${']'.repeat(depth)}}`,
          contentType: 'application/json',
        },
  );
const hostileNames: fc.Arbitrary<Input> = fc
  .tuple(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
    fc.constantFrom('xml', 'json'),
    uniqueId,
  )
  .map(([name, format, orderId]) =>
    format === 'xml'
      ? {
          body: `<PurchaseOrder id="${orderId}"><${name} ${name}="1"><Customer/></${name}></PurchaseOrder>`,
          contentType: 'application/xml',
        }
      : {
          body: `{"orderId":"${orderId}","${name}":{"${name}":1},"customer":{"${name}":[]}}`,
          contentType: 'application/json',
        },
  );
const anyInput = fc.oneof(
  { weight: 14, arbitrary: mutatedOrder },
  { weight: 2, arbitrary: randomBytes },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: hostileNames },
);

const accepted = async (orderId: string) => {
  const events = (await engine.reader.readStream(Streams.order(orderId))).events;
  return {
    order: events.find((e) => e.type === OrderAcceptedV1.detailType)?.data.order,
    raw: events.find((e) => e.type === OrderReceivedV2.detailType)?.data.raw,
  };
};

describe('intake under generated input', () => {
  it('POST /orders: 7,000 inputs, every one a 202 or a 4xx, accepted orders round-trip', {
    timeout: 120_000,
  }, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(anyInput, async (input) => {
        const response = await app.request('/orders', {
          method: 'POST',
          body: input.body,
          headers: { 'content-type': input.contentType },
        });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect([202, 400, 409, 413, 415]).toContain(response.status);
        const answer = (await response.json()) as { orderId?: string; duplicate?: boolean };
        if (input.sent) expect(response.status).toBe(202);
        if (response.status === 202 && !answer.duplicate) {
          const stored = await accepted(answer.orderId!);
          // The bytes sent, as UTF-8 decodes them (a leading BOM is not part of the document).
          const sentText = new TextDecoder().decode(
            typeof input.body === 'string' ? new TextEncoder().encode(input.body) : input.body,
          );
          expect(stored.raw).toBe(sentText);
          // What is stored is what the stored raw reads as: the order round-trips.
          const reread = parseOrderDocument(stored.raw!, input.contentType.includes('json') ? 'json' : 'xml');
          expect(reread.candidate).toEqual(stored.order);
          if (input.sent) expect(stored.order).toEqual(normalised(input.sent));
        }
      }),
      { numRuns: 7_000, seed: 20261124 },
    );
    // The mix really reached every branch.
    expect(statuses.get(202)).toBeGreaterThan(500);
    expect(statuses.get(400)).toBeGreaterThan(1_000);
  });

  it('batch files: 3,000 inputs, every file reported (never thrown), accepted orders round-trip', {
    timeout: 120_000,
  }, async () => {
    let processed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 6, arbitrary: fc.array(mutatedOrder, { minLength: 1, maxLength: 3 }) },
          { weight: 1, arbitrary: fc.oneof(randomBytes, deepNesting, hostileNames).map((input) => [input]) },
        ),
        fc.constantFrom('xml', 'json'),
        async (inputs, format) => {
          const parts = inputs.map((input) =>
            typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('latin1'),
          );
          const content =
            format === 'xml'
              ? `<PurchaseOrders>${parts.map((p) => p.replace(/^<\?xml[^>]*>/, '')).join('\n')}</PurchaseOrders>`
              : `[${parts.join(',')}]`;
          const report = await receiveBatch({ name: `fuzz.${format}`, content });
          expect(['processed', 'unreadable']).toContain(report.status);
          if (report.status === 'processed') processed++;
          for (const order of report.orders) {
            if (order.outcome !== 'accepted') continue;
            const stored = await accepted(order.orderId!);
            const reread = parseOrderDocument(stored.raw!, format);
            expect(reread.candidate).toEqual(stored.order);
            const sent = inputs[order.index]?.sent;
            if (sent && inputs.every((i) => i.contentType.includes(format === 'xml' ? 'xml' : 'json'))) {
              expect(stored.order).toEqual(normalised(sent));
            }
          }
        },
      ),
      { numRuns: 3_000, seed: 20261125 },
    );
    expect(processed).toBeGreaterThan(300);
  });
});
