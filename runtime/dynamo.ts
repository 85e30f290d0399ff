import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMAS } from '../tasks/shared/tables';
import type { WardenTables } from '../tasks/shared/task';

/**
 * DynamoDB for the local runtime and the tests: dynalite (an independent implementation of the
 * DynamoDB API) in memory on an ephemeral loopback port, with Warden's tables created from the
 * same key schemas the CDK app deploys.
 */
// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  keepAliveTimeout: number;
  address(): AddressInfo;
  close(callback: () => void): void;
};

export interface LocalDynamo {
  endpoint: string;
  tables: WardenTables;
  close(): Promise<void>;
}

export interface Dynalite {
  endpoint: string;
  close(): Promise<void>;
}

/** An empty dynalite on an ephemeral loopback port; the deployment creates the tables its templates declare. */
export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // dynalite is a Node http.Server, which closes a keep-alive socket after 5 idle seconds; a
  // client reusing it in the same moment reads ECONNRESET. A busy process (arranging 10,000
  // accounts, a storm of findings) hits that race; loopback sockets cost nothing to keep, and
  // close() still ends idle ones.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) =>
    server.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
  );
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A DynamoDB client for dynalite, which accepts any credentials. */
export function dynaliteClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** dynalite with Warden's tables created from TABLE_SCHEMAS, for tests of the stores alone. */
export async function startLocalDynamo(prefix = 'warden'): Promise<LocalDynamo> {
  const { endpoint, close } = await startDynalite();
  const tables: WardenTables = {
    ledger: `${prefix}-ledger`,
    approvals: `${prefix}-approvals`,
    findings: `${prefix}-findings`,
    accounts: `${prefix}-accounts`,
  };
  const client = dynaliteClient(endpoint);
  for (const [key, name] of Object.entries(tables) as [keyof WardenTables, string][]) {
    await createTable(client, name, TABLE_SCHEMAS[key]);
  }
  client.destroy();
  return {
    endpoint,
    tables,
    close,
  };
}

/** Creates one of Warden's tables from its schema (keys and global secondary indexes) on dynalite. */
export async function createTable(
  client: DynamoDBClient,
  name: string,
  schema: (typeof TABLE_SCHEMAS)[keyof typeof TABLE_SCHEMAS],
): Promise<void> {
  const keysOf = (k: { partitionKey: string; sortKey?: string }) => [
    k.partitionKey,
    ...(k.sortKey ? [k.sortKey] : []),
  ];
  const keySchema = (keys: string[]) =>
    keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' }) as const);
  const indexes = schema.indexes ?? [];
  const attributes = new Set([...keysOf(schema), ...indexes.flatMap(keysOf)]);
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: keySchema(keysOf(schema)),
      ...(indexes.length
        ? {
            GlobalSecondaryIndexes: indexes.map((index) => ({
              IndexName: index.name,
              KeySchema: keySchema(keysOf(index)),
              Projection: { ProjectionType: 'ALL' },
            })),
          }
        : {}),
    }),
  );
}
