import { type Source, Sources } from './envelope';

/** Stream ids, one per aggregate instance; the prefix tells the owning service (DESIGN §2). */
export const Streams = {
  order: (orderId: string) => `order-${orderId}`,
  dte: (orderId: string) => `dte-${orderId}`,
  notification: (orderId: string) => `notification-${orderId}`,
  backoffice: (orderId: string) => `backoffice-${orderId}`,
  sla: (orderId: string) => `sla-${orderId}`,
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
