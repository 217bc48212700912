import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from '@partner-ledger/config';
import { createLogger } from './logger.js';
import { currentTraceparent, inSpan, startTracing, startTracingFromEnv, tracesExporterFromEnv, tracingEnabled } from './tracing.js';

describe('tracesExporterFromEnv: off unless the standard OTEL_* variables ask', () => {
  it.each([
    [{}, null],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, 'otlp'],
    [{ OTEL_TRACES_EXPORTER: ' Console ' }, 'console'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'otlp'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, 'otlp'],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, null],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, null],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, null],
  ])('%j → %s', (env, expected) => {
    expect(tracesExporterFromEnv(env)).toBe(expected);
  });

  it('refuses an exporter it cannot install, naming the variable', () => {
    expect(() => tracesExporterFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(new ConfigError('OTEL_TRACES_EXPORTER: "zipkin" is not supported (otlp, console or none)'));
  });
});

describe('the span helpers', () => {
  it('off: run the function alone, record nothing and give no traceparent', async () => {
    expect(tracingEnabled()).toBe(false);
    await expect(inSpan('x', {}, (span) => Promise.resolve([span, currentTraceparent()]))).resolves.toEqual([undefined, undefined]);
  });

  it('on: nest spans, mark a throw as an error, and put the active ids on log lines', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ exporter });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }) });
    try {
      let inner = '';
      await inSpan('outer', {}, () =>
        inSpan('inner', {}, async () => {
          inner = currentTraceparent()!;
          logger.info('inside');
        }),
      );
      await expect(inSpan('failing', {}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      const [innerSpan, outerSpan, failing] = exporter.getFinishedSpans();
      expect([innerSpan!.name, outerSpan!.name, failing!.name]).toEqual(['inner', 'outer', 'failing']);
      expect(innerSpan!.parentSpanContext?.spanId).toBe(outerSpan!.spanContext().spanId);
      expect(inner).toBe(`00-${innerSpan!.spanContext().traceId}-${innerSpan!.spanContext().spanId}-01`);
      expect(failing!.status).toEqual({ code: 2, message: 'boom' });
      expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'inside', traceId: innerSpan!.spanContext().traceId, spanId: innerSpan!.spanContext().spanId });
    } finally {
      await tracing.shutdown();
    }
    expect(tracingEnabled()).toBe(false);
  });
});

describe('startTracingFromEnv with an OTLP endpoint', () => {
  it('exports the spans as OTLP/HTTP JSON to the collector, under the service name, once flushed', async () => {
    const got: { path: string; body: string }[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // The exporter reads its own settings from process.env, as in production.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
    try {
      const tracing = startTracingFromEnv('partner-ledger-spec', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })!;
      expect(tracing).not.toBeNull();
      await inSpan('exported', {}, () => Promise.resolve());
      await tracing.shutdown();
      expect(got.map((r) => r.path)).toEqual(['/v1/traces']);
      const body = JSON.parse(got[0]!.body);
      const [resourceSpans] = body.resourceSpans;
      expect(resourceSpans.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'partner-ledger-spec' } });
      expect(resourceSpans.scopeSpans[0].spans.map((s: { name: string }) => s.name)).toEqual(['exported']);
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      await new Promise((r) => collector.close(r));
    }
  });
});
