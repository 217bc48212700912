import { describe, expect, it } from '@jest/globals';
import { type Decider, fold } from '../decider.js';
import { conflict, invalid } from '../errors.js';
import { DeciderSpecification } from './decider-specification.js';

// A toy decider to prove the helper itself: a counter that refuses to go below zero.
type Cmd = { type: 'Add'; by: number } | { type: 'Explode' } | { type: 'Mutate' };
type Ev = { type: 'Added'; data: { by: number } };
type St = { total: number; history: number[] };

const counter: Decider<Cmd, Ev, St> = {
  initialState: () => ({ total: 0, history: [] }),
  decide(command, state) {
    if (command.type === 'Explode') throw new TypeError('not a domain error');
    if (command.type === 'Mutate') {
      state.history.push(1);
      return [];
    }
    if (command.by === 0) return [];
    if (command.by < 0 && state.total + command.by < 0) throw conflict('below_zero', 'cannot go below zero', 'by');
    if (!Number.isInteger(command.by)) throw invalid('not_integer', 'by must be an integer');
    return [{ type: 'Added', data: { by: command.by } }];
  },
  evolve: (state, event) => ({ total: state.total + event.data.by, history: [...state.history, event.data.by] }),
};

const spec = DeciderSpecification.for(counter);
const added = (by: number): Ev => ({ type: 'Added', data: { by } });

describe('DeciderSpecification', () => {
  it('then: passes on the exact events and returns them with the state after them', () => {
    const result = spec
      .given([added(2)])
      .when({ type: 'Add', by: 3 })
      .then([added(3)]);
    expect(result.events).toEqual([added(3)]);
    expect(result.state).toEqual({ total: 5, history: [2, 3] });
  });

  it('then: fails on different events', () => {
    expect(() =>
      spec
        .given([])
        .when({ type: 'Add', by: 3 })
        .then([added(4)]),
    ).toThrow();
    expect(() => spec.given([]).when({ type: 'Add', by: 3 }).then([])).toThrow();
  });

  it('then: accepts a callback for custom assertions', () => {
    let seen: Ev[] = [];
    spec
      .given([])
      .when({ type: 'Add', by: 3 })
      .then((events) => {
        seen = events;
      });
    expect(seen).toEqual([added(3)]);
  });

  it('thenNothing: passes on no events, fails on some', () => {
    spec
      .given([added(1)])
      .when({ type: 'Add', by: 0 })
      .thenNothing();
    expect(() => spec.given([]).when({ type: 'Add', by: 1 }).thenNothing()).toThrow();
  });

  it('thenThrows: checks the code, and the kind and field when given', () => {
    const error = spec
      .given([added(1)])
      .when({ type: 'Add', by: -2 })
      .thenThrows('below_zero', 'conflict', 'by');
    expect(error.message).toBe('cannot go below zero');
    spec
      .given([added(1)])
      .when({ type: 'Add', by: -2 })
      .thenThrows('below_zero');
    spec.given([]).when({ type: 'Add', by: 1.5 }).thenThrows('not_integer', 'validation');
  });

  it('thenThrows: fails on a wrong code, kind or field', () => {
    const when = () => spec.given([added(1)]).when({ type: 'Add', by: -2 });
    expect(() => when().thenThrows('other')).toThrow();
    expect(() => when().thenThrows('below_zero', 'validation')).toThrow();
    expect(() => when().thenThrows('below_zero', 'conflict', 'amount')).toThrow();
  });

  it('thenThrows: fails when events are emitted or a non-domain error is thrown', () => {
    expect(() => spec.given([]).when({ type: 'Add', by: 1 }).thenThrows('below_zero')).toThrow(/emitted/);
    expect(() => spec.given([]).when({ type: 'Explode' }).thenThrows('below_zero')).toThrow();
  });

  it('fold replays events through evolve from the initial state', () => {
    expect(fold(counter, [])).toEqual({ total: 0, history: [] });
    expect(fold(counter, [added(1), added(2)])).toEqual({ total: 3, history: [1, 2] });
  });

  it('catches a decider that mutates its state', () => {
    expect(() =>
      spec
        .given([added(1)])
        .when({ type: 'Mutate' })
        .thenNothing(),
    ).toThrow(TypeError);
  });
});
