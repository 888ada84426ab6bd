import { createHash, createHmac } from 'node:crypto';
import {
  CustomerNotificationFailedV1,
  CustomerNotifiedV1,
  DteBroadcastFailedV1,
  DteBroadcastFailedV2,
  DteBroadcastV1,
  DteBroadcastV2,
  DteIssuanceFailedV1,
  DteIssuedV1,
  DteIssuedV2,
  type EventDefinition,
  type EventMetadata,
  ExceptionRetryRequestedV1,
  OrderAcceptedV1,
  OrderAtRiskV1,
  OrderReceivedV1,
  OrderReceivedV2,
  OrderRejectedV1,
} from '@mtd/contracts';
import { leafHash } from './merkle';

/**
 * # The ledger leaf
 *
 * One leaf per stored event. Its data is the UTF-8 of
 *
 *     canonicalJson({ leaf: 1, metadata, data })
 *
 * where `metadata` and `data` are the event exactly as the store holds them (the stored version, never
 * upcast), and `canonicalJson` is JSON with object keys sorted by UTF-16 code unit at every depth, no
 * whitespace, members whose value is `undefined` left out, strings and numbers as `JSON.stringify`
 * writes them (for the integers and strings MTD stores, the same bytes as RFC 8785 JCS). The metadata
 * carries the streamId, streamVersion, eventId, eventType and eventVersion, so the leaf commits to the
 * event's identity and place in its stream as well as its body; the leaf hash is RFC 9162's
 * SHA-256(0x00 || data).
 *
 * ## Personal data (Ley 21.719)
 *
 * Each personal field (see {@link personalFields}) enters the leaf as a salted commitment instead of its
 * value:
 *
 *     { "$commitment": hex(SHA-256(salt || UTF-8(canonicalJson(value)))) }
 *     salt = HMAC-SHA256(ledger salt secret, "mtd-ledger-salt/1\n" + eventId + "\n" + pointer)
 *
 * with `pointer` the field's JSON Pointer (RFC 6901), e.g. `/data/order/customer/email`. So an erasure
 * (crypto-shredding) that replaces a stored value with that same `{ "$commitment": … }` object, or with
 * ciphertext beside it, leaves the leaf, and every inclusion and consistency proof, unchanged: the leaf
 * computation takes a stored commitment object as it is. The salt is what keeps an erased field erased:
 * an email address is easy to guess, and an unsalted hash of it would confirm the guess.
 *
 * Why a salt derived from a secret rather than a random salt stored beside the leaf: nothing per event
 * is added to the ledger (a page stays 32 bytes a leaf plus its key), whoever reads the ledger table
 * (auditors, the query API) cannot test guesses against a commitment, and a proof can disclose the salt
 * of one field of one event without opening any other. The cost: the salt secret is needed to
 * recompute leaves, so it is kept and backed up with the signing key (locally a 0600 file beside it).
 * An erasure design that must also resist the secret's holder can move later events to per-customer
 * salt keys under a new leaf format (pages record their format); this format does not rule it out.
 *
 * Left in clear on purpose: `customer.id` (the pseudonymous key an erasure would look events up by) and
 * `metadata.actor` (an operator's user name, kept for the audit it exists for).
 */
export const leafFormat = 1;

/** Where a committed (or erased) personal value is: the object that stands in the leaf for the value. */
export interface FieldCommitment {
  $commitment: string;
}

/** An event as stored: the EventBridge `detail`. Extra members (`type`) are ignored. */
export interface StoredEvent {
  metadata: EventMetadata;
  data: unknown;
}

/** The salt of one personal field of one event. Deterministic: the same inputs, the same 32 bytes. */
export interface LedgerSalts {
  saltFor(eventId: string, pointer: string): Buffer;
}

/** Salts derived from one secret with HMAC-SHA256, as the leaf format above defines. */
export function hmacLedgerSalts(secret: Buffer): LedgerSalts {
  if (secret.length < 32) throw new RangeError('the ledger salt secret must be at least 32 bytes');
  return {
    saltFor: (eventId, pointer) =>
      createHmac('sha256', secret).update(`mtd-ledger-salt/1\n${eventId}\n${pointer}`).digest(),
  };
}

const key = (definition: EventDefinition) => `${definition.detailType}@${definition.version}`;

/**
 * The personal fields of every published event version, as JSON Pointers into the stored event; `*`
 * stands for every element of an array. FROZEN per version: once events of a version are in a ledger,
 * changing its list changes their leaves and breaks every proof. A new event version (or a field found
 * personal later) gets a new version with its own list. Every published version must have an entry,
 * even an empty one, so adding an event forces the question (a unit test checks it).
 */
export const personalFields: ReadonlyMap<string, readonly string[]> = new Map([
  // The raw order as received: the customer's name, email, RUT and address are in it.
  [key(OrderReceivedV1), ['/data/raw']],
  [key(OrderReceivedV2), ['/data/raw']],
  [
    key(OrderAcceptedV1),
    [
      '/data/order/customer/taxId',
      '/data/order/customer/name',
      '/data/order/customer/email',
      '/data/order/shipping/address',
    ],
  ],
  // Rejection messages quote the offending value ("customer.email must be an email …, got ana@").
  [key(OrderRejectedV1), ['/data/reasons/*/message']],
  // The DTE XML names the receiver (RUT, name, address) as the tax document requires.
  [key(DteIssuedV1), ['/data/customer/taxId', '/data/customer/name', '/data/customer/email', '/data/xml']],
  // v2 adds the TED, whose signed DD carries the receiver's RUT and name (RR, RSR).
  [
    key(DteIssuedV2),
    ['/data/customer/taxId', '/data/customer/name', '/data/customer/email', '/data/xml', '/data/ted'],
  ],
  [key(DteIssuanceFailedV1), []],
  [key(DteBroadcastV1), []],
  [key(DteBroadcastFailedV1), []],
  // The SII's words (objections, rejection reasons) can quote the receiver's data.
  [key(DteBroadcastV2), ['/data/objections/*']],
  [key(DteBroadcastFailedV2), ['/data/error', '/data/rejection/reasons/*']],
  [key(CustomerNotifiedV1), ['/data/to']],
  // The mail system's error can repeat the address.
  [key(CustomerNotificationFailedV1), ['/data/to', '/data/error']],
  // An operator's free text may name the customer.
  [key(ExceptionRetryRequestedV1), ['/data/comment']],
  [key(OrderAtRiskV1), []],
]);

/** The personal-field patterns of an event's stored type and version (none for an unknown type). */
export function personalPatternsOf(metadata: { eventType: string; eventVersion: number }): readonly string[] {
  return personalFields.get(`${metadata.eventType}@${metadata.eventVersion}`) ?? [];
}

/** The patterns as reference tokens, parsed once per type and version (leaves are computed by the 100,000). */
const patternTokens = new Map<string, string[][]>();
function personalTokensOf(metadata: { eventType: string; eventVersion: number }): string[][] {
  const key = `${metadata.eventType}@${metadata.eventVersion}`;
  let tokens = patternTokens.get(key);
  if (!tokens) {
    tokens = (personalFields.get(key) ?? []).map(pointerTokens);
    patternTokens.set(key, tokens);
  }
  return tokens;
}

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal values always hash alike
 * whatever the order their keys were written in. `undefined` members are left out, as JSON.stringify
 * does; a value JSON cannot hold (a function, a non-finite number, a bigint) is refused.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as canonical JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) text += ',';
          text += value[i] === undefined ? 'null' : canonicalJson(value[i]);
        }
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let text = '{';
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (text.length > 1) text += ',';
        text += `${JSON.stringify(key)}:${canonicalJson(member)}`;
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`cannot encode ${typeof value} as canonical JSON`);
  }
}

/** SHA-256(salt || UTF-8(canonicalJson(value))), hex: the commitment that stands for a personal value. */
export function commitmentOf(salt: Buffer, value: unknown): string {
  return createHash('sha256').update(salt).update(canonicalJson(value), 'utf8').digest('hex');
}

/** A value an erasure has already replaced by its commitment. */
export function isFieldCommitment(value: unknown): value is FieldCommitment {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const c = (value as { $commitment?: unknown }).$commitment;
  return keys.length === 1 && typeof c === 'string' && /^[0-9a-f]{64}$/.test(c);
}

/** One personal field of one event as it entered the leaf. */
export interface PersonalField {
  pointer: string;
  commitment: string;
  /** Absent when the store already held the commitment (erased). */
  salt?: Buffer;
}

export interface LedgerLeaf {
  /** RFC 9162 leaf hash of `preimage`. */
  hash: Buffer;
  /** The leaf's data, canonical JSON. */
  preimage: string;
  personal: PersonalField[];
}

/** The leaf of one stored event (see the format above). */
export function ledgerLeafOf(event: StoredEvent, salts: LedgerSalts): LedgerLeaf {
  const committed: Record<string, unknown> = { metadata: event.metadata, data: event.data };
  const context: CommitContext = { eventId: event.metadata.eventId, salts, personal: [], copies: new Set() };
  for (const tokens of personalTokensOf(event.metadata)) commitFields(committed, tokens, 0, '', context);
  const preimage = canonicalJson({ leaf: leafFormat, ...committed });
  return { hash: leafHash(Buffer.from(preimage, 'utf8')), preimage, personal: context.personal };
}

/** Just the leaf hash. */
export function ledgerLeafHash(event: StoredEvent, salts: LedgerSalts): Buffer {
  return ledgerLeafOf(event, salts).hash;
}

interface CommitContext {
  eventId: string;
  salts: LedgerSalts;
  personal: PersonalField[];
  /** Objects already copied: the caller's event is never changed, and each object is copied once. */
  copies: Set<object>;
}

/**
 * Replaces, below `holder` (an object this leaf owns), the values `tokens[i..]` name by their
 * commitments, copying each object on the way down the first time it is met.
 */
function commitFields(
  holder: Record<string, unknown>,
  tokens: string[],
  i: number,
  pointer: string,
  context: CommitContext,
): void {
  const token = tokens[i]!;
  const keys =
    token === '*' ? (Array.isArray(holder) ? holder.map((_, index) => String(index)) : []) : [token];
  for (const key of keys) {
    if (!Object.hasOwn(holder, key)) continue;
    const node = holder[key];
    const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (i === tokens.length - 1) {
      if (node === undefined) continue;
      if (isFieldCommitment(node)) {
        context.personal.push({ pointer: at, commitment: node.$commitment });
        continue;
      }
      const salt = context.salts.saltFor(context.eventId, at);
      const commitment = commitmentOf(salt, node);
      holder[key] = { $commitment: commitment };
      context.personal.push({ pointer: at, commitment, salt });
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    let copy = node as Record<string, unknown>;
    if (!context.copies.has(node)) {
      copy = (Array.isArray(node) ? [...node] : { ...node }) as Record<string, unknown>;
      context.copies.add(copy);
      holder[key] = copy;
    }
    commitFields(copy, tokens, i + 1, at, context);
  }
}

/** RFC 6901 reference tokens of a pointer. */
export function pointerTokens(pointer: string): string[] {
  if (!pointer.startsWith('/')) throw new RangeError(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}
