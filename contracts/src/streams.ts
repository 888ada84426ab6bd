import { type Source, Sources } from './envelope';

/**
 * Order ids as intake accepts them (`PurchaseOrder.orderId`): ASCII letters and digits, then also
 * `.`, `_` and `-`, 1-64 in all. Such an id is used in a stream id as it is.
 */
const safeOrderId = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const encoder = new TextEncoder();

/**
 * The part of a stream id after its prefix. Injective over every string, so no two order ids, however
 * odd, can ever share a stream: a safe id is kept as it is (so the streams of every order stored so
 * far resolve unchanged); anything else becomes `~` followed by its UTF-8 bytes, each outside
 * `[A-Za-z0-9._-]` written `%XX` (a lone surrogate, which has no UTF-8 form, `!XXXX`). A safe id never starts with `~`, and the escaped form decodes back
 * to exactly one string, so the two ranges never meet.
 *
 * @example streamKeyOf('PO-1001') // 'PO-1001'
 * @example streamKeyOf('PO 1') // '~PO%201'
 */
export function streamKeyOf(orderId: string): string {
  if (safeOrderId.test(orderId)) return orderId;
  let escaped = '~';
  for (const char of orderId) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      // A lone surrogate has no UTF-8 form (an encoder would make it U+FFFD, a collision).
      escaped += `!${code.toString(16).toUpperCase()}`;
      continue;
    }
    for (const byte of encoder.encode(char)) {
      const ascii = String.fromCharCode(byte);
      escaped += /[A-Za-z0-9._-]/.test(ascii)
        ? ascii
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return escaped;
}

/**
 * Stream ids, one per aggregate instance; the prefix tells the owning service (DESIGN §2). No prefix
 * is a prefix of another, and the rest is {@link streamKeyOf}, so the mapping (kind, order id) ->
 * stream id is injective.
 */
export const Streams = {
  order: (orderId: string) => `order-${streamKeyOf(orderId)}`,
  dte: (orderId: string) => `dte-${streamKeyOf(orderId)}`,
  notification: (orderId: string) => `notification-${streamKeyOf(orderId)}`,
  backoffice: (orderId: string) => `backoffice-${streamKeyOf(orderId)}`,
  sla: (orderId: string) => `sla-${streamKeyOf(orderId)}`,
} as const;

/** Which stream prefixes each producer may append to. The event store refuses any other stream. */
export const streamPrefixesBySource: Record<Source, readonly string[]> = {
  [Sources.intake]: ['order-'],
  [Sources.dte]: ['dte-'],
  [Sources.notification]: ['notification-'],
  [Sources.backoffice]: ['backoffice-'],
  [Sources.projection]: ['sla-'],
};

export function ownsStream(source: Source, streamId: string): boolean {
  return streamPrefixesBySource[source].some((prefix) => streamId.startsWith(prefix));
}
