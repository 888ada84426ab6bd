import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Parser } from '@asyncapi/parser';
import {
  DteBroadcastFailedV1,
  eventDefinitions,
  latestEventDefinitions,
  OrderAtRiskV1,
  type Subscription,
  subscriptions,
} from '@mtd/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AsyncApiDocument,
  buildAsyncApi,
  buildCatalogueMarkdown,
  CatalogueDocsError,
  catalogueDocFileNames,
  catalogueDocsDirectory,
  draft04SchemaFormat,
  findStaleCatalogueDocs,
  formatCatalogueJson,
  renderCatalogueDocs,
} from './catalogueDocs';

const run = promisify(execFile);
const platformDirectory = fileURLToPath(new URL('..', import.meta.url));
const repoDirectory = fileURLToPath(new URL('../..', import.meta.url));

const consumersOf = (doc: AsyncApiDocument, detailType: string) =>
  doc.channels[detailType]?.['x-mtd-consumers'].map((c) => `${c.subscription} (${c.service})`);

const severityNames = ['error', 'warning', 'information', 'hint'];

describe('the AsyncAPI document of the bus', () => {
  it('is a valid AsyncAPI 3.0.0 document for the real parser', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(buildAsyncApi()));
    const shown = diagnostics.map(
      (d) => `${severityNames[d.severity] ?? d.severity} ${d.code} at ${d.path.join('.')}: ${d.message}`,
    );
    expect(
      diagnostics.filter((d) => d.severity === 0),
      shown.join('\n'),
    ).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(latestEventDefinitions.map((d) => d.detailType));
    const received = document
      ?.operations()
      .filterByReceive()
      .map((op) => op.id());
    expect(received).toContain('receive.DteIssued.broadcastDteOnDteIssued');
  });

  it('would fail the parser if an operation named a message its channel does not carry', async () => {
    const doc = buildAsyncApi();
    const op = doc.operations['receive.DteIssued.broadcastDteOnDteIssued'];
    if (!op) throw new Error('no receive operation for broadcastDteOnDteIssued');
    op.messages = [{ $ref: '#/channels/OrderAccepted/messages/OrderAccepted.v1' }];
    const { diagnostics } = await new Parser().parse(JSON.stringify(doc));
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => d.code)).toContain(
      'asyncapi3-operation-messages-from-referred-channel',
    );
  });

  it('has one message per published version, its payload the draft-04 schema of the detail', () => {
    const doc = buildAsyncApi();
    expect(Object.keys(doc.components.messages)).toEqual(
      latestEventDefinitions.flatMap((latest) =>
        eventDefinitions
          .filter((d) => d.detailType === latest.detailType)
          .map((d) => `${d.detailType}.v${d.version}`),
      ),
    );
    const v1 = doc.components.messages['OrderReceived.v1'];
    expect(v1?.payload.schemaFormat).toBe(draft04SchemaFormat);
    expect(v1?.payload.schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(v1?.deprecated).toBe(true);
    expect(doc.components.messages['OrderReceived.v2']?.['x-mtd-latest']).toBe(true);
    expect(doc.channels.OrderReceived?.messages).toEqual({
      'OrderReceived.v1': { $ref: '#/components/messages/OrderReceived.v1' },
      'OrderReceived.v2': { $ref: '#/components/messages/OrderReceived.v2' },
    });
  });

  it("carries each definition's example in a metadata envelope its own schema accepts", () => {
    const doc = buildAsyncApi();
    for (const definition of eventDefinitions) {
      const message = doc.components.messages[`${definition.detailType}.v${definition.version}`];
      const example = message?.examples[0];
      expect(example?.headers).toEqual({ source: definition.source, 'detail-type': definition.detailType });
      expect(definition.detail.parse(example?.payload)).toEqual(example?.payload);
      expect(example?.payload.data).toEqual(definition.example);
    }
  });

  it('names the producer, its stream and a send operation for every latest event', () => {
    const doc = buildAsyncApi();
    for (const definition of latestEventDefinitions) {
      const channel = doc.channels[definition.detailType];
      expect(channel?.address).toBe(definition.detailType);
      expect(channel?.['x-mtd-producer']).toBe(definition.source);
      expect(doc.operations[`send.${definition.detailType}`]).toMatchObject({
        action: 'send',
        channel: { $ref: `#/channels/${definition.detailType}` },
        'x-mtd-producer': definition.source,
      });
    }
    expect(doc.channels.DteIssued?.['x-mtd-stream-prefixes']).toEqual(['dte-']);
    expect(doc.channels.ExceptionRetryRequested?.['x-mtd-stream-prefixes']).toEqual(['backoffice-']);
  });

  it('lists as consumers exactly the subscriptions whose pattern matches the event', () => {
    const doc = buildAsyncApi();
    expect(consumersOf(doc, 'DteIssued')).toEqual([
      'broadcastDteOnDteIssued (dte)',
      'notifyCustomerOnDteIssued (notification)',
      'projectOrderOnEvent (projection)',
    ]);
    // The example has final: false, which is what the retry rule filters on.
    expect(consumersOf(doc, 'DteBroadcastFailed')).toEqual([
      'retryBroadcastOnDteBroadcastFailed (dte)',
      'projectOrderOnEvent (projection)',
    ]);
    expect(consumersOf(doc, 'OrderAccepted')).toEqual([
      'issueDteOnOrderAccepted (dte)',
      'projectOrderOnEvent (projection)',
    ]);
    // Independent oracle: every example passes its rules' detail filters, so a subscription consumes an
    // event exactly when its detail-type list names it or it has none.
    for (const { detailType } of latestEventDefinitions) {
      const expected = subscriptions
        .filter((s) => {
          const detailTypes = (s.pattern as { 'detail-type'?: readonly string[] })['detail-type'];
          return detailTypes === undefined || detailTypes.includes(detailType);
        })
        .map((s) => `${s.name} (${s.service})`);
      expect(consumersOf(doc, detailType), detailType).toEqual(expected);
    }
    expect(doc.operations['receive.DteBroadcastFailed.retryBroadcastOnDteBroadcastFailed']).toMatchObject({
      action: 'receive',
      messages: [{ $ref: '#/channels/DteBroadcastFailed/messages/DteBroadcastFailed.v1' }],
      'x-mtd-pattern': { detail: { data: { final: [false] } } },
    });
  });

  it('drops a consumer whose detail filter the example does not pass', () => {
    // Every version of DteBroadcastFailed with a final example: the retry rule (final: false) matches none.
    const finals = new Map<unknown, unknown>();
    const asFinal = <D>(d: D): D => {
      const definition = d as { detailType: string; example: { nextAttemptAt?: string } };
      if (definition.detailType !== DteBroadcastFailedV1.detailType) return d;
      // One object per version, in both lists: the docs check that the latest is one of the definitions.
      if (!finals.has(d)) {
        const { nextAttemptAt: _, ...attempt } = definition.example;
        finals.set(d, { ...definition, example: { ...attempt, final: true } });
      }
      return finals.get(d) as D;
    };
    const doc = buildAsyncApi({
      definitions: eventDefinitions.map(asFinal),
      latestDefinitions: latestEventDefinitions.map(asFinal),
      subscriptions: subscriptions.filter((s) => s.name !== 'retryBroadcastOnDteBroadcastFailed'),
    });
    expect(consumersOf(doc, 'DteBroadcastFailed')).toEqual(['projectOrderOnEvent (projection)']);
    // With the retry rule kept, it would match no example at all: the docs refuse to hide it.
    expect(() =>
      buildAsyncApi({
        definitions: eventDefinitions.map(asFinal),
        latestDefinitions: latestEventDefinitions.map(asFinal),
      }),
    ).toThrow(CatalogueDocsError);
  });

  it('changes, version included, when the subscriptions change', () => {
    const escalate: Subscription = {
      name: 'escalateOnOrderAtRisk',
      service: 'notification',
      description: 'Page the on-call operator when an order is at risk.',
      pattern: { source: [OrderAtRiskV1.source], 'detail-type': [OrderAtRiskV1.detailType] },
      effects: 'external',
    };
    const before = buildAsyncApi();
    const after = buildAsyncApi({ subscriptions: [...subscriptions, escalate] });
    expect(after).not.toEqual(before);
    expect(after.info.version).not.toBe(before.info.version);
    expect(consumersOf(after, 'OrderAtRisk')).toContain('escalateOnOrderAtRisk (notification)');
    expect(after.operations['receive.OrderAtRisk.escalateOnOrderAtRisk']?.summary).toBe(escalate.description);
    expect(buildCatalogueMarkdown(after)).toContain('`escalateOnOrderAtRisk` (notification)');

    const withoutNotify = buildAsyncApi({
      subscriptions: subscriptions.filter((s) => s.name !== 'notifyCustomerOnDteIssued'),
    });
    expect(consumersOf(withoutNotify, 'DteIssued')).not.toContain('notifyCustomerOnDteIssued (notification)');
    expect(withoutNotify.info.version).not.toBe(before.info.version);
  });

  it('is deterministic', () => {
    expect(renderCatalogueDocs()).toEqual(renderCatalogueDocs());
  });

  it('refuses a catalogue whose latest list disagrees with its versions', () => {
    expect(() =>
      buildAsyncApi({ definitions: latestEventDefinitions.filter((d) => d !== OrderAtRiskV1) }),
    ).toThrow(/OrderAtRisk v1 is listed as latest/);
  });
});

describe('the catalogue page', () => {
  const markdown = buildCatalogueMarkdown(buildAsyncApi());

  it('says it is generated and how to regenerate it', () => {
    expect(markdown.split('\n')[2]).toContain(
      'Generated by `npm run docs:write -w @mtd/platform`; do not edit',
    );
  });

  it('has a table row and a section for every event, with producer, stream and consumers', () => {
    const doc = buildAsyncApi();
    for (const definition of latestEventDefinitions) {
      const row = markdown.split('\n').find((line) => line.startsWith(`| [${definition.detailType}](`));
      expect(row, definition.detailType).toContain(`\`${definition.source}\``);
      for (const consumer of doc.channels[definition.detailType]?.['x-mtd-consumers'] ?? []) {
        expect(row).toContain(`\`${consumer.subscription}\` (${consumer.service})`);
      }
      expect(markdown).toContain(`\n## ${definition.detailType}\n`);
    }
    expect(markdown).toContain(
      '| [OrderReceived](#orderreceived) | v1, v2 | `mtd.intake` | `order-<orderId>` |',
    );
  });

  it("lists the latest version's fields, nested ones by path, with type and requiredness", () => {
    expect(markdown).toContain('| `nextAttemptAt` | string (date-time) | no |');
    expect(markdown).toContain('| `final` | boolean | yes |');
    expect(markdown).toContain('| `customer.email` | string (email) | yes |');
    expect(markdown).toContain('| `lines[].unitPrice` | integer | yes | ≥ 0 |');
    expect(markdown).toContain('### Fields of v2 (`detail.data`)');
  });

  it('shows the patterns of consumers and says which filter on the content', () => {
    const section = markdown.slice(markdown.indexOf('\n## DteBroadcastFailed\n'));
    expect(section).toContain('`retryBroadcastOnDteBroadcastFailed`');
    expect(section).toContain('Only when `detail.data.final` is one of `[false]`');
    expect(section).toContain('"detail": {\n      "data": {\n        "final": [false]\n');
  });
});

describe('the committed docs', () => {
  it('are what the generator produces now (else run `npm run docs:write -w @mtd/platform`)', async () => {
    const stale = await findStaleCatalogueDocs();
    expect(
      stale,
      `stale in contracts/docs: ${stale.join(', ')}; run \`npm run docs:write -w @mtd/platform\``,
    ).toEqual([]);
  });

  it('keep asyncapi.json formatted as Biome formats it, so `npm run lint` passes on it', async () => {
    const json = renderCatalogueDocs()['asyncapi.json'];
    const biome = await formattedByBiome(json, 'contracts/docs/asyncapi.json');
    expect(json === biome, 'formatCatalogueJson and Biome disagree').toBe(true);
    expect(formatCatalogueJson({ a: [1, 2], b: { c: [] } })).toBe(
      '{\n  "a": [1, 2],\n  "b": {\n    "c": []\n  }\n}\n',
    );
  });

  describe('staleness check', () => {
    let directory: string | undefined;
    afterEach(async () => {
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    it('names each file that differs from the generated one or is missing', async () => {
      directory = await mkdtemp(join(tmpdir(), 'catalogue-docs-'));
      const files = renderCatalogueDocs();
      await writeFile(join(directory, 'asyncapi.json'), files['asyncapi.json']);
      expect(await findStaleCatalogueDocs(directory, files)).toEqual(['catalogue.md']);
      await writeFile(join(directory, 'catalogue.md'), files['catalogue.md']);
      expect(await findStaleCatalogueDocs(directory, files)).toEqual([]);
      await writeFile(join(directory, 'catalogue.md'), `${files['catalogue.md']}edited by hand\n`);
      expect(await findStaleCatalogueDocs(directory, files)).toEqual(['catalogue.md']);
    });

    it('is what `writeCatalogueDocs --check` runs, exiting 0 on the committed files', async () => {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'scripts/writeCatalogueDocs.ts', '--check'],
        {
          cwd: platformDirectory,
        },
      );
      expect(stdout).toContain('catalogue docs are up to date');
      for (const file of catalogueDocFileNames) {
        expect(await readFile(join(catalogueDocsDirectory, file), 'utf8')).not.toBe('');
      }
    });
  });
});

async function formattedByBiome(content: string, path: string): Promise<string> {
  const biome = join(repoDirectory, 'node_modules', '.bin', 'biome');
  return new Promise((resolve, reject) => {
    const child = execFile(
      biome,
      ['format', `--stdin-file-path=${path}`],
      { cwd: repoDirectory, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end(content);
  });
}
