import { expect } from '@jest/globals';
import type { Decider } from '../decider.js';
import { DomainError, type DomainErrorKind } from '../errors.js';

/**
 * Given / When / Then for deciders, after Emmett's `DeciderSpecification.for(decider)`:
 *
 *   const spec = DeciderSpecification.for(partnerDecider);
 *   spec.given([created]).when(changeStatus('DISABLED')).then([statusChanged]);
 *   spec.given([created]).when(changeStatus('ACTIVE')).thenNothing();
 *   spec.given([]).when(changeStatus('ACTIVE')).thenThrows('partner_not_found', 'not_found');
 *
 * The state handed to `decide` (and the command) are deep-frozen, so a decider that mutates its
 * input fails loudly instead of passing by accident. `then` also folds the new events, so an event
 * the decider emits but cannot evolve is caught here.
 */
export const DeciderSpecification = {
  for<C, E, S>(decider: Decider<C, E, S>): DeciderSpecification<C, E, S> {
    return {
      given(events: E[]) {
        return {
          when(command: C) {
            const run = () => {
              const state = deepFreeze(events.reduce(decider.evolve, decider.initialState()));
              return { state, events: decider.decide(deepFreeze(command), state) };
            };
            return {
              then(expected) {
                const { state, events: produced } = run();
                if (typeof expected === 'function') expected(produced);
                else expect(produced).toEqual(expected);
                return { events: produced, state: produced.reduce(decider.evolve, state) };
              },
              thenNothing() {
                expect(run().events).toEqual([]);
              },
              thenThrows(code, kind, field) {
                let produced: E[] | undefined;
                let caught: unknown;
                try {
                  produced = run().events;
                } catch (error) {
                  caught = error;
                }
                if (produced !== undefined) {
                  throw new Error(`expected a DomainError "${code}", but the decider emitted ${JSON.stringify(produced)}`);
                }
                expect(caught).toBeInstanceOf(DomainError);
                const error = caught as DomainError;
                expect({ code: error.code, ...(kind !== undefined && { kind: error.kind }), ...(field !== undefined && { field: error.field }) }).toEqual({
                  code,
                  ...(kind !== undefined && { kind }),
                  ...(field !== undefined && { field }),
                });
                return error;
              },
            };
          },
        };
      },
    };
  },
};

export interface DeciderSpecification<C, E, S> {
  given(events: E[]): { when(command: C): DeciderThen<E, S> };
}

export interface DeciderThen<E, S> {
  /** Exactly these events (deep equality), or a callback that inspects them. Returns them and the state after them. */
  then(expected: E[] | ((events: E[]) => void)): { events: E[]; state: S };
  /** No events: the command is an accepted no-op (idempotent repeat). */
  thenNothing(): void;
  /** A DomainError with this code; its kind and field too when given. Returns the error. */
  thenThrows(code: string, kind?: DomainErrorKind, field?: string): DomainError;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Date)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
