import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { Streams } from '@mtd/contracts';
import type { Clock } from '../clock';
import { batchGetAll } from '../dynamoTables';
import type { Commit, EventStoreReader } from '../eventStore';
import { type SignedCheckpoint, signCheckpoint } from './checkpoint';
import {
  LedgerConflictError,
  LedgerCorruptError,
  LedgerProofError,
  NoLedgerSignerError,
} from './ledgerErrors';
import {
  type LedgerSalts,
  leafFormat,
  ledgerLeafOf,
  type PersonalField,
  pointerTokens,
  type StoredEvent,
} from './ledgerLeaf';
import type { LedgerPublicKey, LedgerSigner } from './ledgerSigner';
import { type LedgerVerification, type VerifyOptions, verifyLedger } from './ledgerVerification';
import { appendToFrontier, MerkleTree, rootOfFrontier } from './merkle';
import type { ConsistencyProofFile, LedgerProofFile, ProofEntry } from './proofVerifier';
import { type CommitSource, type DynamoStoredEvents, feedCommits } from './storedEvents';

/**
 * The ledger's own table (platform-owned, like the event store; never a read model, never rebuilt):
 * pages under pk `page` (sort key: the page's first leaf index), checkpoints under pk `checkpoint`
 * (sort key: tree size), public keys under pk `key#<keyId>` (sort key 0).
 */
export function ledgerTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'seq', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'seq', KeyType: 'RANGE' },
    ],
  };
}

export const pagePk = 'page';
export const checkpointPk = 'checkpoint';
export const keyPk = (keyId: string) => `key#${keyId}`;

/** Where one leaf came from. */
export interface LedgerEntry {
  streamId: string;
  streamVersion: number;
  eventId: string;
}

/**
 * One page item: the leaves one append added, in append order, their keys, and the compact range
 * (frontier) of the whole tree after them, from which the next append and the root follow.
 */
export interface LedgerPage {
  /** Index of the page's first leaf. */
  seq: number;
  leaves: Buffer[];
  entries: LedgerEntry[];
  /** The frontier of [0, seq + leaves.length). */
  frontier: Buffer[];
  time: string;
  /** The writer had read every commit with a commit id up to this one (see `appendPage`). */
  through?: string;
  /** The leaf format of ledgerLeaf.ts the leaves use. */
  format: number;
}

export interface AppendPageResult {
  /** Leaves added (events already in the ledger are skipped). */
  appended: number;
  treeSize: number;
}

export interface LedgerOptions {
  client: DynamoDBClient;
  tableName: string;
  clock: Clock;
  /** The secret personal fields are salted with (ledgerLeaf.ts); needed to write and to verify. */
  salts: LedgerSalts;
  /** Signs checkpoints; a ledger without one can append, verify and prove, not checkpoint. */
  signer?: LedgerSigner;
  /** The name checkpoints carry; defaults to the table name. */
  origin?: string;
  /** Keys of this many most recent leaves are remembered to skip redeliveries (default 20,000). */
  recentKeys?: number;
  /** Most leaves one page item holds (default 1,000: about 110 KB, well under DynamoDB's 400 KB). */
  pageLimit?: number;
}

interface Head {
  size: number;
  frontier: Buffer[];
  through: string | undefined;
}

const maxAppendAttempts = 10;
/** Leaf hashes and keys one page item may carry, leaving room under DynamoDB's 400 KB for the rest. */
const maxPageBytes = 300 * 1024;

/**
 * The tamper-evident ledger over the event store (DESIGN §5.5, RFC 9162 Merkle tree). One writer appends
 * a page of leaves per call with one conditional PutItem; checkpoints sign the root; `verify`
 * recomputes every leaf from the store; proofs let a third party check one order offline.
 *
 * Feed it events exactly as stored, in the writer's own order: the commits of `readFeed` pages (see
 * {@link Ledger.appendCommits}), every event, not a subscription's pattern-filtered, validated and
 * upcast copies, or the leaves will not match what `verify` recomputes from the store.
 *
 * @example
 * const ledger = new Ledger({ client, tableName: 'mtd-ledger', clock, salts, signer });
 * const page = await reader.readFeed(position, { limit: 100 });
 * await ledger.appendCommits(page.commits); // 1 PutItem
 * const checkpoint = await ledger.checkpoint(); // every few seconds, and on demand
 */
export class Ledger {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly salts: LedgerSalts;
  private readonly signer: LedgerSigner | undefined;
  readonly origin: string;
  private readonly recentLimit: number;
  private readonly pageLimit: number;
  private head: Head | undefined;
  /**
   * Stream id + version -> leaf index of the most recent `recentLimit` leaves, oldest first. Redelivery
   * reaches back only as far as the caller's checkpoint lags its own appends: the writer saves its
   * feed position after each page, so a crash or a retried page re-delivers at most the pages since the
   * last save, seconds of events. 20,000 leaves are minutes even at the engine's peak (500 orders/min
   * is about 50 events/s), so a redelivered event is always still here. The bound keeps memory flat.
   */
  private readonly recent = new Map<string, number>();
  private readonly registeredKeys = new Set<string>();
  private lastCheckpoint: SignedCheckpoint | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: LedgerOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock;
    this.salts = options.salts;
    this.signer = options.signer;
    this.origin = options.origin ?? options.tableName;
    this.recentLimit = options.recentKeys ?? 20_000;
    this.pageLimit = options.pageLimit ?? 1000;
  }

  /**
   * Appends the leaves of the events not in the ledger yet, in the given order, as one page item (one
   * conditional PutItem; more only past `pageLimit` leaves). An event already in the ledger (same
   * stream and version) is skipped, so a redelivered page is harmless. When another writer took the
   * page's place (ConditionalCheckFailed), reloads the head and retries.
   *
   * `through`: the feed position after these events. It tells `verify` which store commits the ledger
   * has seen: a commit missing from the ledger with a commit id up to `through` was inserted behind
   * the ledger's back (or skipped by the feed, which must never happen); one after it is only not
   * appended yet. Without it, verify takes the newest commit the ledger holds an event of as how far
   * the writer had read (it takes that anyway, so lowering `through` hides nothing).
   */
  appendPage(events: readonly StoredEvent[], options: { through?: string } = {}): Promise<AppendPageResult> {
    return this.exclusive(() => this.appendNow(events, options.through));
  }

  /** {@link appendPage} for feed commits: every event of each, covered through the last commit. */
  appendCommits(commits: readonly Commit[]): Promise<AppendPageResult> {
    const through = commits.reduce<string | undefined>(
      (max, c) => (max === undefined || c.commitId > max ? c.commitId : max),
      undefined,
    );
    return this.appendPage(
      commits.flatMap((c) => c.events),
      through === undefined ? {} : { through },
    );
  }

  /** The current tree size and root (reads the head once, then answers from memory). */
  async treeHead(): Promise<{ treeSize: number; rootHash: string; through?: string }> {
    return this.exclusive(async () => {
      const head = await this.loadedHead();
      return {
        treeSize: head.size,
        rootHash: rootOfFrontier(head.frontier).toString('hex'),
        ...(head.through ? { through: head.through } : {}),
      };
    });
  }

  /**
   * Signs the current tree head and stores it (1 PutItem; 1 more the first time a key signs). When
   * nothing was appended since the last checkpoint this writer made, returns that one without a call,
   * so a periodic timer costs nothing while idle.
   */
  checkpoint(): Promise<SignedCheckpoint> {
    return this.exclusive(async () => {
      if (!this.signer) throw new NoLedgerSignerError();
      const head = await this.loadedHead();
      if (this.lastCheckpoint?.treeSize === head.size) return this.lastCheckpoint;
      const { checkpoint, publicKeyPem } = await signCheckpoint(this.signer, {
        origin: this.origin,
        treeSize: head.size,
        rootHash: rootOfFrontier(head.frontier).toString('hex'),
        time: this.clock.now().toISOString(),
      });
      await this.registerKey({ keyId: checkpoint.keyId, pem: publicKeyPem });
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: checkpointItem(checkpoint),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        this.lastCheckpoint = checkpoint;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // A checkpoint of this size exists (made before a restart): the tree has not moved since.
        this.lastCheckpoint = (await this.storedCheckpoint(head.size)) ?? checkpoint;
      }
      return this.lastCheckpoint;
    });
  }

  /** Every stored checkpoint, smallest tree first. */
  async checkpoints(): Promise<SignedCheckpoint[]> {
    const items = await this.queryAll(checkpointPk);
    return items.map(checkpointOf).filter((c): c is SignedCheckpoint => c !== undefined);
  }

  /** The stored public keys (keyId -> PEM) of the given key ids. */
  async publicKeys(keyIds: Iterable<string>): Promise<Map<string, string>> {
    const ids = [...new Set(keyIds)];
    const keys = new Map<string, string>();
    const items = await batchGetAll(
      this.client,
      this.tableName,
      ids.map((id) => ({ pk: { S: keyPk(id) }, seq: { N: '0' } })),
    );
    for (const item of items) {
      const keyId = item.keyId?.S;
      const pem = item.pem?.S;
      if (keyId && pem && item.pk?.S === keyPk(keyId)) keys.set(keyId, pem);
    }
    return keys;
  }

  /** Every page as stored, in seq order, each decoded or the reason it cannot be. */
  async pages(): Promise<(LedgerPage | { seq: number; unreadable: string })[]> {
    return (await this.queryAll(pagePk)).map(pageOf);
  }

  /**
   * Recomputes the ledger from the event store and names every break: an edited, deleted or inserted
   * event, reordered leaves, an edited or deleted ledger page, a checkpoint that does not match the
   * tree or whose signature fails. `source`: an EventStoreReader (read through its feed) or a
   * {@link CommitSource} such as {@link DynamoStoredEvents} (the table itself, which also sees items
   * written without the feed's index attributes).
   *
   * What it can prove rests on the checkpoints: someone who can write both tables can rewrite pages
   * consistently, and only a checkpoint signed before (kept outside the table, or pinned here with
   * `options.checkpoints` and `options.trustedKeys`) shows it.
   */
  async verify(
    source: EventStoreReader | CommitSource,
    options: VerifyOptions = {},
  ): Promise<LedgerVerification> {
    const commits = 'readFeed' in source ? feedCommits(source) : source;
    const [items, checkpoints] = await Promise.all([this.queryAll(pagePk), this.checkpoints()]);
    // Decoded one at a time as verify walks them, so a hundred thousand leaves are never held twice.
    const pages = (function* () {
      for (const item of items) yield pageOf(item);
    })();
    const pinned = options.checkpoints ?? [];
    const keys = await this.publicKeys([...checkpoints, ...pinned].map((c) => c.keyId));
    return verifyLedger(
      { origin: this.origin, pages, checkpoints, keys, source: commits, salts: this.salts },
      options,
    );
  }

  /**
   * A self-contained proof that one order's events (all its streams; or the given stream ids) are in the
   * ledger: each event as stored, its leaf index and inclusion proof against a signed checkpoint, and
   * the checkpoint's public key. Checks it with proofVerifier.ts, offline. Uses `checkpoint`, else the
   * latest stored one, else (or when the latest does not cover all the order's leaves and a signer is
   * configured) a new one. `redact`: personal fields travel as their commitments only.
   *
   * It proves these events are in the ledger, unchanged and in these places; it does not prove the
   * order has no other event (a Merkle log proves inclusion, not absence).
   */
  async proveOrder(
    order: string | readonly string[],
    options: { events: DynamoStoredEvents; checkpoint?: SignedCheckpoint; redact?: boolean },
  ): Promise<LedgerProofFile> {
    const streamIds =
      typeof order === 'string' ? Object.values(Streams).map((stream) => stream(order)) : order;
    const { tree, entries } = await this.loadTree();
    const index = new Map(entries.map((e, i) => [entryKey(e.streamId, e.streamVersion), i]));
    const stored: { leafIndex: number; event: StoredEvent }[] = [];
    for (const streamId of streamIds) {
      for (const commit of await options.events.readStream(streamId)) {
        if (commit.unreadable)
          throw new LedgerProofError(`${streamId}@${commit.version} is unreadable: ${commit.unreadable}`);
        for (const event of commit.events) {
          const leafIndex = index.get(entryKey(event.metadata.streamId, event.metadata.streamVersion));
          if (leafIndex !== undefined) stored.push({ leafIndex, event });
        }
      }
    }
    if (stored.length === 0)
      throw new LedgerProofError(`no event of ${describeOrder(order)} is in the ledger`);
    const needed = Math.max(...stored.map((s) => s.leafIndex)) + 1;
    const checkpoint = options.checkpoint ?? (await this.checkpointCovering(needed));
    if (
      checkpoint.treeSize > tree.size ||
      !tree.root(checkpoint.treeSize).equals(Buffer.from(checkpoint.rootHash, 'hex'))
    ) {
      throw new LedgerProofError(`checkpoint ${checkpoint.treeSize} does not match the ledger: run verify`);
    }
    const pem = (await this.publicKeys([checkpoint.keyId])).get(checkpoint.keyId);
    if (!pem) throw new LedgerProofError(`the public key ${checkpoint.keyId} is not in the ledger`);
    const proofEntries: ProofEntry[] = [];
    for (const { leafIndex, event } of stored.sort((a, b) => a.leafIndex - b.leafIndex)) {
      if (leafIndex >= checkpoint.treeSize) continue;
      const leaf = ledgerLeafOf(event, this.salts);
      if (!leaf.hash.equals(tree.leaf(leafIndex))) {
        throw new LedgerProofError(
          `${event.metadata.streamId}@${event.metadata.streamVersion} as stored is not leaf ${leafIndex}: run verify`,
        );
      }
      proofEntries.push({
        leafIndex,
        event: options.redact
          ? redacted(event, leaf.personal)
          : { metadata: event.metadata, data: event.data },
        personal: options.redact
          ? {}
          : Object.fromEntries(
              leaf.personal.filter((p) => p.salt).map((p) => [p.pointer, p.salt!.toString('hex')]),
            ),
        inclusionProof: tree.inclusionProof(leafIndex, checkpoint.treeSize).map((h) => h.toString('hex')),
      });
    }
    return { format: 'mtd-ledger-proof/1', checkpoint, publicKey: pem, entries: proofEntries };
  }

  /**
   * Proves the checkpoint of `sizeA` leaves is a prefix of the checkpoint of `sizeB` (RFC 9162 §2.1.4),
   * from the ledger as it is now: if history was rewritten between them, the proof does not verify
   * against the signed roots. Both sizes must have a stored checkpoint.
   */
  async consistencyProof(sizeA: number, sizeB: number): Promise<ConsistencyProofFile> {
    if (!(sizeA <= sizeB)) throw new RangeError(`size ${sizeA} is after size ${sizeB}`);
    const checkpoints = await this.checkpoints();
    const first = checkpoints.find((c) => c.treeSize === sizeA);
    const second = checkpoints.find((c) => c.treeSize === sizeB);
    if (!first || !second)
      throw new LedgerProofError(`no checkpoint of ${first ? sizeB : sizeA} leaves is stored`);
    const { tree } = await this.loadTree();
    if (sizeB > tree.size)
      throw new LedgerProofError(`the ledger has ${tree.size} leaves, not ${sizeB}: run verify`);
    const keys = await this.publicKeys([first.keyId, second.keyId]);
    return {
      format: 'mtd-ledger-consistency/1',
      first,
      second,
      proof: tree.consistencyProof(sizeA, sizeB).map((h) => h.toString('hex')),
      publicKeys: Object.fromEntries(keys),
    };
  }

  private async appendNow(
    events: readonly StoredEvent[],
    through: string | undefined,
  ): Promise<AppendPageResult> {
    const leaves = new Map<string, Buffer>();
    let appended = 0;
    for (let attempt = 1; attempt <= maxAppendAttempts; attempt++) {
      const head = await this.loadedHead();
      const fresh: { key: string; event: StoredEvent }[] = [];
      const inPage = new Set<string>();
      for (const event of events) {
        const key = entryKey(event.metadata.streamId, event.metadata.streamVersion);
        if (this.recent.has(key) || inPage.has(key)) continue;
        inPage.add(key);
        fresh.push({ key, event });
      }
      const coverage = maxOf(head.through, through);
      if (fresh.length === 0) return { appended, treeSize: head.size };
      try {
        const chunks = this.chunked(fresh);
        for (const [c, chunk] of chunks.entries()) {
          const last = c === chunks.length - 1;
          const hashes = chunk.map(({ key, event }) => {
            let hash = leaves.get(key);
            if (!hash) {
              hash = ledgerLeafOf(event, this.salts).hash;
              leaves.set(key, hash);
            }
            return hash;
          });
          const current = this.head!;
          let frontier = current.frontier;
          for (const [i, hash] of hashes.entries())
            frontier = appendToFrontier(frontier, current.size + i, hash);
          // Only the page that ends the call claims the new coverage: a crash between pages must not
          // claim commits of a page never written.
          const pageThrough = last ? coverage : current.through;
          const page: LedgerPage = {
            seq: current.size,
            leaves: hashes,
            entries: chunk.map(({ event }) => ({
              streamId: event.metadata.streamId,
              streamVersion: event.metadata.streamVersion,
              eventId: event.metadata.eventId,
            })),
            frontier,
            time: this.clock.now().toISOString(),
            ...(pageThrough ? { through: pageThrough } : {}),
            format: leafFormat,
          };
          await this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: pageItem(page),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          this.head = { size: current.size + hashes.length, frontier, through: pageThrough };
          for (const [i, { key }] of chunk.entries()) this.remember(key, current.size + i);
          appended += chunk.length;
        }
        return { appended, treeSize: this.head!.size };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another writer appended: start again from its head; what it appended is skipped then.
        this.head = undefined;
        if (attempt === maxAppendAttempts) throw new LedgerConflictError(maxAppendAttempts, { cause: error });
      }
    }
    throw new LedgerConflictError(maxAppendAttempts);
  }

  /**
   * Pages of at most `pageLimit` leaves and about 300 KB of keys: a DynamoDB item holds 400 KB, and a
   * stream id of an escaped order id can be long.
   */
  private chunked<T extends { event: StoredEvent }>(fresh: T[]): T[][] {
    const chunks: T[][] = [];
    let chunk: T[] = [];
    let bytes = 0;
    for (const item of fresh) {
      const { streamId, eventId } = item.event.metadata;
      const size = 32 + Buffer.byteLength(streamId) + Buffer.byteLength(eventId) + 24;
      if (chunk.length > 0 && (chunk.length === this.pageLimit || bytes + size > maxPageBytes)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(item);
      bytes += size;
    }
    if (chunk.length > 0) chunks.push(chunk);
    return chunks;
  }

  /** The head (last page) and the recent keys, read from the tail pages once (and after a conflict). */
  private async loadedHead(): Promise<Head> {
    if (this.head) return this.head;
    this.recent.clear();
    const tail: LedgerPage[] = [];
    let keys = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pagePk } },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: 50,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        const page = pageOf(item);
        if ('unreadable' in page) throw new LedgerCorruptError(`page ${page.seq}: ${page.unreadable}`);
        tail.push(page);
        keys += page.entries.length;
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey && keys < this.recentLimit);
    for (const page of tail.reverse()) {
      for (const [i, entry] of page.entries.entries()) {
        this.remember(entryKey(entry.streamId, entry.streamVersion), page.seq + i);
      }
    }
    const last = tail.at(-1);
    if (last && last.frontier.length !== bitCount(last.seq + last.leaves.length)) {
      throw new LedgerCorruptError(`page ${last.seq}: its frontier does not fit a tree of its size`);
    }
    this.head = last
      ? { size: last.seq + last.leaves.length, frontier: last.frontier, through: last.through }
      : { size: 0, frontier: [], through: undefined };
    return this.head;
  }

  private remember(key: string, leafIndex: number): void {
    this.recent.set(key, leafIndex);
    if (this.recent.size > this.recentLimit) this.recent.delete(this.recent.keys().next().value!);
  }

  /** Every leaf and entry in order; throws when a page is missing or unreadable (verify names it). */
  private async loadTree(): Promise<{ tree: MerkleTree; entries: LedgerEntry[] }> {
    const tree = new MerkleTree();
    const entries: LedgerEntry[] = [];
    for (const page of await this.pages()) {
      if ('unreadable' in page)
        throw new LedgerCorruptError(`page ${page.seq}: ${page.unreadable}: run verify`);
      if (page.seq !== tree.size)
        throw new LedgerCorruptError(`page ${page.seq} follows leaf ${tree.size}: run verify`);
      for (const leaf of page.leaves) tree.append(leaf);
      entries.push(...page.entries);
    }
    return { tree, entries };
  }

  private async checkpointCovering(size: number): Promise<SignedCheckpoint> {
    const latest = (await this.checkpoints()).at(-1);
    if (latest && latest.treeSize >= size) return latest;
    if (this.signer) return this.checkpoint();
    throw new LedgerProofError(
      `no checkpoint covers leaf ${size - 1} and this ledger has no signer to make one`,
    );
  }

  private async registerKey(key: LedgerPublicKey): Promise<void> {
    if (this.registeredKeys.has(key.keyId)) return;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: keyPk(key.keyId) },
            seq: { N: '0' },
            keyId: { S: key.keyId },
            pem: { S: key.pem },
            registeredAt: { S: this.clock.now().toISOString() },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    this.registeredKeys.add(key.keyId);
  }

  private async storedCheckpoint(treeSize: number): Promise<SignedCheckpoint | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: checkpointPk }, seq: { N: String(treeSize) } },
        ConsistentRead: true,
      }),
    );
    return result.Item ? checkpointOf(result.Item) : undefined;
  }

  private async queryAll(pk: string): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** One operation at a time: the ledger has one writer, and its head lives in this object. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

export function entryKey(streamId: string, streamVersion: number): string {
  return `${streamId}\u0000${streamVersion}`;
}

function bitCount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

function maxOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

function describeOrder(order: string | readonly string[]): string {
  return typeof order === 'string' ? `order ${order}` : order.join(', ');
}

/** The event with each personal value replaced by its commitment, as an erasure would leave it. */
function redacted(event: StoredEvent, personal: PersonalField[]): StoredEvent {
  const copy = structuredClone({ metadata: event.metadata, data: event.data }) as StoredEvent;
  for (const field of personal) {
    const tokens = pointerTokens(field.pointer);
    let node = copy as unknown as Record<string, unknown>;
    for (const token of tokens.slice(0, -1)) node = node[token] as Record<string, unknown>;
    node[tokens.at(-1)!] = { $commitment: field.commitment };
  }
  return copy;
}

export function pageItem(page: LedgerPage): Record<string, AttributeValue> {
  return {
    pk: { S: pagePk },
    seq: { N: String(page.seq) },
    count: { N: String(page.leaves.length) },
    leaves: { B: Buffer.concat(page.leaves) },
    entries: { S: JSON.stringify(page.entries.map((e) => [e.streamId, e.streamVersion, e.eventId])) },
    frontier: { B: Buffer.concat(page.frontier) },
    time: { S: page.time },
    ...(page.through ? { through: { S: page.through } } : {}),
    format: { N: String(page.format) },
  };
}

/** Decodes a page item; a page that does not decode is reported with the reason, never trusted. */
export function pageOf(
  item: Record<string, AttributeValue>,
): LedgerPage | { seq: number; unreadable: string } {
  const seq = Number(item.seq?.N);
  const count = Number(item.count?.N);
  const leaves = item.leaves?.B;
  const frontier = item.frontier?.B;
  if (!Number.isSafeInteger(count) || count < 1) return { seq, unreadable: 'its leaf count is missing' };
  if (!leaves || leaves.length !== count * 32)
    return { seq, unreadable: `it does not hold ${count} leaf hashes` };
  if (!frontier || frontier.length % 32 !== 0)
    return { seq, unreadable: 'its frontier is not a list of hashes' };
  let entries: LedgerEntry[];
  try {
    const raw = JSON.parse(item.entries?.S ?? '') as unknown;
    if (!Array.isArray(raw) || raw.length !== count) throw new Error();
    entries = raw.map((e: unknown) => {
      if (
        !Array.isArray(e) ||
        typeof e[0] !== 'string' ||
        typeof e[1] !== 'number' ||
        typeof e[2] !== 'string'
      ) {
        throw new Error();
      }
      return { streamId: e[0], streamVersion: e[1], eventId: e[2] };
    });
  } catch {
    return { seq, unreadable: `its entries are not ${count} (streamId, version, eventId)` };
  }
  const through = item.through?.S;
  return {
    seq,
    leaves: split(Buffer.from(leaves)),
    entries,
    frontier: split(Buffer.from(frontier)),
    time: item.time?.S ?? '',
    ...(through ? { through } : {}),
    format: Number(item.format?.N),
  };
}

function split(bytes: Buffer): Buffer[] {
  const hashes: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 32) hashes.push(bytes.subarray(i, i + 32));
  return hashes;
}

export function checkpointItem(checkpoint: SignedCheckpoint): Record<string, AttributeValue> {
  return {
    pk: { S: checkpointPk },
    seq: { N: String(checkpoint.treeSize) },
    origin: { S: checkpoint.origin },
    rootHash: { S: checkpoint.rootHash },
    time: { S: checkpoint.time },
    keyId: { S: checkpoint.keyId },
    signature: { S: checkpoint.signature },
  };
}

function checkpointOf(item: Record<string, AttributeValue>): SignedCheckpoint | undefined {
  const treeSize = Number(item.seq?.N);
  if (!Number.isSafeInteger(treeSize)) return undefined;
  return {
    origin: item.origin?.S ?? '',
    treeSize,
    rootHash: item.rootHash?.S ?? '',
    time: item.time?.S ?? '',
    keyId: item.keyId?.S ?? '',
    signature: item.signature?.S ?? '',
  };
}
