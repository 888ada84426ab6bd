import { type EventMetadata, eventDefinitions } from '@mtd/contracts';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  commitmentOf,
  hmacLedgerSalts,
  ledgerLeafHash,
  ledgerLeafOf,
  personalFields,
  type StoredEvent,
} from './ledgerLeaf';
import { leafHash } from './merkle';

const salts = hmacLedgerSalts(Buffer.alloc(32, 7));

function metadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    eventId: '01JDQ2Z3M4N5P6Q7R8S9T0V1W2',
    eventType: 'OrderAccepted',
    eventVersion: 1,
    streamId: 'order-PO-1',
    streamVersion: 2,
    occurredAt: '2026-11-24T10:00:00.000Z',
    correlationId: 'PO-1',
    causationId: 'req-1',
    producer: 'mtd.intake',
    actor: 'system',
    ...overrides,
  };
}

function anAcceptedOrder(): StoredEvent {
  return {
    metadata: metadata(),
    data: {
      orderId: 'PO-1',
      acceptedAt: '2026-11-24T10:00:00.000Z',
      order: {
        orderId: 'PO-1',
        channel: 'web',
        placedAt: '2026-11-24T10:00:00.000Z',
        currency: 'CLP',
        customer: { id: 'C-1', taxId: '76123456-0', name: 'Ana Pérez', email: 'ana@example.cl' },
        lines: [{ sku: 'SKU-1', description: 'Tijeras', quantity: 2, unitPrice: 9990 }],
        shipping: { region: 'RM', address: 'Av. Siempre Viva 742, Santiago' },
        dispatchBy: '2026-11-25T18:00:00.000Z',
      },
    },
  };
}

/** What an erasure would store: each personal value replaced by the commitment the leaf holds. */
function erased(event: StoredEvent): StoredEvent {
  const copy = structuredClone(event);
  for (const field of ledgerLeafOf(event, salts).personal) {
    const tokens = field.pointer.slice(1).split('/');
    let node = copy as unknown as Record<string, unknown>;
    for (const token of tokens.slice(0, -1)) node = node[token] as Record<string, unknown>;
    node[tokens.at(-1)!] = { $commitment: field.commitment };
  }
  return copy;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth, writes no whitespace and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'é' }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":"é","z":null}]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});

describe('the ledger leaf', () => {
  it('is the RFC 9162 leaf hash of { leaf: 1, metadata, data } in canonical JSON', () => {
    const event: StoredEvent = {
      metadata: metadata({ eventType: 'DteBroadcast' }),
      data: { orderId: 'PO-1' },
    };
    const leaf = ledgerLeafOf(event, salts);
    expect(leaf.preimage).toBe(
      `{"data":{"orderId":"PO-1"},"leaf":1,"metadata":${canonicalJson(event.metadata)}}`,
    );
    expect(leaf.hash.equals(leafHash(Buffer.from(leaf.preimage)))).toBe(true);
    expect(leaf.personal).toEqual([]);
  });

  it('commits to every metadata field and the body: changing any one changes the leaf', () => {
    const event = anAcceptedOrder();
    const base = ledgerLeafHash(event, salts);
    const changes: ((e: StoredEvent) => void)[] = [
      (e) => (e.metadata.streamId = 'order-PO-2'),
      (e) => (e.metadata.streamVersion = 3),
      (e) => (e.metadata.eventId = '01JDQ2Z3M4N5P6Q7R8S9T0V1W3'),
      (e) => (e.metadata.eventType = 'OrderRejected'),
      (e) => (e.metadata.eventVersion = 2),
      (e) => (e.metadata.actor = 'user:mallory'),
      (e) => (e.metadata.occurredAt = '2026-11-24T10:00:00.001Z'),
      (e) => ((e.data as { order: { lines: { quantity: number }[] } }).order.lines[0]!.quantity = 3),
      (e) => ((e.data as { order: { customer: { email: string } } }).order.customer.email = 'eve@example.cl'),
      (e) => ((e.data as { order: { customer: { id: string } } }).order.customer.id = 'C-2'),
    ];
    for (const change of changes) {
      const copy = structuredClone(event);
      change(copy);
      expect(ledgerLeafHash(copy, salts).equals(base)).toBe(false);
    }
  });

  it('holds personal fields only as salted commitments', () => {
    const event = anAcceptedOrder();
    const leaf = ledgerLeafOf(event, salts);
    for (const secret of ['Ana Pérez', 'ana@example.cl', '76123456-0', 'Av. Siempre Viva']) {
      expect(leaf.preimage).not.toContain(secret);
    }
    expect(leaf.preimage).toContain('"id":"C-1"');
    expect(leaf.personal.map((p) => p.pointer)).toEqual([
      '/data/order/customer/taxId',
      '/data/order/customer/name',
      '/data/order/customer/email',
      '/data/order/shipping/address',
    ]);
    const email = leaf.personal.find((p) => p.pointer.endsWith('/email'))!;
    expect(email.commitment).toBe(commitmentOf(email.salt!, 'ana@example.cl'));
    // The salt is per event: the same address in another event commits differently.
    const other = { ...event, metadata: metadata({ eventId: '01JDQ2Z3M4N5P6Q7R8S9T0V1W9' }) };
    const otherEmail = ledgerLeafOf(other, salts).personal.find((p) => p.pointer.endsWith('/email'))!;
    expect(otherEmail.commitment).not.toBe(email.commitment);
    // And the secret matters: without it the commitment cannot be recomputed from a guess.
    const guessed = ledgerLeafOf(event, hmacLedgerSalts(Buffer.alloc(32, 8))).personal.find((p) =>
      p.pointer.endsWith('/email'),
    )!;
    expect(guessed.commitment).not.toBe(email.commitment);
  });

  it('is the same leaf after an erasure replaces the personal values by their commitments', () => {
    const event = anAcceptedOrder();
    const after = erased(event);
    expect(JSON.stringify(after)).not.toContain('ana@example.cl');
    expect(ledgerLeafHash(after, salts).equals(ledgerLeafHash(event, salts))).toBe(true);
    // Even without the salt secret: an erased event's leaf needs no salt.
    expect(
      ledgerLeafHash(after, hmacLedgerSalts(Buffer.alloc(32, 9))).equals(ledgerLeafHash(event, salts)),
    ).toBe(true);
  });

  it('commits to each element an array pattern names (rejection messages quote values)', () => {
    const event: StoredEvent = {
      metadata: metadata({ eventType: 'OrderRejected' }),
      data: {
        orderId: 'PO-1',
        rejectedAt: '2026-11-24T10:00:00.000Z',
        reasons: [
          { path: 'customer.email', code: 'invalid_format', message: 'must be an email, got ana@' },
          { path: 'lines', code: 'too_small', message: 'no lines' },
        ],
      },
    };
    const leaf = ledgerLeafOf(event, salts);
    expect(leaf.personal.map((p) => p.pointer)).toEqual([
      '/data/reasons/0/message',
      '/data/reasons/1/message',
    ]);
    expect(leaf.preimage).not.toContain('ana@');
    expect(leaf.preimage).toContain('"path":"customer.email"');
  });

  it('leaves an absent optional personal field absent, and never changes the event it is given', () => {
    const event = anAcceptedOrder();
    delete (event.data as { order: { customer: { taxId?: string } } }).order.customer.taxId;
    const before = structuredClone(event);
    const leaf = ledgerLeafOf(event, salts);
    expect(leaf.personal.map((p) => p.pointer)).not.toContain('/data/order/customer/taxId');
    expect(event).toEqual(before);
  });
});

describe('the personal-field registry', () => {
  it('has an entry for every published event version, so a new one must decide', () => {
    const missing = eventDefinitions
      .map((d) => `${d.detailType}@${d.version}`)
      .filter((key) => !personalFields.has(key));
    expect(
      missing,
      'a new event version needs its entry in personalFields (platform/src/ledger/ledgerLeaf.ts), [] if it carries no personal data',
    ).toEqual([]);
  });

  it('is frozen: changing a published version entry would change its stored leaves', () => {
    expect(Object.fromEntries(personalFields)).toEqual({
      'OrderReceived@1': ['/data/raw'],
      'OrderReceived@2': ['/data/raw'],
      'OrderAccepted@1': [
        '/data/order/customer/taxId',
        '/data/order/customer/name',
        '/data/order/customer/email',
        '/data/order/shipping/address',
      ],
      'OrderRejected@1': ['/data/reasons/*/message'],
      'DteIssued@1': ['/data/customer/taxId', '/data/customer/name', '/data/customer/email', '/data/xml'],
      'DteIssued@2': [
        '/data/customer/taxId',
        '/data/customer/name',
        '/data/customer/email',
        '/data/xml',
        '/data/ted',
      ],
      'DteIssuanceFailed@1': [],
      'DteBroadcast@1': [],
      'DteBroadcastFailed@1': [],
      'DteBroadcast@2': ['/data/objections/*'],
      'DteBroadcastFailed@2': ['/data/error', '/data/rejection/reasons/*'],
      'CustomerNotified@1': ['/data/to'],
      'CustomerNotificationFailed@1': ['/data/to', '/data/error'],
      'ExceptionRetryRequested@1': ['/data/comment'],
      'OrderAtRisk@1': [],
    });
  });
});
