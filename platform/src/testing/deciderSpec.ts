import type { DomainEvent } from '@mtd/contracts';
import { expect } from 'vitest';

/**
 * Given/when/then for deciders (emmett's DeciderSpecification, in 30 lines):
 * `spec.given([OrderAccepted]).when(IssueDte).then([DteIssued])` or `.thenThrows(SomeError)`.
 */
export function deciderSpec<State, Command>(decider: {
  decide: (command: Command, state: State) => DomainEvent[];
  evolve: (state: State, event: DomainEvent) => State;
  initialState: () => State;
}) {
  return {
    given(history: DomainEvent[]) {
      return {
        when(command: Command) {
          const run = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState()));
          return {
            // biome-ignore lint/suspicious/noThenProperty: given/when/then is the spec's vocabulary; a spec is never awaited.
            then(expected: DomainEvent[]) {
              expect(run()).toEqual(expected);
            },
            thenNothing() {
              expect(run()).toEqual([]);
            },
            thenThrows(errorClass: new (...args: never[]) => Error, message?: string | RegExp) {
              expect(run).toThrow(errorClass);
              if (message) expect(run).toThrow(message);
            },
          };
        },
      };
    },
  };
}
