import type { Cause } from '@mtd/platform';
import { backoffDelayMs } from '@mtd/platform';
import { TaxAuthorityRejectedError, TaxAuthorityUnavailableError } from '#adapters/taxAuthorityClient';
import { type BroadcastResult, decide } from '#domain/decideDte';
import { type BroadcastableState, isBroadcastable } from '#domain/dte';
import { siiRut } from '#domain/dteXml';
import { inlineSigner } from '#signing/dteSigner';
import type { DteDeps } from '#src/dteDeps';
import { handleDte, loadDte } from '#src/dteStream';

/** Which attempt to make now, decided from the stream; undefined when there is none to make. */
export interface AttemptPlan {
  command: 'RecordBroadcastAttempt' | 'RequestBroadcastRetry';
  attempt: number;
  maxAttempts: number;
  /** 1 for the first attempt of a round: the backoff grows within a round. */
  attemptInRound: number;
}

/**
 * One broadcast attempt: put the document in its envelope (EnvioDTE / EnvioBOLETA, with the Carátula),
 * sign the envelope, upload it, then record the outcome: received with a track id (the verdict is
 * queried later, checkDteStatusOnDteBroadcast), or a failed attempt. Claims the upload first (platform
 * `EffectClaims.act`, keyed by order and cause), then looks at the stream, so a redelivered or stale
 * trigger sends nothing and deliveries of one trigger racing upload once: the others are told it is in
 * progress, or find its outcome recorded, or (when recording it failed) record the first upload's
 * outcome. Only a process that dies between the upload and its record leaves it to be done again, once
 * its claim lapses; the SII then refuses the folio it already holds ("DTE Repetido"), which the
 * tax-authority client reads as already received.
 */
export async function attemptBroadcast(
  deps: DteDeps,
  orderId: string,
  cause: Cause,
  plan: (state: BroadcastableState) => AttemptPlan | undefined,
): Promise<void> {
  await deps.claims.act('tax-upload', `${orderId}:${cause.causationId}`, {
    look: async () => {
      const { streamId, state, handled } = await loadDte(deps, orderId, cause);
      if (handled || !isBroadcastable(state)) return undefined;
      const next = plan(state);
      return next ? { streamId, state, next } : undefined;
    },
    effect: ({ state }) => upload(deps, state),
    record: async ({ streamId, next }, result) => {
      const now = deps.clock.now();
      const delay = backoffDelayMs(next.attemptInRound, deps.broadcast, deps.random);
      await handleDte(deps, streamId, cause, (current) =>
        decide(
          {
            type: next.command,
            attempt: next.attempt,
            at: now.toISOString(),
            result,
            maxAttempts: next.maxAttempts,
            nextAttemptAt: new Date(now.getTime() + delay).toISOString(),
          },
          current,
        ),
      );
    },
  });
}

/** The signed envelope of one issued document, standalone. */
export async function envelopeOf(
  deps: Pick<DteDeps, 'issuer' | 'credentials' | 'clock' | 'signer'>,
  state: BroadcastableState,
): Promise<string> {
  return (deps.signer ?? inlineSigner).signEnvelope(
    { dteType: state.dteType, issuer: deps.issuer, documents: [state.xml] },
    await deps.credentials.current(),
    deps.clock.now().toISOString(),
  );
}

async function upload(deps: DteDeps, state: BroadcastableState): Promise<BroadcastResult> {
  const { dteType, folio } = state;
  try {
    const envelope = await envelopeOf(deps, state);
    const { trackId } = await deps.taxAuthority.upload({
      dteType,
      folio,
      envelope,
      senderRut: siiRut(deps.issuer.senderRut),
      companyRut: siiRut(deps.issuer.rut),
    });
    return { ok: true, trackId };
  } catch (error) {
    if (error instanceof TaxAuthorityUnavailableError)
      return { ok: false, error: error.message, retryable: true };
    if (error instanceof TaxAuthorityRejectedError) {
      return {
        ok: false,
        error: error.message,
        retryable: false,
        rejection: {
          siiStatus: error.siiStatus.slice(0, 20),
          reasons: error.reasons.map((r) => r.slice(0, 500)).slice(0, 50),
        },
      };
    }
    throw error;
  }
}
