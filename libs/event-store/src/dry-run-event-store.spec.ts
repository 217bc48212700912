import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DryRunEventStore } from './dry-run-event-store.js';
import { WrongExpectedRevisionError } from './expected-revision.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

describe('DryRunEventStore', () => {
  let base: SqliteEventStore;
  beforeEach(async () => {
    base = SqliteEventStore.open(':memory:');
    await base.appendToStream('s-1', [
      { type: 'A', data: { n: 0 } },
      { type: 'B', data: { n: 1 } },
    ]);
  });
  afterEach(() => base.close());

  it('reads through, layers its own appends on top, and never writes to the base', async () => {
    const dry = new DryRunEventStore(base);
    await dry.appendToStream('s-1', [{ type: 'C', data: { n: 2 } }], { expectedRevision: 1n });
    await dry.appendToStream('s-2', [{ type: 'X', data: {} }], { expectedRevision: 'no_stream' });
    expect((await dry.readStream('s-1')).map((e) => [e.type, e.revision])).toEqual([
      ['A', 0n],
      ['B', 1n],
      ['C', 2n],
    ]);
    expect((await dry.readStream('s-1', { direction: 'backwards', maxCount: 2 })).map((e) => e.type)).toEqual(['C', 'B']);
    expect((await dry.readStream('s-1', { fromRevision: 1n })).map((e) => e.type)).toEqual(['B', 'C']);
    expect((await dry.readStream('s-1', { direction: 'backwards', fromRevision: 'start' })).map((e) => e.type)).toEqual(['A']);
    expect(dry.events.map((e) => `${e.streamName}:${e.type}`)).toEqual(['s-1:C', 's-2:X']);
    expect((await base.readAll()).length).toBe(2);
    expect(await base.readStream('s-2')).toEqual([]);
  });

  it('checks expected revisions against real and buffered events together', async () => {
    const dry = new DryRunEventStore(base);
    await expect(dry.appendToStream('s-1', [{ type: 'C', data: {} }], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await dry.appendToStream('s-1', [{ type: 'C', data: {} }], { expectedRevision: 1n });
    await expect(dry.appendToStream('s-1', [{ type: 'D', data: {} }], { expectedRevision: 1n })).rejects.toMatchObject({ actual: 2n });
    await expect(dry.appendToStream('s-9', [{ type: 'D', data: {} }], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
  });

  it('checks alsoExpected against real and buffered events, naming the stream that moved', async () => {
    const dry = new DryRunEventStore(base);
    await dry.appendToStream('t-1', [{ type: 'T', data: {} }], { alsoExpected: [{ streamName: 's-1', revision: 1n }] });
    await dry.appendToStream('s-1', [{ type: 'C', data: {} }], { expectedRevision: 1n });
    await expect(dry.appendToStream('t-1', [{ type: 'T', data: {} }], { alsoExpected: [{ streamName: 's-1', revision: 1n }] })).rejects.toMatchObject({
      streamName: 's-1',
      actual: 2n,
    });
    expect((await dry.readStream('t-1')).length).toBe(1);
  });

  it('refuses $all reads and subscriptions', async () => {
    const dry = new DryRunEventStore(base);
    await expect(dry.readAll()).rejects.toThrow('streams only');
    expect(() => dry.subscribeToAll()).toThrow('cannot subscribe');
  });
});
