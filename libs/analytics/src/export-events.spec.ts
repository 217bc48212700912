import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { CSV_COLUMNS, csvField, type ExportFilter, type ExportFormat, exportEvents, parseCsv } from './export-events.js';
import { scanAll } from './history.js';

describe('events export', () => {
  let events: SqliteEventStore;
  let all: RecordedEvent[];
  let middle: Date;

  beforeAll(async () => {
    events = SqliteEventStore.open(':memory:');
    const tricky = { note: 'comma, "quotes", new\nline and \r\n CRLF', emoji: '🎉', nested: { list: [1, 'a,b'] } };
    for (let i = 0; i < 30; i++) {
      const programId = i % 3 === 0 ? 'prg_b' : 'prg_a';
      const type = ['PartnerCreated', 'ConversionCreated', 'ConversionApproved'][i % 3];
      const stream = type === 'PartnerCreated' ? `partner-${programId}.p${i}` : `transaction-${programId}.t${i}`;
      await events.appendToStream(stream, [{ type, data: { programId, i, ...(i % 5 === 0 ? tricky : {}) }, metadata: { source: 'api', correlationId: `c${i}` } }]);
      if (i === 14) {
        await sleep(10);
        middle = new Date();
        await sleep(10);
      }
    }
    all = await events.readAll();
  });
  afterAll(() => events.close());

  const run = async (format: ExportFormat, filter: ExportFilter, pageSize = 4) => {
    let text = '';
    const progress: [number, number][] = [];
    const result = await exportEvents(events, format, filter, { write: async (t) => void (text += t) }, { pageSize, onProgress: (d, t) => progress.push([d, t]) });
    return { text, result, progress };
  };

  it('NDJSON: every event, one JSON object per line, in position order, faithful', async () => {
    const { text, result, progress } = await run('ndjson', {});
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(result.events).toBe(30);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.position)).toEqual(all.map((e) => String(e.position)));
    expect(parsed[0]).toEqual({
      position: String(all[0].position),
      id: all[0].id,
      stream: all[0].streamName,
      revision: '0',
      type: all[0].type,
      created: all[0].created.toISOString(),
      data: all[0].data,
      metadata: all[0].metadata,
    });
    expect(progress.at(-1)).toEqual([Number(all[29].position), Number(all[29].position)]);
  });

  it('filters by stream prefix and type (any of each), position range and time window', async () => {
    const pick = async (filter: ExportFilter) =>
      (await run('ndjson', filter)).text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).data.i as number);
    const expected = (pred: (e: RecordedEvent) => boolean) => all.filter(pred).map((e) => e.data.i as number);

    expect(await pick({ streamPrefixes: ['transaction-prg_a.'] })).toEqual(expected((e) => e.streamName.startsWith('transaction-prg_a.')));
    expect(await pick({ streamPrefixes: ['partner-', 'transaction-prg_b.'] })).toEqual(expected((e) => e.streamName.startsWith('partner-') || e.streamName.startsWith('transaction-prg_b.')));
    expect(await pick({ types: ['ConversionApproved'] })).toEqual(expected((e) => e.type === 'ConversionApproved'));
    expect(await pick({ types: ['ConversionApproved', 'PartnerCreated'], streamPrefixes: ['transaction-'] })).toEqual(expected((e) => e.type === 'ConversionApproved'));
    const [from, to] = [all[5].position, all[12].position];
    expect(await pick({ fromPosition: from, toPosition: to })).toEqual(expected((e) => e.position >= from && e.position <= to));
    expect(await pick({ fromPosition: to, toPosition: to })).toEqual([all[12].data.i]);
    expect(await pick({ until: middle })).toEqual(expected((e) => e.data.i <= 14));
    expect(await pick({ since: middle })).toEqual(expected((e) => e.data.i > 14));
    expect(await pick({ since: middle, types: ['PartnerCreated'], toPosition: all[25].position })).toEqual(expected((e) => e.data.i > 14 && e.data.i <= 25 && e.type === 'PartnerCreated'));
    expect(await pick({ types: ['Nothing'] })).toEqual([]);
  });

  it('CSV: a header and one RFC 4180 row per event that parses back to the same values', async () => {
    const { text, result } = await run('csv', { streamPrefixes: ['transaction-'] });
    expect(text.startsWith('position,stream,revision,type,created,data,metadata\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const selected = all.filter((e) => e.streamName.startsWith('transaction-'));
    expect(result.events).toBe(selected.length);
    expect(rows.slice(1).map((r) => r.length)).toEqual(selected.map(() => 7));
    rows.slice(1).forEach((row, k) => {
      const e = selected[k];
      expect(row).toEqual([String(e.position), e.streamName, String(e.revision), e.type, e.created.toISOString(), JSON.stringify(e.data), JSON.stringify(e.metadata)]);
      expect(JSON.parse(row[5])).toEqual(e.data);
    });
    // The tricky payloads really needed quoting.
    expect(selected.some((e) => JSON.stringify(e.data).includes(','))).toBe(true);
  });

  it('quotes only what needs quoting', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(parseCsv('a,"b,""c""",d\r\n"x\ny",,z\n')).toEqual([
      ['a', 'b,"c"', 'd'],
      ['x\ny', '', 'z'],
    ]);
  });

  it('a scan stops at the head it saw when it started, even while the log grows', async () => {
    const store = SqliteEventStore.open(':memory:');
    for (let i = 0; i < 10; i++) await store.appendToStream(`s-${i}`, [{ type: 'T', data: { i } }]);
    const seen: number[] = [];
    for await (const e of scanAll(store, { pageSize: 3 })) {
      seen.push(e.data.i);
      await store.appendToStream('s-late', [{ type: 'T', data: { i: 100 + seen.length } }]);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await store.close();
  });
});
