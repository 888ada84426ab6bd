import { createHash } from 'node:crypto';
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

/** sha256 (hex) of the canonical candidate: the identity of an order's content (OrderReceived.contentHash). */
export function contentHashOf(candidate: OrderCandidate): string {
  return createHash('sha256').update(canonicalJson(candidate)).digest('hex');
}
