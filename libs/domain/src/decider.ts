/** A decider: pure decisions over a stream's state. Model: Emmett / Oskar Dudycz's decider. */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into state with a decider's `evolve`. */
export function fold<E, S>(decider: Pick<Decider<unknown, E, S>, 'evolve' | 'initialState'>, events: E[]): S {
  return events.reduce(decider.evolve, decider.initialState());
}

/** Every event's shape: a type and a payload. */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}
