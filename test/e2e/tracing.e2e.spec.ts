import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing, tracingEnabled } from '@partner-ledger/platform';
import { createProgram, startTestEngine, type TestEngine, until, webhookReceiver, type WebhookReceiver } from '@partner-ledger/testing';

/**
 * One trace from the HTTP command to the webhook delivery, on the embedded engine with an in-memory
 * exporter: the sale's request, its command and append, the projection batch, the publisher's span
 * for the event and the delivery attempt, whose `traceparent` the receiver gets. With tracing off,
 * nothing is recorded, stored or sent.
 */

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE}-00f067aa0ba902b7-01`;

async function saleWithWebhook(engine: TestEngine, sink: WebhookReceiver, headers: Record<string, string> = {}) {
  const { id: pid, key } = await createProgram(engine);
  const post = async (path: string, body: unknown, extra: Record<string, string> = {}) => {
    const res = await engine.call('POST', `/v1/programs/${pid}${path}`, body, key, extra);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  await post('/webhook-endpoints', { url: sink.url(`/${pid}`), topics: ['NEW_CONVERSION'] });
  const partner = await post('/partners', { email: 'ada@example.com', name: 'Ada Lovelace', key: 'ADA' });
  await post('/customers', { email: 'jane@example.com', name: 'Jane Doe', key: 'jane', partner: { id: partner.id } });
  await post('/transactions', { customerKey: 'jane', amount: '50.00', key: 'T-1' }, headers);
  const hook = await until('the NEW_CONVERSION webhook', () => sink.got.find((r) => r.path === `/${pid}`));
  const ndjson = String((await engine.call('GET', `/v1/programs/${pid}/events?limit=100`, undefined, key)).body);
  const events = ndjson
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; metadata: Record<string, unknown> });
  return { hook, events };
}

const ENV = { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms' };

describe('tracing off (no OTEL_* set)', () => {
  let engine: TestEngine;
  let sink: WebhookReceiver;
  beforeAll(async () => {
    sink = await webhookReceiver();
    engine = await startTestEngine({ env: ENV });
  }, 30_000);
  afterAll(async () => {
    await engine.stop();
    await sink.close();
  });

  it('sends no traceparent and keeps none in event metadata, even when the caller sent one', async () => {
    expect(tracingEnabled()).toBe(false);
    const { hook, events } = await saleWithWebhook(engine, sink, { traceparent: CALLER_TRACEPARENT });
    expect(hook.headers.traceparent).toBeUndefined();
    expect(hook.headers['webhook-signature']).toBeDefined();
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e) => 'traceparent' in e.metadata)).toEqual([]);
  }, 30_000);
});

describe('tracing on (in-memory exporter)', () => {
  let engine: TestEngine;
  let sink: WebhookReceiver;
  let tracing: Tracing;
  const exporter = new InMemorySpanExporter();
  beforeAll(async () => {
    tracing = startTracing({ exporter, serviceName: 'partner-ledger-test' });
    sink = await webhookReceiver();
    engine = await startTestEngine({ env: ENV });
  }, 30_000);
  afterAll(async () => {
    await engine.stop();
    await sink.close();
    await tracing.shutdown();
  });

  it('exports one trace from the sale request through append, projection and publisher to the delivery, whose traceparent the receiver gets', async () => {
    const { hook } = await saleWithWebhook(engine, sink, { traceparent: CALLER_TRACEPARENT });
    // The receiver's traceparent: the caller's trace, the delivery attempt's span.
    const [, traceId, spanId] = String(hook.headers.traceparent).split('-');
    expect(traceId).toBe(CALLER_TRACE);
    const delivery = await until('the delivery span', () => exporter.getFinishedSpans().find((s) => s.spanContext().spanId === spanId));
    const trace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === CALLER_TRACE);
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const ancestry = (span: ReadableSpan): string[] => {
      const parent = span.parentSpanContext?.spanId;
      const up = parent ? byId.get(parent) : undefined;
      return [span.name, ...(up ? ancestry(up) : [])];
    };
    // Delivery → publish → append → command → HTTP request, each the child of the next.
    expect(ancestry(delivery)).toEqual([
      'POST webhook NEW_CONVERSION',
      'publish NEW_CONVERSION',
      expect.stringMatching(/^append /),
      expect.stringMatching(/^handle /),
      'POST /v1/programs/:pid/transactions',
    ]);
    // The HTTP span is the child of the caller's span.
    const http = trace.find((s) => s.name === 'POST /v1/programs/:pid/transactions')!;
    expect(http.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(http.attributes['http.response.status_code']).toBe(201);
    // The projection batches that folded the sale's events belong to the trace too.
    expect(trace.some((s) => s.name.startsWith('project '))).toBe(true);
    expect(delivery.attributes['http.response.status_code']).toBe(200);
  }, 30_000);

  it('keeps the append span context in the metadata of every event the command appended', async () => {
    exporter.reset();
    const { events } = await saleWithWebhook(engine, sink);
    const sale = events.filter((e) => e.type === 'ConversionCreated' || e.type === 'TransactionRecorded');
    expect(sale.length).toBeGreaterThan(0);
    const appends = new Set(
      exporter
        .getFinishedSpans()
        .filter((s) => s.name.startsWith('append '))
        .map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`),
    );
    for (const event of sale) expect(appends).toContain(event.metadata.traceparent);
  }, 30_000);
});
