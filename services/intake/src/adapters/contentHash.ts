import { createHash } from 'node:crypto';
import type { RejectionReason } from '@mtd/contracts';
import type { OrderCandidate } from '#domain/validateOrder';

/**
 * JSON with object keys sorted and undefined members dropped, so the same order hashes the same
 * whatever its formatting, attribute order or format (an XML resend of a JSON order is identical).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * sha256 (hex) of the canonical (normalised) candidate: the identity of an order's content
 * (OrderReceived.contentHash). Structural problems the mapping dropped (a second equal key, text
 * between elements) are part of the identity too: without them, the order fixed by removing the
 * duplicate would hash like the refused one and be taken for an identical resend.
 */
export function contentHashOf(
  candidate: OrderCandidate,
  structural: readonly RejectionReason[] = [],
): string {
  const identity =
    structural.length === 0
      ? candidate
      : { candidate, structure: structural.map((problem) => `${problem.path} ${problem.code}`) };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}
