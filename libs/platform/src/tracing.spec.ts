import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from '@partner-ledger/config';
import { createLogger } from './logger.js';
import { currentTraceparent, inSpan, startTracing, tracesExporterFromEnv, tracingEnabled } from './tracing.js';

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
