import type { DomainEvent, MtdEvent } from '@mtd/contracts';
import { backoffDelayMs } from './backoff';
import type { Clock, IdGenerator } from './clock';
import { StreamVersionConflictError } from './errors';
import type { EventStore, NewEvent } from './eventStore';

/** Why a command runs: the event (or request) it reacts to, and who asked. */
export interface Cause {
  causationId: string;
  correlationId: string;
  actor: string;
}

export interface CommandHandlerDeps {
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
}

export interface CommandResult<State> {
  /** The events appended now; empty when the decision was a no-op or a redelivery. */
  appended: MtdEvent[];
  /** True when the stream already held an event caused by this cause (a redelivery). */
  alreadyHandled: boolean;
  state: State;
  version: number;
}

const maxConflictRetries = 10;
const conflictBackoff = { baseMs: 5, maxMs: 200 };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Load, decide, append (emmett's CommandHandler shape) with the two guarantees every MTD decision
 * needs: idempotency by causation (a redelivered cause finds its effect in the stream and does
 * nothing) and optimistic concurrency (on a version conflict, re-read, re-decide, retry).
 */
export function commandHandler<State>(aggregate: {
  initialState: () => State;
  evolve: (state: State, event: MtdEvent) => State;
}) {
  return async function handle(
    { store, clock, ids }: CommandHandlerDeps,
    streamId: string,
    cause: Cause,
    decide: (state: State) => DomainEvent[],
    options: { idempotentByCause?: boolean; assumeNewStream?: boolean } = {},
  ): Promise<CommandResult<State>> {
    for (let attempt = 1; ; attempt++) {
      // Most streams a command meets are new (an order's first event): decide on the empty stream and
      // let the append's no-stream condition tell if it was not; only then read (Equinox's AssumeEmpty).
      const assumeEmpty = attempt === 1 && options.assumeNewStream === true && !store.isCached?.(streamId);
      const { version, events } = assumeEmpty ? { version: 0, events: [] } : await store.readStream(streamId);
      const state = events.reduce(aggregate.evolve, aggregate.initialState());
      if (
        options.idempotentByCause !== false &&
        events.some((e) => e.metadata.causationId === cause.causationId)
      ) {
        return { appended: [], alreadyHandled: true, state, version };
      }
      const decided = decide(state);
      if (decided.length === 0) return { appended: [], alreadyHandled: false, state, version };
      const occurredAt = clock.now().toISOString();
      const newEvents: NewEvent[] = decided.map((event) => ({
        type: event.type,
        data: event.data,
        metadata: { eventId: ids.next(), occurredAt, ...cause },
      }));
      try {
        const result = await store.append(streamId, newEvents, {
          expectedVersion: version === 0 ? 'no-stream' : version,
        });
        return {
          appended: result.events,
          alreadyHandled: false,
          state: result.events.reduce(aggregate.evolve, state),
          version: result.nextExpectedVersion,
        };
      } catch (error) {
        if (!(error instanceof StreamVersionConflictError) || attempt >= maxConflictRetries) throw error;
        // Several writers raced: wait a little, longer each time, so they don't collide again.
        if (!assumeEmpty) await sleep(backoffDelayMs(attempt, conflictBackoff, Math.random));
      }
    }
  };
}

/**
 * The first half of reacting to an event with an outside effect (a folio, an email, a call to the
 * tax authority): the stream's state, and whether it already holds an effect of `cause`. The handler
 * looks before the effect, so a redelivered cause repeats nothing; the append that records the effect
 * (`commandHandler`) checks again. From the stream cache when this process owns the stream.
 *
 * `assumeNewStream`: the caller bets the stream does not exist yet (its cause is certainly delivered
 * for the first time, `HandlerContext.firstDelivery`, and only that cause creates the stream), so
 * nothing is read unless the stream is cached; the caller must then append with `assumeNewStream`
 * too, whose no-stream condition catches a lost bet (re-read, re-decide). Only for effects that a
 * lost bet does not repeat: claimed ones (`EffectClaims`), or a folio, which the ledger gives again
 * to the same order.
 */
export async function loadForEffect<State>(
  aggregate: { initialState: () => State; evolve: (state: State, event: MtdEvent) => State },
  store: EventStore,
  streamId: string,
  cause: Pick<Cause, 'causationId'>,
  options: { assumeNewStream?: boolean } = {},
): Promise<{ state: State; version: number; handled: boolean }> {
  if (options.assumeNewStream === true && !store.isCached?.(streamId))
    return { state: aggregate.initialState(), version: 0, handled: false };
  const { version, events } = await store.readStream(streamId);
  return {
    state: events.reduce(aggregate.evolve, aggregate.initialState()),
    version,
    handled: events.some((event) => event.metadata.causationId === cause.causationId),
  };
}
