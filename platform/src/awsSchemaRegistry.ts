import {
  CreateRegistryCommand,
  CreateSchemaCommand,
  DescribeRegistryCommand,
  DescribeSchemaCommand,
  type DescribeSchemaCommandOutput,
  type SchemasClient,
  Type,
  UpdateSchemaCommand,
} from '@aws-sdk/client-schemas';
import {
  assertSchemaJson,
  type SchemaRegistry,
  SchemaRegistryError,
  sameSchemaContent,
} from './schemaRegistry';

function isNamed(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The EventBridge Schema Registry behind the {@link SchemaRegistry} port. Schemas are
 * `JSONSchemaDraft4` (what the contract snapshots are). `put` reads the latest version first and
 * writes only when the content differs as JSON, because every `UpdateSchema` adds a version even
 * for identical content. SDK errors become {@link SchemaRegistryError} with the SDK error as `cause`.
 *
 * @example
 * const registry = awsSchemaRegistry({ client: new SchemasClient({}), registryName: 'mtd' });
 * await registry.ensureRegistry();
 * await registry.put('mtd.intake@OrderReceived.v2', snapshot); // { version: '1', changed: true }
 */
export function awsSchemaRegistry(options: { client: SchemasClient; registryName: string }): SchemaRegistry {
  const { client, registryName } = options;
  const fail = (operation: string, schemaName: string | undefined, error: unknown) =>
    new SchemaRegistryError(registryName, operation, schemaName, reasonOf(error), { cause: error });

  async function latest(schemaName: string): Promise<{ version: string; content: string } | undefined> {
    let output: DescribeSchemaCommandOutput;
    try {
      // Without SchemaVersion, DescribeSchema answers with the latest version.
      output = await client.send(
        new DescribeSchemaCommand({ RegistryName: registryName, SchemaName: schemaName }),
      );
    } catch (error) {
      if (isNamed(error, 'NotFoundException')) return undefined;
      throw fail('latest', schemaName, error);
    }
    if (output.SchemaVersion === undefined || output.Content === undefined) {
      throw new SchemaRegistryError(
        registryName,
        'latest',
        schemaName,
        'DescribeSchema returned no version or content',
      );
    }
    return { version: output.SchemaVersion, content: output.Content };
  }

  return {
    async ensureRegistry() {
      try {
        await client.send(new DescribeRegistryCommand({ RegistryName: registryName }));
        return;
      } catch (error) {
        if (!isNamed(error, 'NotFoundException')) throw fail('ensureRegistry', undefined, error);
      }
      try {
        await client.send(new CreateRegistryCommand({ RegistryName: registryName }));
      } catch (error) {
        // Another deployer created it between our describe and create: the registry exists, as wanted.
        if (!isNamed(error, 'ConflictException')) throw fail('ensureRegistry', undefined, error);
      }
    },

    latest,

    async put(schemaName, content, description) {
      assertSchemaJson(registryName, schemaName, content);
      const current = await latest(schemaName);
      if (current && sameSchemaContent(current.content, content)) {
        return { version: current.version, changed: false };
      }
      const input = {
        RegistryName: registryName,
        SchemaName: schemaName,
        Type: Type.JSONSchemaDraft4,
        Content: content,
        ...(description === undefined ? {} : { Description: description }),
      };
      const operation = current ? 'UpdateSchema' : 'CreateSchema';
      let version: string | undefined;
      try {
        const output = current
          ? await client.send(new UpdateSchemaCommand(input))
          : await client.send(new CreateSchemaCommand(input));
        version = output.SchemaVersion;
      } catch (error) {
        throw fail(`put (${operation})`, schemaName, error);
      }
      if (version === undefined) {
        throw new SchemaRegistryError(
          registryName,
          `put (${operation})`,
          schemaName,
          'no SchemaVersion returned',
        );
      }
      return { version, changed: true };
    },
  };
}
