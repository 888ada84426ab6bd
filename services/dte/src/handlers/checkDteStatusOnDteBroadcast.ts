import { DteBroadcastV2 } from '@mtd/contracts';
import type { EventHandler } from '@mtd/platform';
import { decide } from '#domain/decideDte';
import { siiRut } from '#domain/dteXml';
import type { DteDeps } from '#src/dteDeps';
import { handleDte, loadDte } from '#src/dteStream';
import { UnexpectedEventError } from '#src/unexpectedEventError';

/**
 * Subscription `checkDteStatusOnDteBroadcast`: the SII received an envelope (DteBroadcast `received`);
 * ask it, by track id, for its verdict. While the SII is still processing, answer `{ retryAt }` (a
 * poll, not a failure); an accepted document becomes DteBroadcast `accepted` (or
 * `accepted-with-objections`, with the SII's reparos), a rejected one a final DteBroadcastFailed with
 * the SII's reasons: the order goes into exception for an operator. An SII that cannot be reached
 * throws, and the runner retries with backoff (dead letter after 10).
 */
export function checkDteStatusOnDteBroadcast(deps: DteDeps): EventHandler {
  return async (event, context) => {
    if (event.type !== DteBroadcastV2.detailType)
      throw new UnexpectedEventError('checkDteStatusOnDteBroadcast', event.type);
    // Asking the SII is outside MTD: a replay does not ask again.
    if (context.replayName || event.data.status !== 'received') return;
    const { orderId, trackId } = event.data;
    const cause = { causationId: event.metadata.eventId, correlationId: orderId, actor: 'system' };
    const { streamId, state, handled } = await loadDte(deps, orderId, cause);
    // Already judged, or a later envelope replaced this one (an operator's new round).
    if (handled || state.status !== 'submitted' || state.trackId !== trackId) return;
    const verdict = await deps.taxAuthority.status(trackId, siiRut(deps.issuer.rut));
    const now = deps.clock.now();
    if (verdict.kind === 'pending')
      return { retryAt: new Date(now.getTime() + (deps.statusPollMs ?? 5_000)) };
    await handleDte(deps, streamId, cause, (current) =>
      decide({ type: 'RecordSiiVerdict', trackId, at: now.toISOString(), verdict }, current),
    );
  };
}
