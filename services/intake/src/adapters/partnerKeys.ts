import { createHash, randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  PutItemCommand,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import { type PartnerUsagePlan, validUsagePlan } from '#domain/partnerUsagePlan';

/** A partner of the intake API as stored: its key only as a SHA-256 hash, never the key. */
export interface Partner {
  name: string;
  /** Hex SHA-256 of the key. */
  keyHash: string;
  plan: PartnerUsagePlan;
  createdAt: string;
  revokedAt?: string;
}

/** What a caller's key turned out to be. */
export type KeyIdentity =
  | { kind: 'partner'; partner: Partner }
  | { kind: 'missing' }
  | { kind: 'unknown' }
  | { kind: 'revoked'; partner: Partner };

export class PartnerExistsError extends Error {
  override readonly name = 'PartnerExistsError';
  constructor(readonly partner: string) {
    super(`a partner named "${partner}" has a key already; revoke it first to issue a new one`);
  }
}

export class PartnerNotFoundError extends Error {
  override readonly name = 'PartnerNotFoundError';
  constructor(readonly partner: string) {
    super(`no partner named "${partner}"`);
  }
}

export class InvalidPartnerNameError extends Error {
  override readonly name = 'InvalidPartnerNameError';
}

/** Partner names: lowercase letters, digits, `.`, `_`, `-`; 2 to 40 characters, a letter first. */
export const partnerNamePattern = /^[a-z][a-z0-9._-]{1,39}$/;

/** The partner keys table: `name` as the key. Not an event-sourced model: keys are credentials. */
export function partnerKeysTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
  };
}

/**
 * The hash a key is stored and looked up by. Keys are 256 random bits, so a fast hash is enough (as
 * for any API token): nobody can guess a key from its hash, and a lookup costs microseconds.
 */
export function partnerKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new key: `mtdk_` and 43 base64url characters (256 random bits). */
export function newPartnerKey(): string {
  return `mtdk_${randomBytes(32).toString('base64url')}`;
}

/**
 * The intake API's partners and their keys (the local equivalent of API Gateway's API keys). Stored
 * in DynamoDB, one item per partner; held in memory by key hash, so checking a request's key costs
 * no call. Load it once with {@link PartnerKeys.open}; this process is the table's only writer.
 */
export class PartnerKeys {
  private readonly byName = new Map<string, Partner>();
  private readonly byHash = new Map<string, Partner>();

  private constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  static async open(options: { client: DynamoDBClient; tableName: string }): Promise<PartnerKeys> {
    const keys = new PartnerKeys(options.client, options.tableName);
    for await (const page of paginateScan(
      { client: options.client },
      { TableName: options.tableName, ConsistentRead: true },
    )) {
      for (const item of page.Items ?? []) keys.remember(fromItem(item));
    }
    return keys;
  }

  /** Every partner, by name (keys never included: only their hashes are stored). */
  list(): Partner[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): Partner | undefined {
    return this.byName.get(name);
  }

  /** Who a request's `x-api-key` belongs to. */
  identify(key: string | undefined): KeyIdentity {
    if (!key) return { kind: 'missing' };
    const partner = this.byHash.get(partnerKeyHash(key));
    if (!partner) return { kind: 'unknown' };
    return partner.revokedAt ? { kind: 'revoked', partner } : { kind: 'partner', partner };
  }

  /**
   * Adds a partner with a new key (or `key`, when the caller chose one) and returns the key: the only
   * time it exists outside the caller. A revoked partner's name may be used again.
   */
  async add(
    name: string,
    plan: PartnerUsagePlan,
    now: Date,
    key: string = newPartnerKey(),
  ): Promise<{ partner: Partner; key: string }> {
    if (!partnerNamePattern.test(name))
      throw new InvalidPartnerNameError(
        `partner name ${JSON.stringify(name)} is not valid: 2 to 40 of a-z 0-9 . _ -, starting with a letter`,
      );
    const previous = this.byName.get(name);
    if (previous && !previous.revokedAt) throw new PartnerExistsError(name);
    const partner: Partner = {
      name,
      keyHash: partnerKeyHash(key),
      plan: validUsagePlan(plan),
      createdAt: now.toISOString(),
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(partner),
          // Only over nothing, or over the revoked item this process read.
          ConditionExpression: previous ? 'keyHash = :previous' : 'attribute_not_exists(#name)',
          ...(previous
            ? { ExpressionAttributeValues: { ':previous': { S: previous.keyHash } } }
            : { ExpressionAttributeNames: { '#name': 'name' } }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new PartnerExistsError(name);
      throw error;
    }
    if (previous) this.byHash.delete(previous.keyHash);
    this.remember(partner);
    return { partner, key };
  }

  /** Gives an active partner a new key (the old one stops working at once); returns the new key. */
  async replaceKey(name: string, key: string = newPartnerKey()): Promise<string> {
    const partner = this.byName.get(name);
    if (!partner || partner.revokedAt) throw new PartnerNotFoundError(name);
    const replaced: Partner = { ...partner, keyHash: partnerKeyHash(key) };
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(replaced) }));
    this.byHash.delete(partner.keyHash);
    this.remember(replaced);
    return key;
  }

  /** Revokes a partner's key; its requests get 403 from now on. Revoking twice is a no-op. */
  async revoke(name: string, now: Date): Promise<Partner> {
    const partner = this.byName.get(name);
    if (!partner) throw new PartnerNotFoundError(name);
    if (partner.revokedAt) return partner;
    const revoked: Partner = { ...partner, revokedAt: now.toISOString() };
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(revoked) }));
    this.remember(revoked);
    return revoked;
  }

  private remember(partner: Partner): void {
    this.byName.set(partner.name, partner);
    this.byHash.set(partner.keyHash, partner);
  }
}

function toItem(partner: Partner): Record<string, AttributeValue> {
  return {
    name: { S: partner.name },
    keyHash: { S: partner.keyHash },
    rateLimit: { N: String(partner.plan.rateLimit) },
    burstLimit: { N: String(partner.plan.burstLimit) },
    ...(partner.plan.quotaPerDay !== undefined
      ? { quotaPerDay: { N: String(partner.plan.quotaPerDay) } }
      : {}),
    createdAt: { S: partner.createdAt },
    ...(partner.revokedAt ? { revokedAt: { S: partner.revokedAt } } : {}),
  };
}

function fromItem(item: Record<string, AttributeValue>): Partner {
  return {
    name: item.name?.S ?? '',
    keyHash: item.keyHash?.S ?? '',
    plan: {
      rateLimit: Number(item.rateLimit?.N),
      burstLimit: Number(item.burstLimit?.N),
      ...(item.quotaPerDay?.N !== undefined ? { quotaPerDay: Number(item.quotaPerDay.N) } : {}),
    },
    createdAt: item.createdAt?.S ?? '',
    ...(item.revokedAt?.S ? { revokedAt: item.revokedAt.S } : {}),
  };
}
