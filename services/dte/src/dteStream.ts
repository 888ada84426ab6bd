import { Streams } from '@mtd/contracts';
import { type Cause, commandHandler, loadForEffect } from '@mtd/platform';
import { type DteState, evolve, initialState } from '#domain/dte';
import type { DteDeps } from '#src/dteDeps';

/** Load, decide, append on a dte stream, idempotent by causation (platform commandHandler). */
export const handleDte = commandHandler<DteState>({ initialState, evolve });

/**
 * The stream's state, and whether it already holds an effect of `cause`. Handlers with effects
 * outside the stream (reserving a folio, calling the tax authority) look first, so a redelivery
 * does not repeat them; the append that follows still checks again (handleDte). With
 * `assumeNewStream` nothing is read for a stream not cached (platform `loadForEffect`).
 */
export async function loadDte(
  deps: Pick<DteDeps, 'store'>,
  orderId: string,
  cause: Cause,
  options: { assumeNewStream?: boolean } = {},
): Promise<{ streamId: string; state: DteState; handled: boolean }> {
  const streamId = Streams.dte(orderId);
  const { state, handled } = await loadForEffect(
    { initialState, evolve },
    deps.store,
    streamId,
    cause,
    options,
  );
  return { streamId, state, handled };
}
