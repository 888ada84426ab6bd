import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type EventDefinition,
  type EventPattern,
  eventDefinitions,
  latestEventDefinitions,
  type MtdEvent,
  type Source,
  Sources,
  type Subscription,
  streamPrefixesBySource,
  subscriptions,
} from '@mtd/contracts';
import { encodeTime } from 'ulid';
import { z } from 'zod';
import { toEventBridgeEvent } from './eventBridgeEvent';
import { matchesPattern } from './eventPattern';

/**
 * Generates the catalogue docs (contracts/docs/asyncapi.json and catalogue.md) from the contract
 * files, so docs never drift from code (STYLE "Contracts"). Output is deterministic: it only changes
 * when the catalogue or the subscriptions do, and a test compares the committed files with it.
 */

/** What the docs are generated from; every field defaults to the real catalogue. */
export interface CatalogueSources {
  /** Every published version of every event. */
  definitions: readonly EventDefinition[];
  /** The version producers write today, one per event; also the order events are listed in. */
  latestDefinitions: readonly EventDefinition[];
  subscriptions: readonly Subscription[];
  streamPrefixesBySource: Readonly<Record<Source, readonly string[]>>;
}

export type AsyncApiJsonSchema = { [keyword: string]: unknown };

export interface AsyncApiMessageExample {
  name: string;
  summary: string;
  /** The EventBridge envelope fields rules match on. */
  headers: { source: string; 'detail-type': string };
  /** The EventBridge `detail`. */
  payload: { metadata: MtdEvent['metadata']; data: unknown };
}

export interface AsyncApiConsumerRef {
  subscription: string;
  service: string;
}

export interface AsyncApiMessage {
  name: string;
  title: string;
  summary: string;
  contentType: 'application/json';
  deprecated?: true;
  headers: AsyncApiJsonSchema;
  payload: { schemaFormat: typeof draft04SchemaFormat; schema: AsyncApiJsonSchema };
  examples: AsyncApiMessageExample[];
  'x-mtd-event-version': number;
  'x-mtd-latest': boolean;
  'x-mtd-producer': Source;
  'x-mtd-consumers': AsyncApiConsumerRef[];
}

export interface AsyncApiChannel {
  address: string;
  title: string;
  description: string;
  messages: Record<string, { $ref: string }>;
  'x-mtd-producer': Source;
  'x-mtd-stream-prefixes': string[];
  'x-mtd-latest-version': number;
  'x-mtd-consumers': (AsyncApiConsumerRef & { versions: number[] })[];
}

export interface AsyncApiOperation {
  action: 'send' | 'receive';
  channel: { $ref: string };
  messages: { $ref: string }[];
  title: string;
  summary: string;
  description: string;
  'x-mtd-producer'?: Source;
  'x-mtd-subscription'?: string;
  'x-mtd-service'?: string;
  'x-mtd-effects'?: Subscription['effects'];
  'x-mtd-pattern'?: EventPattern;
}

/** The AsyncAPI 3.0.0 document of the MTD bus, as {@link buildAsyncApi} writes it. */
export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string };
  defaultContentType: 'application/json';
  servers: Record<string, AsyncApiJsonSchema>;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
  components: { messages: Record<string, AsyncApiMessage> };
}

/** The docs contradict the catalogue (or each other); generating them would publish a lie. */
export class CatalogueDocsError extends Error {
  override readonly name = 'CatalogueDocsError';
}

/** Multi Format Schema `schemaFormat` of the payloads: the format the EventBridge Schema Registry takes. */
export const draft04SchemaFormat = 'application/schema+json;version=draft-04';

/** Where the generated docs are committed: contracts/docs, next to the contract files. */
export const catalogueDocsDirectory = fileURLToPath(new URL('../../contracts/docs/', import.meta.url));

export const catalogueDocFileNames = ['asyncapi.json', 'catalogue.md'] as const;
export type CatalogueDocFileName = (typeof catalogueDocFileNames)[number];

const defaultSources: CatalogueSources = {
  definitions: eventDefinitions,
  latestDefinitions: latestEventDefinitions,
  subscriptions,
  streamPrefixesBySource,
};

/**
 * Builds the AsyncAPI 3.0.0 document of the MTD bus: one channel per `detail-type`, one message per
 * published version (payload = the draft-04 JSON Schema of the `detail`), one `send` operation per
 * event and one `receive` operation per (subscription, event) it consumes.
 *
 * Consumers are computed, not declared: a subscription consumes a version when its EventBridge
 * pattern matches that version's example, with the same matcher the local runtime uses. So a pattern
 * filtering on `detail` lists the event only if its example passes the filter.
 *
 * @example
 * const doc = buildAsyncApi({ subscriptions: [...subscriptions, newSubscription] });
 */
export function buildAsyncApi(overrides: Partial<CatalogueSources> = {}): AsyncApiDocument {
  const sources: CatalogueSources = { ...defaultSources, ...overrides };
  const channels: Record<string, AsyncApiChannel> = {};
  const operations: Record<string, AsyncApiOperation> = {};
  const messages: Record<string, AsyncApiMessage> = {};
  const consumedBy = new Map<string, number>(sources.subscriptions.map((s) => [s.name, 0]));

  for (const latest of sources.latestDefinitions) {
    const { detailType, source } = latest;
    const versions = sources.definitions
      .filter((d) => d.detailType === detailType)
      .sort((a, b) => a.version - b.version);
    if (versions.at(-1) !== latest) {
      throw new CatalogueDocsError(
        `${detailType} v${latest.version} is listed as latest but the definitions hold ${versions
          .map((d) => `v${d.version}`)
          .join(', ')}`,
      );
    }
    const otherProducer = versions.find((d) => d.source !== source);
    if (otherProducer) {
      // One producer per event: the stream owner (DESIGN §2). The channel's producer must be one service.
      throw new CatalogueDocsError(
        `${detailType} v${otherProducer.version} is produced by ${otherProducer.source}, v${latest.version} by ${source}`,
      );
    }
    const prefixes = [...sources.streamPrefixesBySource[source]];
    const channelRef = `#/channels/${pointerEscape(detailType)}`;
    const channelConsumers = new Map<string, AsyncApiConsumerRef & { versions: number[] }>();
    const channelMessages: Record<string, { $ref: string }> = {};
    const receives = new Map<Subscription, string[]>();

    for (const definition of versions) {
      const key = messageKey(definition);
      const example = exampleEvent(definition, prefixes);
      const event = toEventBridgeEvent(example.event);
      const consumers = sources.subscriptions.filter((s) => matchesPattern(s.pattern, event));
      for (const subscription of consumers) {
        consumedBy.set(subscription.name, (consumedBy.get(subscription.name) ?? 0) + 1);
        const consumer = channelConsumers.get(subscription.name) ?? {
          subscription: subscription.name,
          service: subscription.service,
          versions: [],
        };
        consumer.versions.push(definition.version);
        channelConsumers.set(subscription.name, consumer);
        receives.set(subscription, [...(receives.get(subscription) ?? []), key]);
      }
      messages[key] = {
        name: key,
        title: `${detailType} v${definition.version}`,
        summary: definition.description,
        contentType: 'application/json',
        ...(definition === latest ? {} : { deprecated: true as const }),
        headers: envelopeHeadersSchema(definition),
        payload: {
          schemaFormat: draft04SchemaFormat,
          schema: z.toJSONSchema(definition.detail, { target: 'draft-04' }) as AsyncApiJsonSchema,
        },
        examples: [
          {
            name: `${key}.example`,
            summary: `The example of ${detailType} v${definition.version} from its contract file.`,
            headers: { source: definition.source, 'detail-type': detailType },
            payload: example.detail,
          },
        ],
        'x-mtd-event-version': definition.version,
        'x-mtd-latest': definition === latest,
        'x-mtd-producer': definition.source,
        'x-mtd-consumers': consumers.map((s) => ({ subscription: s.name, service: s.service })),
      };
      channelMessages[key] = { $ref: `#/components/messages/${pointerEscape(key)}` };
    }

    channels[detailType] = {
      address: detailType,
      title: detailType,
      description: `${latest.description} EventBridge rules select it by \`source\` = \`${source}\` and \`detail-type\` = \`${detailType}\`; the version is \`detail.metadata.eventVersion\`.`,
      messages: channelMessages,
      'x-mtd-producer': source,
      'x-mtd-stream-prefixes': prefixes,
      'x-mtd-latest-version': latest.version,
      'x-mtd-consumers': [...channelConsumers.values()],
    };

    const messageRefs = (keys: string[]) =>
      keys.map((key) => ({ $ref: `${channelRef}/messages/${pointerEscape(key)}` }));
    operations[`send.${detailType}`] = {
      action: 'send',
      channel: { $ref: channelRef },
      messages: messageRefs(Object.keys(channelMessages)),
      title: `${source} publishes ${detailType}`,
      summary: `${source} appends ${detailType} to its stream and publishes it to the bus.`,
      description: `Producers write the latest version (v${latest.version}); older versions reach the bus again only from an archive replay.`,
      'x-mtd-producer': source,
    };
    for (const [subscription, keys] of receives) {
      operations[`receive.${detailType}.${subscription.name}`] = {
        action: 'receive',
        channel: { $ref: channelRef },
        messages: messageRefs(keys),
        title: `${subscription.name} (${subscription.service}) receives ${detailType}`,
        summary: subscription.description,
        description: describePattern(subscription.pattern),
        'x-mtd-subscription': subscription.name,
        'x-mtd-service': subscription.service,
        'x-mtd-effects': subscription.effects,
        'x-mtd-pattern': subscription.pattern,
      };
    }
  }

  const unmatched = [...consumedBy].filter(([, count]) => count === 0).map(([name]) => name);
  if (unmatched.length > 0) {
    // Either the subscription is dead or no example passes its filter; either way the docs would hide it.
    throw new CatalogueDocsError(
      `subscriptions matching no event example: ${unmatched.join(', ')}; fix the pattern or an example`,
    );
  }

  const body = { channels, operations, components: { messages } };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 12);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'MTD event bus',
      version,
      description: [
        'Every event on the MTD EventBridge bus, generated from `@mtd/contracts` (event definitions, subscriptions, stream prefixes); do not edit.',
        'A channel is one `detail-type`; each published version is one message whose payload is the draft-04 JSON Schema of the EventBridge `detail` (`metadata` + `data`).',
        "Consumers are computed: a subscription receives a version when its EventBridge pattern matches that version's example, using the same matcher as the local runtime.",
        '`info.version` is a hash of the channels, operations and messages, so it changes exactly when the catalogue does.',
      ].join('\n\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      eventbridge: {
        host: 'events.{region}.amazonaws.com',
        protocol: 'https',
        title: 'Amazon EventBridge',
        description:
          'The MTD custom event bus. Producers call PutEvents; each subscription is an EventBridge rule (its pattern is `x-mtd-pattern` on the receive operation) targeting the consuming service. Locally, the same patterns are matched in process.',
        variables: { region: { description: 'The AWS region of the deployment.', default: 'sa-east-1' } },
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

/** The files {@link buildAsyncApi} and {@link buildCatalogueMarkdown} produce, as committed. */
export function renderCatalogueDocs(
  overrides: Partial<CatalogueSources> = {},
): Record<CatalogueDocFileName, string> {
  const asyncApi = buildAsyncApi(overrides);
  return {
    'asyncapi.json': formatCatalogueJson(asyncApi),
    'catalogue.md': buildCatalogueMarkdown(asyncApi),
  };
}

/** The committed doc files that differ from `expected` (or are missing), in file-name order. */
export async function findStaleCatalogueDocs(
  directory: string = catalogueDocsDirectory,
  expected: Record<CatalogueDocFileName, string> = renderCatalogueDocs(),
): Promise<CatalogueDocFileName[]> {
  const stale: CatalogueDocFileName[] = [];
  for (const file of catalogueDocFileNames) {
    const committed = await readFile(join(directory, file), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (committed !== expected[file]) stale.push(file);
  }
  return stale;
}

/**
 * JSON as Biome formats it (the repo's formatter also checks contracts/docs): 2-space indent, and an
 * array of scalars on one line when it fits in 110 columns, so `npm run lint` and the docs agree.
 */
export function formatCatalogueJson(value: unknown): string {
  return `${formatJsonValue(value, 0)}\n`;
}

const lineWidth = 110;

function formatJsonValue(value: unknown, indent: number, prefix = 0, suffix = 0): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const pad = ' '.repeat(indent + 2);
    if (value.every((item) => item === null || typeof item !== 'object')) {
      // Biome measures the whole line: indent, `"key": `, the array and a trailing comma.
      const inline = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
      if (indent + prefix + inline.length + suffix <= lineWidth) return inline;
    }
    return `[\n${value
      .map((item, i) => pad + formatJsonValue(item, indent + 2, 0, i < value.length - 1 ? 1 : 0))
      .join(',\n')}\n${' '.repeat(indent)}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const pad = ' '.repeat(indent + 2);
    return `{\n${entries
      .map(([key, v], i) => {
        const name = `${JSON.stringify(key)}: `;
        return pad + name + formatJsonValue(v, indent + 2, name.length, i < entries.length - 1 ? 1 : 0);
      })
      .join(',\n')}\n${' '.repeat(indent)}}`;
  }
  return JSON.stringify(value);
}

function messageKey(definition: EventDefinition): string {
  return `${definition.detailType}.v${definition.version}`;
}

/** JSON Pointer escaping (RFC 6901) for a key inside a `$ref`. */
function pointerEscape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function envelopeHeadersSchema(definition: EventDefinition): AsyncApiJsonSchema {
  return {
    type: 'object',
    description: 'The EventBridge entry fields around `detail` that rules match on.',
    required: ['source', 'detail-type'],
    properties: {
      source: { type: 'string', const: definition.source },
      'detail-type': { type: 'string', const: definition.detailType },
    },
  };
}

const exampleOrderId = 'PO-1001';
const fallbackOccurredAt = '2026-11-24T10:00:00.000Z';
const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The definition's example `data` in a realistic envelope, validated by the definition itself.
 * Ids and times are derived from the example so the output is deterministic: `occurredAt` is the
 * first top-level `…At` timestamp of the data (the fact's own time), ids are ULIDs of that time.
 */
function exampleEvent(
  definition: EventDefinition,
  prefixes: readonly string[],
): { event: MtdEvent; detail: AsyncApiMessageExample['payload'] } {
  const data = definition.example as Record<string, unknown>;
  const orderId = typeof data.orderId === 'string' ? data.orderId : exampleOrderId;
  const occurredAt =
    Object.entries(data).find(
      (entry): entry is [string, string] =>
        entry[0].endsWith('At') && typeof entry[1] === 'string' && !Number.isNaN(Date.parse(entry[1])),
    )?.[1] ?? fallbackOccurredAt;
  const time = Date.parse(occurredAt);
  const metadata = {
    eventId: exampleUlid(time, `event:${messageKey(definition)}`),
    eventType: definition.detailType,
    eventVersion: definition.version,
    streamId: `${prefixes[0] ?? ''}${orderId}`,
    streamVersion: 1,
    occurredAt,
    correlationId: orderId,
    causationId: exampleUlid(time - 1, `cause:${messageKey(definition)}`),
    producer: definition.source,
    actor: definition.source === Sources.backoffice ? 'user:maria.operator' : 'system',
  };
  const parsed = definition.detail.safeParse({ metadata, data: definition.example });
  if (!parsed.success) {
    throw new CatalogueDocsError(
      `the example of ${messageKey(definition)} is not valid: ${parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const detail = parsed.data as AsyncApiMessageExample['payload'];
  // toEventBridgeEvent reads only the envelope, which every version shares; the cast admits old versions.
  const event = { type: definition.detailType, ...detail } as MtdEvent;
  return { event, detail };
}

function exampleUlid(time: number, seed: string): string {
  const random = [...createHash('sha256').update(seed).digest().subarray(0, 16)]
    .map((byte) => crockford[byte % 32])
    .join('');
  return encodeTime(time, 10) + random;
}

/** One line per filter a pattern applies to `detail`, e.g. "`detail.data.final` is one of `[false]`". */
export function patternDetailFilters(pattern: EventPattern): string[] {
  const detail = pattern.detail;
  return isRecord(detail) ? leafFilters(detail, 'detail') : [];
}

function leafFilters(pattern: Record<string, unknown>, path: string): string[] {
  return Object.entries(pattern).flatMap(([key, sub]) => {
    if (key === '$or') return [`\`${path}\` matches any of ${inlineJson(sub)}`];
    if (Array.isArray(sub)) return [`\`${path}.${key}\` is one of \`${inlineJson(sub)}\``];
    return isRecord(sub) ? leafFilters(sub, `${path}.${key}`) : [];
  });
}

function describePattern(pattern: EventPattern): string {
  const filters = patternDetailFilters(pattern);
  const rule = `EventBridge rule pattern: \`${inlineJson(pattern)}\`.`;
  return filters.length === 0
    ? rule
    : `${rule} Filters on the event's content: only events where ${filters.join(' and ')} are delivered.`;
}

// ---------------------------------------------------------------------------------------------
// Markdown, read back from the AsyncAPI document only.

/**
 * A readable catalogue page generated from the AsyncAPI document (not from the contracts, so the
 * page can only say what the machine-readable document says): a table of every event, then each
 * event's versions, latest fields, an example and its consumers' patterns.
 */
export function buildCatalogueMarkdown(asyncApi: AsyncApiDocument): string {
  const channels = Object.entries(asyncApi.channels);
  const lines: string[] = [
    '# MTD event catalogue',
    '',
    '> Generated by `npm run docs:write -w @mtd/platform`; do not edit. Source of truth: the contract files in',
    `> \`contracts/src\` and \`contracts/src/subscriptions.ts\`. Machine-readable: [asyncapi.json](asyncapi.json)`,
    `> (AsyncAPI ${asyncApi.asyncapi}, catalogue version \`${asyncApi.info.version}\`).`,
    '',
    'Every event travels on the EventBridge bus with `source` = its producer and `detail-type` = its name;',
    'the version is `detail.metadata.eventVersion`, so rules keep matching across versions. Consumers are',
    "computed: a subscription is listed when its EventBridge pattern matches the version's example event,",
    'with the same matcher the local runtime uses.',
    '',
    '| Event | Versions | Producer | Stream | Consumers | Description |',
    '|---|---|---|---|---|---|',
  ];
  for (const [id, channel] of channels) {
    const latest = latestMessage(asyncApi, channel);
    lines.push(
      tableRow([
        `[${channel.address}](#${id.toLowerCase()})`,
        versionsOf(asyncApi, channel)
          .map((m) => `v${m['x-mtd-event-version']}`)
          .join(', '),
        `\`${channel['x-mtd-producer']}\``,
        channel['x-mtd-stream-prefixes'].map((p) => `\`${p}<orderId>\``).join(', '),
        channel['x-mtd-consumers'].length === 0
          ? '—'
          : channel['x-mtd-consumers'].map((c) => `\`${c.subscription}\` (${c.service})`).join(', '),
        latest.summary,
      ]),
    );
  }
  for (const [id, channel] of channels) lines.push('', ...eventSection(asyncApi, id, channel));
  return `${lines.join('\n')}\n`;
}

function eventSection(asyncApi: AsyncApiDocument, id: string, channel: AsyncApiChannel): string[] {
  const latest = latestMessage(asyncApi, channel);
  const version = latest['x-mtd-event-version'];
  const example = latest.examples[0];
  const receives = Object.values(asyncApi.operations).filter(
    (op) => op.action === 'receive' && op.channel.$ref === `#/channels/${pointerEscape(id)}`,
  );
  const lines = [
    `## ${channel.address}`,
    '',
    latest.summary,
    '',
    `- Producer: \`${channel['x-mtd-producer']}\`, on streams ${channel['x-mtd-stream-prefixes']
      .map((p) => `\`${p}<orderId>\``)
      .join(', ')}`,
    `- Versions: ${versionsOf(asyncApi, channel)
      .map(
        (m) =>
          `v${m['x-mtd-event-version']}${m['x-mtd-latest'] ? ' (latest, what producers write)' : ' (read through upcasting)'}`,
      )
      .join(', ')}`,
    '',
    `### Fields of v${version} (\`detail.data\`)`,
    '',
    '| Field | Type | Required | Description |',
    '|---|---|---|---|',
    ...fieldRows(latest.payload.schema).map((row) =>
      tableRow([`\`${row.path}\``, row.type, row.required ? 'yes' : 'no', row.description]),
    ),
  ];
  if (example) {
    lines.push(
      '',
      `### Example (v${version})`,
      '',
      '```json',
      formatJsonValue({ ...example.headers, detail: example.payload }, 0),
      '```',
    );
  }
  lines.push('', '### Consumers', '');
  if (receives.length === 0) lines.push('No subscription consumes this event.');
  for (const op of receives) {
    const versions = op.messages
      .map((ref) => asyncApi.components.messages[lastPointerSegment(ref.$ref)]?.['x-mtd-event-version'])
      .map((v) => `v${v}`)
      .join(', ');
    const filters = patternDetailFilters(op['x-mtd-pattern'] ?? {});
    lines.push(
      `- **\`${op['x-mtd-subscription']}\`** (${op['x-mtd-service']}, ${op['x-mtd-effects']} effects), receives ${versions}: ${op.summary}`,
    );
    if (filters.length > 0) {
      lines.push(
        `  Only when ${filters.join(' and ')}; other ${channel.address} events are not delivered to it.`,
      );
    }
    lines.push(
      '',
      '  ```json',
      ...formatJsonValue(op['x-mtd-pattern'], 2)
        .split('\n')
        .map((l, i) => (i === 0 ? `  ${l}` : l)),
      '  ```',
      '',
    );
  }
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

function versionsOf(asyncApi: AsyncApiDocument, channel: AsyncApiChannel): AsyncApiMessage[] {
  return Object.values(channel.messages).map((ref) => {
    const message = asyncApi.components.messages[lastPointerSegment(ref.$ref)];
    if (!message) throw new CatalogueDocsError(`${channel.address} refers to a missing message ${ref.$ref}`);
    return message;
  });
}

function latestMessage(asyncApi: AsyncApiDocument, channel: AsyncApiChannel): AsyncApiMessage {
  const latest = versionsOf(asyncApi, channel).find((m) => m['x-mtd-latest']);
  if (!latest) throw new CatalogueDocsError(`${channel.address} has no latest message`);
  return latest;
}

function lastPointerSegment(ref: string): string {
  return (ref.split('/').at(-1) ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
}

interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  description: string;
}

/** The fields of `detail.data`, nested objects and arrays of objects flattened to dotted paths. */
function fieldRows(detailSchema: AsyncApiJsonSchema): FieldRow[] {
  const properties = detailSchema.properties;
  const data = isRecord(properties) ? properties.data : undefined;
  return isRecord(data) ? objectRows(data, '') : [];
}

function objectRows(schema: Record<string, unknown>, prefix: string): FieldRow[] {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  return Object.entries(properties).flatMap(([name, sub]) => {
    if (!isRecord(sub)) return [];
    const path = `${prefix}${name}`;
    const row = { path, type: typeOf(sub), required: required.includes(name), description: describe(sub) };
    if (isRecord(sub.properties)) return [row, ...objectRows(sub, `${path}.`)];
    if (isRecord(sub.items) && isRecord(sub.items.properties))
      return [row, ...objectRows(sub.items, `${path}[].`)];
    return [row];
  });
}

function typeOf(schema: Record<string, unknown>): string {
  const variants = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  if (variants) return variants.map((v) => (isRecord(v) ? typeOf(v) : 'unknown')).join(' \\| ');
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (schema.type === 'array') return `${isRecord(schema.items) ? typeOf(schema.items) : 'unknown'}[]`;
  if (schema.type === 'object' && isRecord(schema.properties)) {
    // An object inside a union is shown whole, since its fields depend on which variant it is.
    const required = Array.isArray(schema.required) ? schema.required : [];
    const fields = Object.entries(schema.properties).map(
      ([name, sub]) =>
        `${name}${required.includes(name) ? '' : '?'}: ${isRecord(sub) ? typeOf(sub) : 'unknown'}`,
    );
    return `{ ${fields.join(', ')} }`;
  }
  const type = typeof schema.type === 'string' ? schema.type : 'any';
  return typeof schema.format === 'string' ? `${type} (${schema.format})` : type;
}

function describe(schema: Record<string, unknown>): string {
  const notes: string[] = [];
  if (typeof schema.description === 'string') notes.push(schema.description);
  if (schema.minLength === 1) notes.push('non-empty');
  else if (typeof schema.minLength === 'number') notes.push(`at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === 'number') notes.push(`at most ${schema.maxLength} characters`);
  // A format's own pattern (zod's date-time regex) says nothing a reader needs.
  if (typeof schema.pattern === 'string' && typeof schema.format !== 'string')
    notes.push(`matches \`${schema.pattern}\``);
  if (typeof schema.minimum === 'number')
    notes.push(`${schema.exclusiveMinimum === true ? '>' : '≥'} ${schema.minimum}`);
  if (typeof schema.maximum === 'number' && schema.maximum < Number.MAX_SAFE_INTEGER)
    notes.push(`${schema.exclusiveMaximum === true ? '<' : '≤'} ${schema.maximum}`);
  if (typeof schema.minItems === 'number') notes.push(`at least ${schema.minItems} items`);
  if (typeof schema.maxItems === 'number') notes.push(`at most ${schema.maxItems} items`);
  return notes.join('; ');
}

function tableRow(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replaceAll('\n', ' ').replace(/(?<!\\)\|/g, '\\|')).join(' | ')} |`;
}

function inlineJson(value: unknown): string {
  return JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
