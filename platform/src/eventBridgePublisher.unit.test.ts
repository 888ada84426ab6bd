import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { type EventOf, OrderRejectedV1, Sources } from '@mtd/contracts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Clock, ulidGenerator } from './clock';
import { EventTooLargeError } from './errors';
import {
  createEventBridgePublisher,
  PublishFailedError,
  putEventsEntrySize,
  putEventsMaxBytes,
  toPutEventsEntry,
} from './eventBridgePublisher';

const eventBridge = mockClient(EventBridgeClient);
const clock: Clock = { now: () => new Date('2026-11-24T10:00:00.000Z') };
const ids = ulidGenerator(clock);
const busName = 'mtd-bus';

/** An OrderRejected event; `message` pads it to a chosen size. */
function anOrderRejected(n: number, message = 'quantity must be at least 1'): EventOf<'OrderRejected'> {
  const orderId = `PO-${1000 + n}`;
  return {
    type: OrderRejectedV1.detailType,
    metadata: {
      eventId: ids.next(),
      eventType: OrderRejectedV1.detailType,
      eventVersion: OrderRejectedV1.version,
      streamId: `order-${orderId}`,
      streamVersion: 2,
      occurredAt: '2026-11-24T10:00:01.123Z',
      correlationId: orderId,
      causationId: 'req-1',
      producer: Sources.intake,
      actor: 'system',
    },
    data: {
      orderId,
      rejectedAt: '2026-11-24T10:00:01.123Z',
      reasons: [{ path: 'lines[0].quantity', code: 'too_small', message }],
    },
  };
}
const events = (count: number, message?: string) =>
  Array.from({ length: count }, (_, i) => anOrderRejected(i, message));

/** An event whose PutEvents entry is exactly `bytes` long (ASCII padding: one byte per char). */
function anEventOfSize(n: number, bytes: number) {
  const base = putEventsEntrySize(toPutEventsEntry(anOrderRejected(n, ''), busName));
  return anOrderRejected(n, 'x'.repeat(bytes - base));
}

const accepted = (input: PutEventsCommandInput): PutEventsCommandOutput => ({
  $metadata: {},
  FailedEntryCount: 0,
  Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `eb-${i}` })),
});
/** A response where the entries at `failed` positions fail with their code. */
const partly =
  (failed: Record<number, string>) =>
  (input: PutEventsCommandInput): PutEventsCommandOutput => {
    const entries: PutEventsResultEntry[] = (input.Entries ?? []).map((_, i) => {
      const code = failed[i];
      return code ? { ErrorCode: code, ErrorMessage: `${code} for entry ${i}` } : { EventId: `eb-${i}` };
    });
    return { $metadata: {}, FailedEntryCount: entries.filter((e) => e.ErrorCode).length, Entries: entries };
  };
/** A response where the entries of the `failing` events fail with `code`, wherever they sit. */
const failingEvents =
  (failing: string[], code: string) =>
  (input: PutEventsCommandInput): PutEventsCommandOutput => {
    const positions = sentIds(input.Entries ?? []).flatMap((id, i) => (failing.includes(id) ? [i] : []));
    return partly(Object.fromEntries(positions.map((i) => [i, code])))(input);
  };
const sentBatches = () =>
  eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
const sentIds = (entries: { Detail?: string }[]) =>
  entries.map((e) => (JSON.parse(e.Detail!) as { metadata: { eventId: string } }).metadata.eventId);

function publisher(options: { maxAttempts?: number } = {}) {
  const delays: number[] = [];
  const instance = createEventBridgePublisher({
    client: new EventBridgeClient({}),
    eventBusName: busName,
    backoff: { baseMs: 100, maxMs: 5000 },
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  return { publish: instance.publish, delays };
}

describe('putEventsEntrySize', () => {
  it('counts Time as 14 bytes and Source, DetailType, Detail and Resources as UTF-8 bytes', () => {
    expect(
      putEventsEntrySize({
        Time: new Date(),
        Source: 'ab',
        DetailType: 'c',
        Detail: '"ñ"',
        Resources: ['r1', 'é'],
        EventBusName: 'not-counted',
      }),
    ).toBe(14 + 2 + 1 + 4 + 2 + 2);
    expect(putEventsEntrySize({ Source: 'ab', DetailType: 'c' })).toBe(3);
  });
});

describe('EventBridge publisher', () => {
  beforeEach(() => eventBridge.reset());

  it('sends 25 events as PutEvents calls of 10, 10 and 5 entries, each shaped from the event', async () => {
    eventBridge.on(PutEventsCommand).callsFake(accepted);
    const batch = events(25);

    const result = await publisher().publish(batch);

    expect(result).toEqual({ published: 25, attempts: 3 });
    const sent = sentBatches();
    expect(sent.map((entries) => entries.length)).toEqual([10, 10, 5]);
    expect(sent.flat()).toEqual(
      batch.map((event) => ({
        Source: 'mtd.intake',
        DetailType: 'OrderRejected',
        Detail: JSON.stringify({ metadata: event.metadata, data: event.data }),
        Time: new Date('2026-11-24T10:00:01.123Z'),
        EventBusName: busName,
      })),
    );
  });

  it('sends nothing for no events', async () => {
    await expect(publisher().publish([])).resolves.toEqual({ published: 0, attempts: 0 });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('retries only the entry that failed, after a jittered backoff', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(partly({ 2: 'ThrottlingException' }))
      .callsFake(accepted);
    const batch = events(10);

    const { publish, delays } = publisher();
    const result = await publish(batch);

    expect(result).toEqual({ published: 10, attempts: 2 });
    const [first, second] = sentBatches();
    expect(first).toHaveLength(10);
    expect(second).toEqual([toPutEventsEntry(batch[2]!, busName)]);
    // Full jitter before attempt 2: random (0.5) × baseMs.
    expect(delays).toEqual([50]);
  });

  it('throws PublishFailedError with every failed id and its error code after maxAttempts', async () => {
    const batch = events(3);
    eventBridge
      .on(PutEventsCommand)
      .callsFake(failingEvents([batch[1]!.metadata.eventId], 'InternalFailure'));

    const { publish, delays } = publisher({ maxAttempts: 3 });
    const error = await publish(batch).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PublishFailedError);
    const failed = error as PublishFailedError;
    expect(failed.failures).toEqual([
      {
        eventId: batch[1]!.metadata.eventId,
        eventType: 'OrderRejected',
        errorCode: 'InternalFailure',
        errorMessage: 'InternalFailure for entry 0', // as the last attempt reported it
      },
    ]);
    expect(failed.attempts).toBe(3);
    expect(failed.published).toBe(2);
    expect(failed.message).toContain(batch[1]!.metadata.eventId);
    expect(sentBatches().map(sentIds)).toEqual([
      batch.map((e) => e.metadata.eventId),
      [batch[1]!.metadata.eventId],
      [batch[1]!.metadata.eventId],
    ]);
    expect(delays).toEqual([50, 100]);
  });

  it('gives up at once on an entry error EventBridge documents as permanent, still retrying the others', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(partly({ 0: 'MalformedDetail', 1: 'ThrottlingException' }))
      .callsFake(accepted);
    const batch = events(3);

    const error = (await publisher()
      .publish(batch)
      .catch((e: unknown) => e)) as PublishFailedError;

    expect(error).toBeInstanceOf(PublishFailedError);
    expect(error.failures.map((f) => [f.eventId, f.errorCode])).toEqual([
      [batch[0]!.metadata.eventId, 'MalformedDetail'],
    ]);
    expect(sentBatches().map(sentIds)).toEqual([
      batch.map((e) => e.metadata.eventId),
      [batch[1]!.metadata.eventId],
    ]);
    expect(error.published).toBe(2);
  });

  it('resends every entry when PutEvents reports failures it does not attribute to an entry', async () => {
    eventBridge.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1, Entries: [] }).callsFake(accepted);
    const batch = events(3);

    await expect(publisher().publish(batch)).resolves.toEqual({ published: 3, attempts: 2 });
    const [first, second] = sentBatches();
    expect(second).toEqual(first);
  });

  it('retries the whole batch when the request is throttled', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge.on(PutEventsCommand).rejectsOnce(throttled).callsFake(accepted);
    const batch = events(4);

    const result = await publisher().publish(batch);

    expect(result).toEqual({ published: 4, attempts: 2 });
    const [first, second] = sentBatches();
    expect(second).toEqual(first);
  });

  it('retries a 5xx and stops at once on a client error, keeping it as the cause', async () => {
    const unavailable = Object.assign(new Error('oops'), {
      name: 'Whatever',
      $metadata: { httpStatusCode: 503 },
    });
    const denied = Object.assign(new Error('not allowed'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge.on(PutEventsCommand).rejectsOnce(unavailable).rejects(denied);
    const batch = events(2);

    const error = (await publisher()
      .publish(batch)
      .catch((e: unknown) => e)) as PublishFailedError;

    expect(error).toBeInstanceOf(PublishFailedError);
    expect(error.cause).toBe(denied);
    expect(error.attempts).toBe(2);
    expect(error.failures.map((f) => [f.eventId, f.errorCode, f.errorMessage])).toEqual(
      batch.map((e) => [e.metadata.eventId, 'AccessDeniedException', 'not allowed']),
    );
  });

  it('stops at the first batch that fails and names the events it never sent', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(accepted)
      .callsFake(partly({ 9: 'InternalFailure' }));
    const batch = events(25);

    const error = (await publisher({ maxAttempts: 1 })
      .publish(batch)
      .catch((e: unknown) => e)) as PublishFailedError;

    expect(error.failures.map((f) => f.eventId)).toEqual([batch[19]!.metadata.eventId]);
    expect(error.published).toBe(19);
    expect(error.unsentEventIds).toEqual(batch.slice(20).map((e) => e.metadata.eventId));
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('refuses an event over 256 KB before sending anything, naming its id, type and size', async () => {
    eventBridge.on(PutEventsCommand).callsFake(accepted);
    const batch = events(5);
    batch[3] = anOrderRejected(3, 'x'.repeat(300 * 1024));
    const size = putEventsEntrySize(toPutEventsEntry(batch[3], busName));

    const error = await publisher()
      .publish(batch)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventTooLargeError);
    expect((error as EventTooLargeError).bytes).toBe(size);
    expect((error as Error).message).toContain(batch[3].metadata.eventId);
    expect((error as Error).message).toContain('OrderRejected');
    expect((error as Error).message).toContain(String(size));
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('accepts an entry of exactly 256 KB and refuses one a byte larger', async () => {
    eventBridge.on(PutEventsCommand).callsFake(accepted);
    const exact = anEventOfSize(1, putEventsMaxBytes);
    expect(putEventsEntrySize(toPutEventsEntry(exact, busName))).toBe(putEventsMaxBytes);

    await expect(publisher().publish([exact])).resolves.toEqual({ published: 1, attempts: 1 });
    await expect(publisher().publish([anEventOfSize(2, putEventsMaxBytes + 1)])).rejects.toBeInstanceOf(
      EventTooLargeError,
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('packs requests so the entries of one request total at most 256 KB', async () => {
    eventBridge.on(PutEventsCommand).callsFake(accepted);
    const batch = Array.from({ length: 10 }, (_, i) => anEventOfSize(i, 40 * 1024));

    const result = await publisher().publish(batch);

    expect(result).toEqual({ published: 10, attempts: 2 });
    const sent = sentBatches();
    // 6 × 40 KB = 240 KB fits; a 7th would be 280 KB.
    expect(sent.map((entries) => entries.length)).toEqual([6, 4]);
    for (const entries of sent) {
      expect(entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0)).toBeLessThanOrEqual(
        putEventsMaxBytes,
      );
    }
    expect(sent.flatMap(sentIds)).toEqual(batch.map((e) => e.metadata.eventId));
  });
});
