import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { DATABASE_FILE } from '@partner-ledger/config';
import { type RecordedEvent, SqliteEventStore } from '@partner-ledger/event-store';
import { CrashLoad, type CrashProgram, type CrashTotals, reckonCrashRun, setUpCrashProgram } from './crash-harness.js';
import { ADMIN_KEY, startTestEngine, type TestEngine } from './engine.fixture.js';
import { wholeLog } from './recompute.js';
import { until, webhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

/**
 * The crash suites pass only if their reckoning can fail: a short load on an engine that is not
 * killed reckons clean, and the same run with an event dropped, an event doubled, a webhook
 * missing or a stray webhook is counted as lost, duplicated, missing or unexpected.
 */
describe('crash harness', () => {
  let engine: TestEngine;
  let receiver: WebhookReceiver;
  let program: CrashProgram;
  const load = () => new CrashLoad({ baseUrl: () => engine.url, ...program, concurrency: 4, thinkMs: 0, approveEvery: 2, timeoutMs: 10_000 });
  let run: CrashLoad;
  let events: RecordedEvent[];
  let totals: CrashTotals;

  beforeAll(async () => {
    receiver = await webhookReceiver();
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' } });
    program = await setUpCrashProgram(engine.url, ADMIN_KEY, receiver.url('/hooks'));
    run = load();
    const sending = run.run();
    await run.untilMore(12);
    run.stop();
    await sending;
    const store = SqliteEventStore.open(join(engine.dataDir, DATABASE_FILE));
    events = await wholeLog(store).finally(() => store.close());
    totals = (await engine.call('GET', `/v1/programs/${program.programId}/commission-totals?minPosition=${events.at(-1)!.position}`, undefined, program.key)).body;
    // Each sale's conversion, and each approval: one webhook each.
    const calledFor = events.filter((e) => e.type === 'ConversionCreated' || e.type === 'ConversionApproved').length;
    await until('the webhooks', () => new Set(receiver.got.map((r) => r.headers['webhook-id'])).size >= calledFor);
  }, 30_000);
  afterAll(async () => {
    await engine?.stop();
    await receiver?.close();
  });

  const reckon = (over: { events?: RecordedEvent[]; received?: typeof receiver.got } = {}) =>
    reckonCrashRun({ load: run, kills: 0, programId: program.programId, endpointId: program.endpointId, events: over.events ?? events, received: over.received ?? receiver.got, totals });

  it('reckons a run without crashes clean', () => {
    const { figures, problems } = reckon();
    expect(problems).toEqual([]);
    expect(figures.acknowledged).toBeGreaterThanOrEqual(12);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, webhooksMissing: 0, webhooksUnexpected: 0, totalsDiffering: 0, webhooksExpected: figures.acknowledged + figures.approvals });
  });

  it('counts an acknowledged approval missing from the log as lost, and its totals and webhook as wrong', () => {
    const approval = events.find((e) => e.type === 'ConversionApproved')!;
    const { figures } = reckon({ events: events.filter((e) => e !== approval) });
    expect(figures).toMatchObject({ lost: 1, duplicated: 0, webhooksUnexpected: 1 });
    expect(figures.totalsDiffering).toBeGreaterThan(0);
  });

  it('counts a sale recorded twice as duplicated', () => {
    const sale = events.find((e) => e.type === 'TransactionRecorded')!;
    const { figures } = reckon({ events: [...events, { ...sale, id: `${sale.id}-again`, position: events.at(-1)!.position + 1n }] });
    expect(figures).toMatchObject({ lost: 0, duplicated: 1 });
  });

  it('reports an acknowledgement naming another conversion than the log', () => {
    const created = events.find((e) => e.type === 'ConversionCreated')!;
    const changed = { ...created, data: { ...created.data, conversionId: 'conv_other' } };
    const { problems } = reckon({ events: events.map((e) => (e === created ? changed : e)) });
    expect(problems).toEqual([expect.stringMatching(/^answered: .* the log has conv_other$/)]);
  });

  it('counts a webhook that never came as missing, a repeat as a repeat, and a stray one as unexpected', () => {
    const [first, ...rest] = receiver.got;
    const stray = { ...first, headers: { ...first.headers, 'webhook-id': 'msg_stray' } };
    const { figures } = reckon({ received: [...rest, rest[0], stray] });
    expect(figures).toMatchObject({ webhooksMissing: 1, webhookRepeats: 1, webhooksUnexpected: 1 });
  });
});
