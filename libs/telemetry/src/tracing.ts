import { type Attributes, context, type Context, propagation, type Span, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError } from '@partner-ledger/config';

/**
 * The one home of tracing. Off unless the standard OTEL_* variables ask for it: then every span
 * helper here is a plain function call (no context, no span object) and nothing is sent. On, a
 * Node tracer provider is registered globally with W3C trace-context propagation, so one trace runs
 * from the HTTP command through the append (the `traceparent` kept in each event's metadata), the
 * projection batch, the publisher and the webhook delivery attempt (`traceparent` on the request).
 */

export const TRACEPARENT = 'traceparent';
const TRACER = 'partner-ledger';

let enabled = false;

/** True while a tracer provider is installed (by `startTracing`). */
export function tracingEnabled(): boolean {
  return enabled;
}

export interface Tracing {
  /** Flushes the spans still buffered and uninstalls the provider. */
  shutdown(): Promise<void>;
}

/**
 * Which exporter the environment asks for, or null for none. The OpenTelemetry spec's default
 * exporter is `otlp`; here tracing stays off until it is asked for: `OTEL_TRACES_EXPORTER`
 * (`otlp` or `console`), or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). `OTEL_SDK_DISABLED=true` and `OTEL_TRACES_EXPORTER=none` win.
 */
export function tracesExporterFromEnv(env: NodeJS.ProcessEnv = process.env): 'otlp' | 'console' | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const names = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.includes('none')) return null;
  for (const name of names) {
    if (name !== 'otlp' && name !== 'console') throw new ConfigError(`OTEL_TRACES_EXPORTER: "${name}" is not supported (otlp, console or none)`);
  }
  if (names.length) return names[0] as 'otlp' | 'console';
  return env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() ? 'otlp' : null;
}

/**
 * Installs tracing when the environment asks for it (see `tracesExporterFromEnv`); null when not.
 * The OTLP exporter reads its own OTEL_EXPORTER_OTLP_* settings (endpoint, headers, timeout) and the
 * batch processor its OTEL_BSP_* ones; the sampler follows OTEL_TRACES_SAMPLER(_ARG).
 */
export function startTracingFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | null {
  const kind = tracesExporterFromEnv(env);
  if (!kind) return null;
  if (kind === 'console') return startTracing({ serviceName, exporter: new ConsoleSpanExporter(), batch: false });
  return startTracing({ serviceName, exporter: new OTLPTraceExporter(), batch: true });
}

/**
 * Registers a tracer provider exporting to `exporter` (tests pass an in-memory one). `batch: false`
 * exports each span as it ends. OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the resource.
 */
export function startTracing(options: { exporter: SpanExporter; serviceName?: string; batch?: boolean }): Tracing {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': options.serviceName ?? 'partner-ledger' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const processor = options.batch ? new BatchSpanProcessor(options.exporter) : new SimpleSpanProcessor(options.exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  enabled = true;
  return {
    async shutdown() {
      enabled = false;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/**
 * Runs `fn` in a new span (a child of `parent`, default the active context), ended when `fn`
 * settles; a throw marks it as an error. Off: just `fn()`.
 */
export async function inSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context; links?: Link[] }, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const tracer = trace.getTracer(TRACER);
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links }, options.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span started by hand (one that outlives a callback), with the context that makes it the parent. */
export interface TracedSpan {
  span: Span;
  context: Context;
  fail(error: Error): void;
}

/** Starts a span that the caller ends; only called with tracing on (check `tracingEnabled` first). */
export function startSpan(name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context }): TracedSpan {
  const parent = options.parent ?? context.active();
  const span = trace.getTracer(TRACER).startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  return {
    span,
    context: trace.setSpan(parent, span),
    fail(error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    },
  };
}

/** The active context as a `traceparent` (and `tracestate`) header pair; empty when off or untraced. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (enabled) propagation.inject(ctx, carrier);
  return carrier;
}

/** The active context's `traceparent`, for an event's metadata; undefined when off or untraced. */
export function currentTraceparent(): string | undefined {
  return enabled ? traceHeaders()[TRACEPARENT] : undefined;
}

/** The context a stored or received `traceparent` names (the root context when absent or invalid). */
export function contextOfTraceparent(traceparent: unknown): Context {
  if (!enabled || typeof traceparent !== 'string') return context.active();
  return propagation.extract(context.active(), { [TRACEPARENT]: traceparent });
}

/** A link to the span a stored `traceparent` names, or null (for a batch that serves several traces). */
export function linkOfTraceparent(traceparent: unknown): Link | null {
  const spanContext = trace.getSpanContext(contextOfTraceparent(traceparent));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : null;
}

/** Log fields naming the active span, so a log line can be found from a trace; none when off. */
export function traceLogFields(): Record<string, string> {
  if (!enabled) return {};
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : {};
}

const SPANS = new WeakMap<FastifyRequest, { span: Span; ctx: Context }>();

/**
 * A server span per HTTP request, a child of the caller's `traceparent` when it sends one. It is
 * made the active context from `preHandler` on (after the body is read), so the handler, the
 * command and the append run inside it. Off: the hooks return at once.
 */
export function registerHttpTracing(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!enabled) return done();
    const parent = propagation.extract(context.active(), request.headers);
    const span = trace
      .getTracer(TRACER)
      .startSpan(request.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0] } }, parent);
    SPANS.set(request, { span, ctx: trace.setSpan(parent, span) });
    done();
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const traced = SPANS.get(request);
    if (!traced) return done();
    context.with(traced.ctx, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const traced = SPANS.get(request);
    if (!traced) return done();
    SPANS.delete(request);
    const route = request.routeOptions.url;
    if (route) traced.span.updateName(`${request.method} ${route}`).setAttribute('http.route', route);
    traced.span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
    traced.span.end();
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    const traced = SPANS.get(request);
    SPANS.delete(request);
    traced?.span.setStatus({ code: SpanStatusCode.ERROR, message: 'client aborted' }).end();
    done();
  });
}

export { SpanKind, SpanStatusCode };
