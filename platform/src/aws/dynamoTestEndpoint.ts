import type { AddressInfo } from 'node:net';
import { type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureTables } from '../dynamoTables';

export interface DynamoTestEndpoint {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_DYNAMODB` points a Lambda module's client at. */
  endpoint: string;
  /** A client of the endpoint, for the test's own reads and writes. */
  client: DynamoDBClient;
  close(): Promise<void>;
}

/**
 * An in-memory dynalite listening on loopback, for tests of Lambda entry modules: they build
 * `new DynamoDBClient({})` at load, so the test points them at it through the environment
 * (`AWS_ENDPOINT_URL_DYNAMODB`) and they meet real conditional writes, as on AWS. Tests only: the
 * runtime's engine is called in process and never listens.
 */
export async function startDynamoTestEndpoint(
  tables: CreateTableCommandInput[],
): Promise<DynamoTestEndpoint> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await ensureTables(client, tables);
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
