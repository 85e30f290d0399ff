import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { WardenConfig } from '../../../config/schema';
import { startLocalDynamo } from '../../../runtime/dynamo';
import { type ActiveBlock, Ledger } from '../../../tasks/response/ledger';
import { ClientFactory } from '../../../tasks/shared/aws-clients';
import { TABLE_SCHEMAS } from '../../../tasks/shared/tables';
import type { WardenTables } from '../../../tasks/shared/task';
import { makeConfig } from '../../fixtures/findings';
import { createWardenOrganization, HOME_REGION, type MotoAccount, unique } from './moto-organization';

/**
 * The ledger's conditional claim and release on moto's DynamoDB, as a second independent
 * implementation next to dynalite (which the local runtime uses): the claim is what keeps two
 * executions from owning the same (address, NACL) pair, so its ConditionalCheckFailed semantics
 * must be DynamoDB's.
 */
let security: MotoAccount;
let clients: ClientFactory;
let config: WardenConfig;
let tables: WardenTables;
let sequence = 0;

function ledger(): Ledger {
  return new Ledger({ clients, tables, config });
}

function makeBlock(overrides: Partial<ActiveBlock> = {}): ActiveBlock {
  sequence += 1;
  return {
    account: '333333333333',
    region: HOME_REGION,
    naclId: `acl-0000000000000${String(sequence).padStart(4, '0')}`,
    cidr: '198.51.100.7/32',
    ruleNumber: 90,
    blockId: `block-${sequence}-a`,
    state: 'APPLYING',
    findingId: `finding-${sequence}`,
    executionArn: `arn:aws:states:${HOME_REGION}:222222222222:execution:warden-response:run-${sequence}`,
    createdAt: '2026-03-01T10:00:00.000Z',
    expiresAt: '2026-03-02T10:00:00.000Z',
    ...overrides,
  };
}

beforeAll(async () => {
  ({ security, clients } = await createWardenOrganization('ledger'));
  const base = makeConfig();
  config = { ...base, organization: { ...base.organization, securityAccountId: security.id } };
  const prefix = unique('warden');
  tables = {
    ledger: `${prefix}-ledger`,
    approvals: `${prefix}-approvals`,
    findings: `${prefix}-findings`,
    accounts: `${prefix}-accounts`,
  };
  const schema = TABLE_SCHEMAS.ledger;
  const keys = [schema.partitionKey, schema.sortKey!];
  await clients.client(DynamoDBClient, { account: security.id, region: HOME_REGION }).send(
    new CreateTableCommand({
      TableName: tables.ledger,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
    }),
  );
});

afterAll(() => {
  clients.destroy();
});

describe('a conditional write on moto’s DynamoDB', () => {
  it('fails with ConditionalCheckFailedException (HTTP 400) when the condition does not hold', async () => {
    const db = DynamoDBDocumentClient.from(
      clients.client(DynamoDBClient, { account: security.id, region: HOME_REGION }),
    );
    const item = { pk: unique('probe'), sk: 'probe' };
    await db.send(new PutCommand({ TableName: tables.ledger, Item: item }));

    const failure = await db
      .send(
        new PutCommand({
          TableName: tables.ledger,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } });

    expect(failure).toMatchObject({
      name: 'ConditionalCheckFailedException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('Ledger.claim on moto', () => {
  it('claims a free pair and reads the block back', async () => {
    const block = makeBlock();

    const holder = await ledger().claim(block);
    const stored = await ledger().get(block, block.cidr);

    expect(holder).toBeUndefined();
    expect(stored).toEqual(block);
  });

  it('answers with the block that already holds the pair, and leaves it untouched', async () => {
    const first = makeBlock();
    const second = { ...first, blockId: 'block-second', executionArn: `${first.executionArn}-2` };
    await ledger().claim(first);

    const holder = await ledger().claim(second);
    const stored = await ledger().get(first, first.cidr);

    expect(holder).toEqual(first);
    expect(stored?.blockId).toBe(first.blockId);
  });

  it('lets exactly one of two simultaneous claims win (on dynalite: moto departs here)', async () => {
    // DynamoDB applies a conditional write atomically, so of two simultaneous claims of one pair
    // exactly one succeeds ("Condition expressions", Amazon DynamoDB Developer Guide). moto's
    // server answers requests on several threads without serialising conditional writes, and
    // now and then lets both claims win; the race is therefore checked on dynalite, which
    // serialises them as DynamoDB does.
    const dynamo = await startLocalDynamo('race');
    const local = new ClientFactory({
      ownAccount: security.id,
      baseCredentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoints: { DynamoDBClient: dynamo.endpoint },
    });
    try {
      const onDynalite = () => new Ledger({ clients: local, tables: dynamo.tables, config });
      const a = makeBlock();
      const b = { ...a, blockId: 'block-racing' };

      const holders = await Promise.all([onDynalite().claim(a), onDynalite().claim(b)]);
      const stored = await onDynalite().get(a, a.cidr);

      expect(holders.filter((h) => h === undefined)).toHaveLength(1);
      expect(holders.find((h) => h !== undefined)?.blockId).toBe(stored?.blockId);
    } finally {
      local.destroy();
      await dynamo.close();
    }
  });

  it('keeps pairs apart: the same address in another NACL is a separate claim', async () => {
    const block = makeBlock();
    const elsewhere = makeBlock({ cidr: block.cidr });
    await ledger().claim(block);

    const holder = await ledger().claim(elsewhere);

    expect(holder).toBeUndefined();
  });
});

describe('Ledger.release on moto', () => {
  it('refuses to release a pair held by another block', async () => {
    const block = makeBlock();
    await ledger().claim(block);

    const released = await ledger().release(block, block.cidr, 'block-someone-else');
    const stored = await ledger().get(block, block.cidr);

    expect(released).toBe(false);
    expect(stored?.blockId).toBe(block.blockId);
  });

  it('releases the pair for its holder, after which a new claim succeeds', async () => {
    const block = makeBlock();
    await ledger().claim(block);

    const released = await ledger().release(block, block.cidr, block.blockId);
    const reclaim = await ledger().claim({ ...block, blockId: 'block-next' });

    expect(released).toBe(true);
    expect(reclaim).toBeUndefined();
  });

  it('answers false for a pair nobody holds', async () => {
    const block = makeBlock();

    const released = await ledger().release(block, block.cidr, block.blockId);

    expect(released).toBe(false);
  });
});

describe('Ledger.extend on moto', () => {
  it('pushes the expiry later but never earlier, answering the expiry in force', async () => {
    const block = makeBlock();
    await ledger().claim(block);

    const later = await ledger().extend(block, block.cidr, '2026-03-03T10:00:00.000Z');
    const earlier = await ledger().extend(block, block.cidr, '2026-03-01T12:00:00.000Z');

    expect(later).toEqual({ kind: 'EXTENDED', expiresAt: '2026-03-03T10:00:00.000Z' });
    expect(earlier).toEqual({ kind: 'EXTENDED', expiresAt: '2026-03-03T10:00:00.000Z' });
  });

  it('refuses to extend a block whose lift has begun', async () => {
    const block = { ...makeBlock(), state: 'ACTIVE' as const, expiresAt: '2026-03-01T11:00:00.000Z' };
    await ledger().claim(block);
    const lifting = await ledger().beginLift(block, '2026-03-01T12:00:00.000Z');

    const extension = await ledger().extend(block, block.cidr, '2026-03-03T10:00:00.000Z');

    expect(lifting.kind).toBe('LIFTING');
    expect(extension).toEqual({ kind: 'IN_TRANSITION', state: 'LIFTING' });
  });
});
