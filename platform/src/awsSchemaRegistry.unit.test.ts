import {
  BadRequestException,
  ConflictException,
  CreateRegistryCommand,
  CreateSchemaCommand,
  DescribeRegistryCommand,
  DescribeSchemaCommand,
  ForbiddenException,
  NotFoundException,
  SchemasClient,
  UpdateSchemaCommand,
} from '@aws-sdk/client-schemas';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsSchemaRegistry } from './awsSchemaRegistry';
import { diffRegistry, SchemaRegistryError } from './schemaRegistry';

const schemas = mockClient(SchemasClient);
const registry = () => awsSchemaRegistry({ client: new SchemasClient({}), registryName: 'mtd' });
const name = 'mtd.intake@OrderReceived.v2';
const content = JSON.stringify({ type: 'object', properties: { orderId: { type: 'string' } } });
const sameReformatted = '{ "properties": { "orderId": { "type": "string" } }, "type": "object" }';
const changed = JSON.stringify({ type: 'object', properties: { orderId: { type: 'integer' } } });

const notFound = () =>
  new NotFoundException({
    message: 'not found',
    Message: 'not found',
    Code: 'NotFoundException',
    $metadata: {},
  });
const inputsOf = <I extends object>(command: new (input: I) => { input: I }) =>
  schemas.commandCalls(command as never).map((c) => c.args[0].input as I);
const writes = () =>
  [CreateRegistryCommand, CreateSchemaCommand, UpdateSchemaCommand].flatMap((c) =>
    schemas.commandCalls(c as never),
  );

describe('awsSchemaRegistry', () => {
  beforeEach(() => schemas.reset());

  describe('ensureRegistry', () => {
    it('describes the registry and writes nothing when it exists', async () => {
      schemas.on(DescribeRegistryCommand).resolves({ RegistryName: 'mtd' });
      await registry().ensureRegistry();
      expect(inputsOf(DescribeRegistryCommand)).toEqual([{ RegistryName: 'mtd' }]);
      expect(writes()).toHaveLength(0);
    });

    it('creates the registry when DescribeRegistry says it is missing', async () => {
      schemas.on(DescribeRegistryCommand).rejects(notFound());
      schemas.on(CreateRegistryCommand).resolves({ RegistryName: 'mtd' });
      await registry().ensureRegistry();
      expect(inputsOf(CreateRegistryCommand)).toEqual([{ RegistryName: 'mtd' }]);
    });

    it('accepts a registry another deployer created meanwhile', async () => {
      schemas.on(DescribeRegistryCommand).rejects(notFound());
      schemas.on(CreateRegistryCommand).rejects(
        new ConflictException({
          message: 'exists',
          Message: 'exists',
          Code: 'ConflictException',
          $metadata: {},
        }),
      );
      await expect(registry().ensureRegistry()).resolves.toBeUndefined();
    });

    it('maps any other error to SchemaRegistryError with the SDK error as cause', async () => {
      const forbidden = new ForbiddenException({
        message: 'no access',
        Message: 'no access',
        Code: 'ForbiddenException',
        $metadata: {},
      });
      schemas.on(DescribeRegistryCommand).rejects(forbidden);
      const error = await registry()
        .ensureRegistry()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaRegistryError);
      expect((error as SchemaRegistryError).cause).toBe(forbidden);
      expect((error as Error).message).toContain('ForbiddenException: no access');
      expect(writes()).toHaveLength(0);
    });
  });

  describe('latest', () => {
    it('asks DescribeSchema for the latest version (no SchemaVersion) and returns version and content', async () => {
      schemas.on(DescribeSchemaCommand).resolves({ SchemaName: name, SchemaVersion: '3', Content: content });
      expect(await registry().latest(name)).toEqual({ version: '3', content });
      expect(inputsOf(DescribeSchemaCommand)).toEqual([{ RegistryName: 'mtd', SchemaName: name }]);
    });

    it('returns undefined for a schema that does not exist', async () => {
      schemas.on(DescribeSchemaCommand).rejects(notFound());
      expect(await registry().latest(name)).toBeUndefined();
    });
  });

  describe('put', () => {
    it('creates a missing schema as JSONSchemaDraft4', async () => {
      schemas.on(DescribeSchemaCommand).rejects(notFound());
      schemas.on(CreateSchemaCommand).resolves({ SchemaName: name, SchemaVersion: '1' });

      expect(await registry().put(name, content, 'OrderReceived v2')).toEqual({
        version: '1',
        changed: true,
      });

      expect(inputsOf(CreateSchemaCommand)).toEqual([
        {
          RegistryName: 'mtd',
          SchemaName: name,
          Type: 'JSONSchemaDraft4',
          Content: content,
          Description: 'OrderReceived v2',
        },
      ]);
      expect(schemas.commandCalls(UpdateSchemaCommand)).toHaveLength(0);
    });

    it('updates a schema whose content differs', async () => {
      schemas.on(DescribeSchemaCommand).resolves({ SchemaVersion: '1', Content: content });
      schemas.on(UpdateSchemaCommand).resolves({ SchemaName: name, SchemaVersion: '2' });

      expect(await registry().put(name, changed)).toEqual({ version: '2', changed: true });

      expect(inputsOf(UpdateSchemaCommand)).toEqual([
        { RegistryName: 'mtd', SchemaName: name, Type: 'JSONSchemaDraft4', Content: changed },
      ]);
      expect(schemas.commandCalls(CreateSchemaCommand)).toHaveLength(0);
    });

    it('writes nothing when the content is the same JSON, however formatted', async () => {
      schemas.on(DescribeSchemaCommand).resolves({ SchemaVersion: '4', Content: sameReformatted });

      expect(await registry().put(name, content)).toEqual({ version: '4', changed: false });

      expect(writes()).toHaveLength(0);
    });

    it('maps a failed write to SchemaRegistryError naming the schema, with the SDK error as cause', async () => {
      const bad = new BadRequestException({
        message: 'invalid schema',
        Message: 'invalid schema',
        Code: 'BadRequestException',
        $metadata: {},
      });
      schemas.on(DescribeSchemaCommand).rejects(notFound());
      schemas.on(CreateSchemaCommand).rejects(bad);

      const error = await registry()
        .put(name, content)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(SchemaRegistryError);
      expect((error as SchemaRegistryError).cause).toBe(bad);
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).toContain('CreateSchema');
    });

    it('maps a failed read before the write, and writes nothing', async () => {
      const forbidden = new ForbiddenException({
        message: 'no access',
        Message: 'no access',
        Code: 'ForbiddenException',
        $metadata: {},
      });
      schemas.on(DescribeSchemaCommand).rejects(forbidden);
      await expect(registry().put(name, content)).rejects.toMatchObject({
        name: 'SchemaRegistryError',
        cause: forbidden,
      });
      expect(writes()).toHaveLength(0);
    });

    it('refuses content that is not JSON without calling AWS', async () => {
      await expect(registry().put(name, '{ nope')).rejects.toBeInstanceOf(SchemaRegistryError);
      expect(schemas.calls()).toHaveLength(0);
    });
  });

  it('diffs committed snapshots against the registry without writing', async () => {
    schemas
      .on(DescribeSchemaCommand, { SchemaName: 'mtd.intake@OrderAccepted.v1' })
      .resolves({ SchemaVersion: '1', Content: content })
      .on(DescribeSchemaCommand, { SchemaName: 'mtd.intake@OrderRejected.v1' })
      .resolves({ SchemaVersion: '2', Content: changed })
      .on(DescribeSchemaCommand, { SchemaName: name })
      .rejects(notFound());

    const diffs = await diffRegistry(registry(), [
      { schemaName: name, content },
      { schemaName: 'mtd.intake@OrderAccepted.v1', content: sameReformatted },
      { schemaName: 'mtd.intake@OrderRejected.v1', content },
    ]);

    expect(diffs).toEqual([
      { schemaName: name, status: 'missing' },
      { schemaName: 'mtd.intake@OrderAccepted.v1', status: 'same' },
      { schemaName: 'mtd.intake@OrderRejected.v1', status: 'different' },
    ]);
    expect(writes()).toHaveLength(0);
  });
});
