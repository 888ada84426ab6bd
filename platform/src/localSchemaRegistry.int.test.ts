import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderReceivedV2, OrderRejectedV1 } from '@mtd/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localSchemaRegistry } from './localSchemaRegistry';
import { diffRegistry, type SchemaRegistry, SchemaRegistryError, schemaNameOf } from './schemaRegistry';

const schema = (properties: Record<string, unknown>) =>
  JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', properties });
const v1 = schema({ orderId: { type: 'string' } });
const v1Reformatted = `{\n  "properties": { "orderId": { "type": "string" } },\n  "type": "object",\n  "$schema": "http://json-schema.org/draft-04/schema#"\n}`;
const v2 = schema({ orderId: { type: 'string' }, total: { type: 'integer' } });
const name = schemaNameOf(OrderReceivedV2);

describe('localSchemaRegistry', () => {
  let dir: string;
  let registry: SchemaRegistry;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtd-schemas-'));
    registry = localSchemaRegistry({ dir, registryName: 'mtd' });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('names one registry schema per event version', () => {
    expect(name).toBe('mtd.intake@OrderReceived.v2');
    expect(schemaNameOf(OrderRejectedV1)).toBe('mtd.intake@OrderRejected.v1');
  });

  it('creates version 1, keeps it for the same JSON, and adds version 2 for different content', async () => {
    await registry.ensureRegistry();
    expect(await registry.latest(name)).toBeUndefined();

    expect(await registry.put(name, v1, 'OrderReceived v2')).toEqual({ version: '1', changed: true });
    expect(await registry.put(name, v1Reformatted)).toEqual({ version: '1', changed: false });
    expect(await registry.put(name, v2)).toEqual({ version: '2', changed: true });

    expect(await registry.latest(name)).toEqual({ version: '2', content: v2 });
    const files = (await readdir(join(dir, 'mtd', name))).sort();
    expect(files).toEqual(['1.json', '2.json', 'description.txt']);
    expect(await readFile(join(dir, 'mtd', name, '1.json'), 'utf8')).toBe(v1);
  });

  it('orders versions numerically, so version 10 is newer than version 9', async () => {
    await registry.ensureRegistry();
    for (let i = 1; i <= 10; i++) await registry.put(name, schema({ [`field${i}`]: { type: 'string' } }));
    expect((await registry.latest(name))?.version).toBe('10');
    expect(await registry.put(name, schema({ field10: { type: 'string' } }))).toEqual({
      version: '10',
      changed: false,
    });
  });

  it('reports each snapshot as missing, different or same', async () => {
    await registry.ensureRegistry();
    await registry.put('mtd.intake@OrderAccepted.v1', v1);
    await registry.put('mtd.intake@OrderRejected.v1', v1);

    const diffs = await diffRegistry(registry, [
      { schemaName: 'mtd.intake@OrderReceived.v2', content: v1 },
      { schemaName: 'mtd.intake@OrderAccepted.v1', content: v2 },
      { schemaName: 'mtd.intake@OrderRejected.v1', content: v1Reformatted },
    ]);

    expect(diffs).toEqual([
      { schemaName: 'mtd.intake@OrderReceived.v2', status: 'missing' },
      { schemaName: 'mtd.intake@OrderAccepted.v1', status: 'different' },
      { schemaName: 'mtd.intake@OrderRejected.v1', status: 'same' },
    ]);
  });

  it('refuses to write before the registry exists, content that is not JSON, and unsafe names', async () => {
    await expect(registry.put(name, v1)).rejects.toThrow(/registry does not exist/);
    await registry.ensureRegistry();
    await expect(registry.put(name, '{ not json')).rejects.toBeInstanceOf(SchemaRegistryError);
    await expect(registry.put('../escape', v1)).rejects.toBeInstanceOf(SchemaRegistryError);
    expect(await registry.latest(name)).toBeUndefined();
  });
});
