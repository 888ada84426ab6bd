import { InvalidCursorError } from '#adapters/projectionErrors';

/** Opaque pagination cursor: base64url of a small JSON object of strings/numbers. */
export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Decodes a cursor and checks it has exactly the expected fields with the expected types. */
export function decodeCursor<K extends string>(
  cursor: string,
  fields: Record<K, 'string' | 'number'>,
): Record<K, string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(cursor);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidCursorError(cursor);
  const record = parsed as Record<string, unknown>;
  const out = {} as Record<K, string | number>;
  for (const [name, type] of Object.entries(fields) as [K, 'string' | 'number'][]) {
    const value = record[name];
    if (typeof value !== type) throw new InvalidCursorError(cursor);
    out[name] = value as string | number;
  }
  return out;
}
