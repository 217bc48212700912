export { createHttpApp, DEFAULT_BODY_LIMIT_BYTES, type HttpAppOptions } from './bootstrap.js';
export { DEFAULT_JSON_MAX_DEPTH, DEFAULT_JSON_MAX_KEYS, parseJsonBody, type JsonLimits } from './json-body.js';
export { CLOCK, type Clock, systemClock } from './clock.js';
export { CORRELATION_HEADER, CorrelationId, correlationIdOf, genCorrelationId, isSaneCorrelationId, registerCorrelationHeader } from './correlation.js';
export {
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  HEALTH_CHECK_TIMEOUT_MS,
  HEALTH_INDICATORS,
  HealthController,
  runHealthChecks,
  type HealthCheckResult,
  type HealthIndicator,
  type HealthReport,
} from './health.js';
// The logger and tracing live in telemetry (light: no Nest or Fastify at run time, so a worker
// thread can load them); re-exported here, where the apps have always found them.
export * from '@partner-ledger/telemetry';
export { MetricsController } from './metrics.controller.js';
export { createMetricsRegistry, METRICS_REGISTRY, registerHttpMetrics, UNMATCHED_ROUTE } from './metrics.js';
export { addWebhooks, DOCS_JSON_PATH, DOCS_PATH, mountOpenApi, OPENAPI_WEBHOOKS, PROBLEM_SCHEMA, type OpenApiOptions, type OpenApiWebhook } from './openapi.js';
export { PlatformModule, type HealthIndicatorsFactory, type PlatformModuleOptions } from './platform.module.js';
export { ProblemFilter } from './problem.filter.js';
export {
  codeForStatus,
  INTERNAL_ERROR_DETAIL,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  problemType,
  STATUS_BY_KIND,
  statusOfKind,
  toProblem,
  type Problem,
  type ProblemContext,
  type ProblemDecision,
  type ProblemFieldError,
} from './problem.js';
export { createValidationPipe, flattenValidationErrors, VALIDATION_FAILED, validationProblem } from './validation.js';
