import { z } from 'zod';

/** Every MTD event source. The source is the producing service; EventBridge rules match on it. */
export const Sources = {
  intake: 'mtd.intake',
  dte: 'mtd.dte',
  notification: 'mtd.notification',
  backoffice: 'mtd.backoffice',
  projection: 'mtd.projection',
} as const;
export type Source = (typeof Sources)[keyof typeof Sources];

const ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');

/** Envelope metadata (DESIGN §2). `eventVersion` lives here so rules keep matching across versions. */
export const EventMetadata = z.object({
  eventId: ulid,
  eventType: z.string().min(1),
  eventVersion: z.number().int().positive(),
  streamId: z.string().min(1),
  streamVersion: z.number().int().positive(),
  occurredAt: z.iso.datetime(),
  correlationId: z.string().min(1),
  /** The event (or request/file id) this event reacted to; the key of idempotency by causation. */
  causationId: z.string().min(1),
  producer: z.string().min(1),
  /** `system`, `partner:<channel>` or `user:<name>`. */
  actor: z.string().min(1),
});
export type EventMetadata = z.infer<typeof EventMetadata>;

/** One published version of one event: the single place its name, source and schema are written. */
export interface EventDefinition<
  T extends string = string,
  V extends number = number,
  D extends z.ZodType = z.ZodType,
> {
  readonly detailType: T;
  readonly version: V;
  readonly source: Source;
  readonly description: string;
  readonly data: D;
  /** A valid `data`: documentation, the AsyncAPI example, and the compatibility gate's sample. */
  readonly example: z.input<D>;
  /** The whole EventBridge `detail`: metadata + data. */
  readonly detail: z.ZodObject<{ metadata: z.ZodType<EventMetadata>; data: D }>;
}

export function defineEvent<const T extends string, const V extends number, D extends z.ZodType>(definition: {
  detailType: T;
  version: V;
  source: Source;
  description: string;
  data: D;
  example: z.input<D>;
}): EventDefinition<T, V, D> {
  const metadata = EventMetadata.extend({
    eventType: z.literal(definition.detailType),
    eventVersion: z.literal(definition.version),
    producer: z.literal(definition.source),
  });
  return { ...definition, detail: z.object({ metadata, data: definition.data }) } as EventDefinition<T, V, D>;
}

/** Money: integer minor units. CLP has no minor unit, so these are whole pesos. Never floats. */
export const Money = z.number().int().nonnegative();
export const Timestamp = z.iso.datetime();
