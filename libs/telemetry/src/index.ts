/*
 * Logging and tracing, apart from the HTTP platform (libs/platform, which re-exports them): a lib
 * needing only these (webhook-runtime) and the engine's webhook threads load pino and OpenTelemetry
 * without Nest's core, Fastify and Swagger, a second of start-up in a thread.
 */
export { createLogger, PinoNestLogger, type LoggerOptions } from './logger.js';
export {
  contextOfTraceparent,
  currentTraceparent,
  inSpan,
  linkOfTraceparent,
  registerHttpTracing,
  SpanKind,
  SpanStatusCode,
  startSpan,
  startTracing,
  startTracingFromEnv,
  traceHeaders,
  traceLogFields,
  TRACEPARENT,
  tracesExporterFromEnv,
  tracingEnabled,
  type TracedSpan,
  type Tracing,
} from './tracing.js';
export { MAIN_THREAD, nameThisThread, processCpuSeconds, RUNTIME_THREADS, threadCpuSeconds } from './thread-cpu.js';
