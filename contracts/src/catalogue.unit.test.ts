import { describe, expect, it } from 'vitest';
import { EventValidationError, eventDefinitions, parseEvent } from './catalogue';
import { Sources } from './envelope';
import { streamPrefixesBySource } from './streams';
import { subscriptions } from './subscriptions';

const metadata = {
  eventId: '01JDQ2Z3M4N5P6Q7R8S9T0V1W2',
  eventType: 'DteBroadcast',
  eventVersion: 1,
  streamId: 'dte-PO-1001',
  streamVersion: 2,
  occurredAt: '2026-11-24T10:00:01.123Z',
  correlationId: 'PO-1001',
  causationId: '01JDQ2Z3M4N5P6Q7R8S9T0V1W1',
  producer: 'mtd.dte',
  actor: 'system',
};
const data = {
  orderId: 'PO-1001',
  dteType: 39,
  folio: 4711,
  broadcastAt: '2026-11-24T10:00:02.000Z',
  attempt: 1,
  trackId: 'T-1',
};

describe('the event catalogue', () => {
  it('has one definition per event name and version, each with a known source', () => {
    const keys = eventDefinitions.map((d) => `${d.detailType}@${d.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const d of eventDefinitions) {
      expect(Object.values(Sources)).toContain(d.source);
      expect(d.detailType).toMatch(/^[A-Z][A-Za-z]+$/);
    }
  });

  it('parses a valid detail into the event handlers see, upcast to the newest version', () => {
    const event = parseEvent({ metadata, data });
    expect(event.type).toBe('DteBroadcast');
    // A v1 DteBroadcast recorded the tax authority's acceptance (DteBroadcast.v1-to-v2.ts).
    expect(event.data).toEqual({ ...data, status: 'accepted', objections: [] });
    expect(event.metadata.eventVersion).toBe(2);
  });

  it('names the event, version and every bad field of an invalid detail', () => {
    const bad = { metadata, data: { ...data, folio: -1, trackId: undefined } };
    expect(() => parseEvent(bad)).toThrow(EventValidationError);
    expect(() => parseEvent(bad)).toThrow(/DteBroadcast v1 is invalid: data\.folio: .*; data\.trackId/);
  });

  it('refuses an event of an unknown type or version, and one claiming a foreign producer', () => {
    expect(() => parseEvent({ metadata: { ...metadata, eventVersion: 9 }, data })).toThrow(
      /no registered event DteBroadcast v9/,
    );
    expect(() => parseEvent({ metadata: { ...metadata, producer: 'mtd.intake' }, data })).toThrow(
      /metadata\.producer/,
    );
  });

  it('keeps money in integer pesos', () => {
    expect(() =>
      parseEvent({ metadata: { ...metadata, eventType: 'DteBroadcast' }, data: { ...data, folio: 1.5 } }),
    ).toThrow();
  });
});

describe('subscriptions', () => {
  it('have unique names and match only sources that exist', () => {
    const names = subscriptions.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const sources = Object.values(Sources) as string[];
    for (const s of subscriptions) {
      const pattern = JSON.stringify(s.pattern);
      for (const [, source] of pattern.matchAll(/"source":\["([^"]+)"/g)) expect(sources).toContain(source);
    }
  });

  it('give every producer its own stream prefixes and no prefix to two producers', () => {
    const prefixes = Object.values(streamPrefixesBySource).flat();
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});
