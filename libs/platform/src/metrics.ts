import type { FastifyInstance } from 'fastify';
import { threadCpuSeconds } from '@partner-ledger/telemetry';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Injection token of the app's own prom-client `Registry` (see `PlatformModule`). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

// Requests that matched no route share one label value: raw URLs would let any client mint an
// unbounded number of time series.
export const UNMATCHED_ROUTE = '<unmatched>';

/**
 * One registry per app rather than prom-client's global one: registering the same metric name twice
 * in a registry throws, so a global registry would make the second app of a test process fail.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerThreadCpu(registry);
  return registry;
}

/**
 * `process_thread_cpu_seconds_total{thread}`: the default metrics' `process_cpu_seconds_total`
 * split by thread (telemetry's thread-cpu.ts): `main`, each webhook thread of the engine
 * (`webhooks-1` …), and `runtime` for V8's and libuv's helpers. Read from /proc at each scrape;
 * absent where there is none (not Linux).
 */
function registerThreadCpu(registry: Registry): void {
  new Counter({
    name: 'process_thread_cpu_seconds_total',
    help: 'CPU time (user and system) of the threads of this process alive now, in seconds: main, each named thread (webhooks-N), and runtime for the rest (V8, libuv)',
    labelNames: ['thread'] as const,
    registers: [registry],
    collect() {
      const seconds = threadCpuSeconds();
      // A thread that ended takes its time with it: the series restarts, as a counter may.
      this.reset();
      for (const [thread, s] of seconds ?? []) this.inc({ thread }, s);
    },
  });
}

export function registerHttpMetrics(fastify: FastifyInstance, registry: Registry): Histogram<'method' | 'route' | 'status_code'> {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests, by route pattern',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
  return duration;
}
