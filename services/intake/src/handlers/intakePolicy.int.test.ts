import { OrderAcceptedV1, OrderRejectedV1, Sources, Streams } from '@mtd/contracts';
import { ulidGenerator } from '@mtd/platform';
import { startTestEngine, type TestEngine } from '@mtd/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeHttpApp } from '#handlers/receiveOrderOverHttp';
import { aLine, aPurchaseOrder, type LooseOrder, orderXml } from '#src/testing/orderBuilders';
import { aClock } from '#src/testing/testClock';

// The intake's written policy (README "Input policy"), class by class, through POST /orders.

let engine: TestEngine;
const clock = aClock();
let app: ReturnType<typeof createIntakeHttpApp>;

beforeAll(async () => {
  engine = await startTestEngine();
  app = createIntakeHttpApp({ store: engine.storeFor(Sources.intake), clock, ids: ulidGenerator() });
});
afterAll(async () => {
  await engine.close();
});

interface Answer {
  status: number;
  body: { orderId?: string; status?: string; error?: string; duplicate?: boolean; problems?: Problem[] };
}
interface Problem {
  path: string;
  code: string;
  message: string;
}

async function post(body: string, contentType = 'application/xml'): Promise<Answer> {
  const response = await app.request('/orders', {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}
const postJson = (order: unknown) => post(JSON.stringify(order), 'application/json');
const eventsOf = async (orderId: string) => (await engine.reader.readStream(Streams.order(orderId))).events;
const problemsOf = (answer: Answer) => (answer.body.problems ?? []).map(({ path, code }) => ({ path, code }));
const acceptedOrderOf = async (orderId: string) =>
  (await eventsOf(orderId)).find((e) => e.type === OrderAcceptedV1.detailType)?.data.order;

describe('well-formedness: XML that is not well-formed is refused, nothing recorded', () => {
  const wellFormed = orderXml(aPurchaseOrder({ orderId: 'WF-1' }));
  it.each([
    ['an undeclared entity', wellFormed.replace('Tijeras', 'Tijeras &nbsp;')],
    ['"--" inside a comment', wellFormed.replace('<Lines>', '<Lines><!-- a -- b -->')],
    ['a character reference to NUL', wellFormed.replace('Tijeras', 'Tij&#0;eras')],
    ['a character reference to a lone surrogate', wellFormed.replace('Tijeras', 'Tij&#xD800;eras')],
    ['a raw control byte', wellFormed.replace('Tijeras', 'Tij\u0001eras')],
    ['a raw escape (ESC)', wellFormed.replace('Tijeras', 'Tij\u001b[31meras')],
    ['a repeated attribute', wellFormed.replace('<Line ', '<Line sku="X" ')],
    ['a bare ampersand', wellFormed.replace('Tijeras', 'Tijeras & co')],
    ['"]]>" in text', wellFormed.replace('Tijeras', 'Tijeras]]>')],
    ['a second root', `${wellFormed}<PurchaseOrder/>`],
    ['an encoding that is not UTF-8', `<?xml version="1.0" encoding="ISO-8859-1"?>${wellFormed}`],
  ])('%s', async (_, xml) => {
    const answer = await post(xml);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('the order could not be read and was not recorded');
    expect(answer.body.problems?.[0]).toMatchObject({ path: '(document)' });
    expect(answer.body.problems?.[0]?.message).toMatch(/line \d+, column \d+|UTF-8/);
    expect(await eventsOf('WF-1')).toEqual([]);
  });

  it('refuses mixed content where an element is expected, naming the field, and never mangles the name', async () => {
    const xml = orderXml(aPurchaseOrder({ orderId: 'WF-2' })).replace(
      '<Name>Ana Pérez</Name>',
      'stray text<Name>Ana <b>Pérez</b></Name>',
    );
    const answer = await post(xml);
    expect(answer.status).toBe(400);
    expect(problemsOf(answer)).toEqual([
      { path: 'customer', code: 'mixed_content' },
      { path: 'customer.name', code: 'unexpected_element' },
    ]);
    expect((await eventsOf('WF-2')).map((e) => e.type)).toContain(OrderRejectedV1.detailType);
  });

  it('accepts comments, processing instructions, CRLF line ends and a BOM', async () => {
    const xml = `\uFEFF<?xml version="1.0" encoding="utf-8"?>\r\n<!-- from the ERP -->\r\n${orderXml(
      aPurchaseOrder({ orderId: 'WF-3' }),
    ).replace('<Lines>', '<Lines><?erp line-count="1"?>')}`;
    expect((await post(xml)).status).toBe(202);
  });
});

describe('characters: control, escape, zero-width and invisible characters are refused with the path', () => {
  it.each([
    [
      'customer.name',
      'a zero-width space',
      { customer: { ...aPurchaseOrder().customer, name: 'Ana\u200BPérez' } },
    ],
    [
      'customer.name',
      'a right-to-left override',
      { customer: { ...aPurchaseOrder().customer, name: 'Ana \u202EzereP' } },
    ],
    ['customer.id', 'a BOM inside', { customer: { ...aPurchaseOrder().customer, id: 'C-\uFEFF77' } }],
    ['customer.id', 'a non-breaking space', { customer: { ...aPurchaseOrder().customer, id: 'C\u00A077' } }],
    ['lines[0].sku', 'an escape', { lines: [aLine({ sku: 'SKU\u001b[2J' })] }],
    ['lines[0].sku', 'a C1 control', { lines: [aLine({ sku: 'SKU\u0085X' })] }],
    ['lines[0].description', 'a line separator', { lines: [aLine({ description: 'Pega\u2028mento' })] }],
    ['lines[0].description', 'a word joiner', { lines: [aLine({ description: 'Pega\u2060mento' })] }],
    [
      'customer.email',
      'a zero-width joiner',
      { customer: { ...aPurchaseOrder().customer, email: 'ana\u200D@example.cl' } },
    ],
  ] as const)('%s with %s (JSON)', async (path, _, overrides) => {
    const orderId = `CH-${Math.random().toString(36).slice(2, 8)}`;
    const answer = await postJson({ ...aPurchaseOrder({ orderId }), ...overrides });
    expect(answer.status).toBe(400);
    expect(problemsOf(answer)).toContainEqual({ path, code: 'forbidden_character' });
    // The answer (and so `mtd trace`) names the character; it never prints it.
    const message = answer.body.problems!.find(
      (p) => p.path === path && p.code === 'forbidden_character',
    )!.message;
    expect(message).toMatch(/contains U\+[0-9A-F]{4} \(/);
    expect(message).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u00A0]/u);
  });

  it('refuses the same characters in XML, and a control character in the order id before anything is recorded', async () => {
    const xml = orderXml(aPurchaseOrder({ orderId: 'CH-X1' })).replace('sku="SKU-1"', 'sku="SKU-&#x200B;1"');
    const answer = await post(xml);
    expect(problemsOf(answer)).toEqual([{ path: 'lines[0].sku', code: 'forbidden_character' }]);
    const badId = await postJson(aPurchaseOrder({ orderId: 'PO\u200B7' }));
    expect(badId.status).toBe(400);
    expect(problemsOf(badId)).toEqual([{ path: 'orderId', code: 'forbidden_character' }]);
    expect(await eventsOf('PO\u200B7')).toEqual([]);
  });

  it('names one limit for a quantity far too large, the one that holds', async () => {
    const answer = await postJson(aPurchaseOrder({ orderId: 'CH-Q1', lines: [aLine({ quantity: 1e300 })] }));
    expect(answer.body.problems).toEqual([
      {
        path: 'lines[0].quantity',
        code: 'too_large',
        message: 'lines[0].quantity must be at most 1000000, got 1e+300',
      },
    ]);
  });

  it('says an order id given as a JSON number must be text, rather than blaming its characters', async () => {
    const answer = await postJson({ ...aPurchaseOrder(), orderId: 12345 });
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      {
        path: 'orderId',
        code: 'invalid_type',
        message: 'orderId must be text (in JSON a string like "PO-1001"), got 12345',
      },
    ]);
    expect(await eventsOf('12345')).toEqual([]);
  });

  it('allows line feeds and tabs in the shipping address only', async () => {
    const address = 'Av. Siempre Viva 742\n\tDepto 5, Santiago';
    expect(
      (await postJson(aPurchaseOrder({ orderId: 'CH-A1', shipping: { region: 'RM', address } }))).status,
    ).toBe(202);
    const name = await postJson(
      aPurchaseOrder({ orderId: 'CH-A2', customer: { ...aPurchaseOrder().customer, name: 'Ana\nPérez' } }),
    );
    expect(problemsOf(name)).toEqual([{ path: 'customer.name', code: 'forbidden_character' }]);
  });
});

describe('normalisation: NFC and trimming, the same in XML and JSON', () => {
  it('trims ids in XML and in JSON alike, and both are the same order', async () => {
    const order = aPurchaseOrder({ orderId: 'NO-1' });
    const spaced: LooseOrder = {
      ...order,
      orderId: '  NO-1 ',
      customer: { ...order.customer, id: ' C-77\t' },
      lines: [{ ...order.lines[0]!, sku: ' SKU-1 ' }],
    };
    const xml = await post(orderXml(spaced));
    expect(xml.body).toEqual({ orderId: 'NO-1', status: 'accepted' });
    const json = await postJson(spaced);
    expect(json.body).toEqual({ orderId: 'NO-1', status: 'accepted', duplicate: true });
    expect(await acceptedOrderOf('NO-1')).toEqual(order);
  });

  it('stores text in NFC: a name typed with a combining accent is the same customer', async () => {
    const composed = aPurchaseOrder({ orderId: 'NO-2' });
    const decomposed = { ...composed, customer: { ...composed.customer, name: 'Ana Pe\u0301rez' } };
    expect((await postJson(decomposed)).status).toBe(202);
    expect((await post(orderXml(composed))).body).toMatchObject({ duplicate: true });
    expect((await acceptedOrderOf('NO-2'))?.customer.name).toBe('Ana Pérez');
  });
});

describe('duplicate JSON keys are refused, naming the key', () => {
  it('refuses a field written twice instead of keeping the last one silently', async () => {
    const json = JSON.stringify(aPurchaseOrder({ orderId: 'DK-1' })).replace(
      '"name":"Ana Pérez"',
      '"name":"Ana Pérez","name":"Someone Else"',
    );
    const answer = await post(json, 'application/json');
    expect(answer.status).toBe(400);
    expect(problemsOf(answer)).toEqual([{ path: 'customer.name', code: 'duplicate_key' }]);
    // Without the duplicate it is a new attempt, not a resend of the refused content.
    expect((await postJson(aPurchaseOrder({ orderId: 'DK-1' }))).status).toBe(202);
  });
});

describe('structure: deep nesting and reserved names are refused cleanly, never a 5xx', () => {
  it.each([
    [
      'XML nested 2,000 deep',
      `<PurchaseOrder id="ST-1">${'<a>'.repeat(2_000)}${'</a>'.repeat(2_000)}</PurchaseOrder>`,
      'application/xml',
    ],
    [
      'JSON nested 10,000 deep',
      `{"orderId":"ST-1","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      'application/json',
    ],
  ])('%s: 400 too_deep', async (_, body, type) => {
    const answer = await post(body, type);
    expect(answer.status).toBe(400);
    expect(problemsOf(answer)).toEqual([{ path: '(document)', code: 'too_deep' }]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('an element or key named %s', async (name) => {
    const xml = orderXml(aPurchaseOrder({ orderId: `RN-X-${name}` })).replace(
      '<Lines>',
      `<${name}>1</${name}><Lines>`,
    );
    const fromXml = await post(xml);
    expect(fromXml.status).toBe(400);
    expect(problemsOf(fromXml)).toEqual([{ path: '(document)', code: 'reserved_name' }]);
    const json = JSON.stringify(aPurchaseOrder({ orderId: `RN-J-${name}` })).replace(
      '"customer":{',
      `"customer":{"${name}":{"polluted":true},`,
    );
    const fromJson = await post(json, 'application/json');
    expect(fromJson.status).toBe(400);
    expect(problemsOf(fromJson)).toEqual([{ path: `customer.${name}`, code: 'reserved_name' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers an order with thousands of problems with the first 100 of them, recorded', async () => {
    const lines = Array.from({ length: 400 }, () => ({}));
    const answer = await postJson({ ...aPurchaseOrder({ orderId: 'ST-2' }), lines });
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toHaveLength(100);
    expect(answer.body.problems?.at(-1)).toMatchObject({ code: 'too_many_problems' });
    expect(await eventsOf('ST-2')).toHaveLength(2);
  });

  it('refuses an order too big for one stored item with its size, recording nothing', async () => {
    const small = createIntakeHttpApp({
      store: engine.storeFor(Sources.intake),
      clock,
      ids: ulidGenerator(),
      maxCommitBytes: 8 * 1024,
    });
    const lines = Array.from({ length: 40 }, (_, i) =>
      aLine({ sku: `SKU-${i}`, description: 'd'.repeat(80) }),
    );
    const response = await small.request('/orders', {
      method: 'POST',
      body: JSON.stringify(aPurchaseOrder({ orderId: 'ST-3', lines })),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { bytes: number; limit: number; error: string };
    expect(body.limit).toBe(8 * 1024);
    expect(body.bytes).toBeGreaterThan(8 * 1024);
    expect(body.error).toMatch(/would take \d+ bytes to record, over the limit of 8192 bytes/);
    expect(await eventsOf('ST-3')).toEqual([]);
  });
});

describe('plausibility, against the clock passed in and the allowed skew', () => {
  it('refuses a RUT whose body is 0', async () => {
    const answer = await postJson(
      aPurchaseOrder({ orderId: 'PL-1', customer: { ...aPurchaseOrder().customer, taxId: '0-0' } }),
    );
    expect(problemsOf(answer)).toEqual([{ path: 'customer.taxId', code: 'invalid_rut' }]);
  });

  it('accepts placedAt a little ahead (clock skew), refuses it further ahead', async () => {
    // The clock says 10:00:30; the default skew is 5 minutes.
    const ahead = await postJson(aPurchaseOrder({ orderId: 'PL-2', placedAt: '2026-11-24T10:05:00Z' }));
    expect(ahead.status).toBe(202);
    const future = await postJson(aPurchaseOrder({ orderId: 'PL-3', placedAt: '2026-11-24T10:06:00Z' }));
    expect(problemsOf(future)).toEqual([{ path: 'placedAt', code: 'placed_in_future' }]);
  });

  it('refuses placedAt before 2000 (and in year 0)', async () => {
    for (const [orderId, placedAt] of [
      ['PL-4', '1999-12-31T23:59:59Z'],
      ['PL-5', '0000-01-01T00:00:00Z'],
    ] as const) {
      const answer = await postJson(aPurchaseOrder({ orderId, placedAt }));
      expect(problemsOf(answer)).toEqual([{ path: 'placedAt', code: 'placed_too_early' }]);
    }
  });

  it('refuses a DispatchBy already past when the order arrives', async () => {
    const answer = await postJson(
      aPurchaseOrder({
        orderId: 'PL-6',
        placedAt: '2026-11-20T10:00:00Z',
        dispatchBy: '2026-11-24T09:00:00Z',
      }),
    );
    expect(problemsOf(answer)).toEqual([{ path: 'dispatchBy', code: 'dispatch_already_past' }]);
  });

  it('takes its skew from the configuration', async () => {
    const strict = createIntakeHttpApp({
      store: engine.storeFor(Sources.intake),
      clock,
      ids: ulidGenerator(),
      policy: { clockSkewMs: 0 },
    });
    const response = await strict.request('/orders', {
      method: 'POST',
      body: JSON.stringify(aPurchaseOrder({ orderId: 'PL-7', placedAt: '2026-11-24T10:00:31Z' })),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
  });

  it('accepts an order refused as placed in the future when it is resent once that time has come', async () => {
    const later = aClock();
    const app2 = createIntakeHttpApp({
      store: engine.storeFor(Sources.intake),
      clock: later,
      ids: ulidGenerator(),
    });
    const send = async () =>
      (
        await app2.request('/orders', {
          method: 'POST',
          body: JSON.stringify(aPurchaseOrder({ orderId: 'PL-8', placedAt: '2026-11-24T11:00:00Z' })),
          headers: { 'content-type': 'application/json' },
        })
      ).status;
    expect(await send()).toBe(400);
    later.set('2026-11-24T11:00:05Z');
    expect(await send()).toBe(202);
  });
});

describe('DTE limits (DTE_v10.xsd, SiiTypes_v10.xsd): refused at intake, naming the field and the limit', () => {
  it('normalises the RUT check digit k to K: the same customer, and a resend is not a conflict', async () => {
    const lower = aPurchaseOrder({
      orderId: 'DL-1',
      customer: { ...aPurchaseOrder().customer, taxId: '10000013-k' },
    });
    expect((await postJson(lower)).status).toBe(202);
    const upper = { ...lower, customer: { ...lower.customer, taxId: '10000013-K' } };
    expect((await post(orderXml(upper))).body).toEqual({
      orderId: 'DL-1',
      status: 'accepted',
      duplicate: true,
    });
    expect((await acceptedOrderOf('DL-1'))?.customer.taxId).toBe('10000013-K');
  });

  it.each([
    [
      'customer.name',
      { customer: { ...aPurchaseOrder().customer, name: 'N'.repeat(101) } },
      /at most 100 characters \(the SII's RznSocRecep\), got 101/,
    ],
    [
      'lines[0].sku',
      { lines: [aLine({ sku: 'S'.repeat(36) })] },
      /at most 35 characters .*VlrCodigo.*got 36/,
    ],
    [
      'lines[0].description',
      { lines: [aLine({ description: 'D'.repeat(81) })] },
      /at most 80 characters .*NmbItem.*got 81/,
    ],
    [
      'lines[0].unitPrice',
      { lines: [aLine({ unitPrice: 0 })] },
      /at least 1: the SII refuses a line with a unit price of 0 or less \(PrcItem\), got 0$/,
    ],
    [
      'lines[0].unitPrice',
      { lines: [aLine({ unitPrice: -5 })] }, // the contract's floor is 0: the SII's, 1, is the one said
      /at least 1: the SII refuses a line with a unit price of 0 or less \(PrcItem\), got -5$/,
    ],
    [
      'lines',
      { lines: Array.from({ length: 61 }, (_, i) => aLine({ sku: `SKU-${i}` })) },
      /factura \(DTE 33\), which holds at most 60 lines; got 61/,
    ],
    [
      'shipping.address',
      { shipping: { region: 'RM', address: 'A'.repeat(71) } },
      /at most 70 characters \(the SII's DirRecep of a factura\), got 71/,
    ],
  ] as const)('%s', async (path, overrides, message) => {
    const orderId = `DL-${path.replace(/[^a-z0-9]/gi, '')}`;
    const answer = await postJson({ ...aPurchaseOrder({ orderId }), ...overrides });
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      expect.objectContaining({ path, message: expect.stringMatching(message) }),
    ]);
  });

  it('lets a boleta (no tax id) hold more than 60 lines, and counts characters, not bytes', async () => {
    const { taxId: _, ...consumer } = aPurchaseOrder().customer;
    const lines = Array.from({ length: 61 }, (_, i) => aLine({ sku: `SKU-${i}` }));
    expect((await postJson(aPurchaseOrder({ orderId: 'DL-B1', customer: consumer, lines }))).status).toBe(
      202,
    );
    const accented = aPurchaseOrder({ orderId: 'DL-B2', lines: [aLine({ description: 'é'.repeat(80) })] });
    expect((await postJson(accented)).status).toBe(202);
    // A boleta prints the address only when it fits: a long one is no reason to refuse the order.
    const far = aPurchaseOrder({
      orderId: 'DL-B3',
      customer: consumer,
      shipping: { region: 'RM', address: 'A'.repeat(200) },
    });
    expect((await postJson(far)).status).toBe(202);
  });
});

describe('limits before parsing', () => {
  it('answers 415 for another content type or a compressed body without reading it', async () => {
    let pulled = false;
    const body = new ReadableStream(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const response = await app.request('/orders', {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(415);
    expect(pulled).toBe(false);
    const gzip = await app.request('/orders', {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(gzip.status).toBe(415);
  });

  it('answers 408 to a body that does not arrive in time', async () => {
    const slow = createIntakeHttpApp(
      { store: engine.storeFor(Sources.intake), clock, ids: ulidGenerator() },
      { bodyTimeoutMs: 50 },
    );
    const stalled = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('<PurchaseOrder id="SL-1">'));
      },
    });
    const response = await slow.request('/orders', {
      method: 'POST',
      body: stalled,
      headers: { 'content-type': 'application/xml' },
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(408);
    expect(response.headers.get('connection')).toBe('close');
  });
});

describe('raw order fidelity', () => {
  it('keeps the bytes received, CDATA included, and reads the description as the CDATA text', async () => {
    const xml = orderXml(aPurchaseOrder({ orderId: 'RAW-1' })).replace(
      '<Description>Tijeras</Description>',
      '<Description><![CDATA[Tijeras <acero> & "punta" &amp; más]]></Description>',
    );
    expect((await post(xml)).status).toBe(202);
    const [received] = await eventsOf('RAW-1');
    expect(received?.data).toMatchObject({ raw: xml });
    expect((await acceptedOrderOf('RAW-1'))?.lines[0]?.description).toBe(
      'Tijeras <acero> & "punta" &amp; más',
    );
  });
});
