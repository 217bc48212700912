import { isAbsolute, resolve } from 'node:path';
import { type AllowedCidrs, NO_ALLOWED_CIDRS, parseAllowedCidrs } from './allowed-cidrs.js';
import { parseRetrySchedule } from './durations.js';

/**
 * Every knob, read once from the environment and parsed there: nothing downstream parses an
 * environment string again. The names are a contract: the README's configuration table and
 * config/partner-ledger.env.example list them; renaming one breaks deployments. Unset adapter
 * URLs select the embedded SQLite adapters.
 */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  adminApiKey: string | undefined;
  /** PORTAL_LINK_SECRET: signs partner portal links; unset → generated once and kept in DATA_DIR (give every API instance the same). */
  portalLinkSecret: string | undefined;
  eventStoreUrl: string | undefined;
  mongoUrl: string | undefined;
  /** WEBHOOK_ALLOWED_CIDRS: ranges exempt from the private-network block, e.g. `127.0.0.0/8` for local tests. */
  webhookAllowedCidrs: AllowedCidrs;
  /** AMQP_URL: RabbitMQ for the webhook bus; unset → a queue table in the SQLite file. */
  amqpUrl: string | undefined;
  /** WEBHOOK_RETRY_SCHEDULE, e.g. `0,5s,5m,30m`, in ms; unset → the default ladder. */
  webhookRetrySchedule: readonly number[];
  /**
   * WEBHOOK_CLAIM_TTL: the SQLite queue's hold on a message a delivery worker took (renewed every
   * third of it while the worker lives); a worker that dies leaves its messages held this long.
   */
  webhookClaimTtlMs: number;
  /** WEBHOOK_CIRCUIT_FAILURES: failed attempts in a row (any worker) that open an endpoint's circuit (default 20). */
  webhookCircuitFailures: number;
  /** WEBHOOK_CIRCUIT_PROBE_INTERVAL: how long an open circuit waits before one delivery probes the endpoint (default 30s). */
  webhookCircuitProbeIntervalMs: number;
  /** WEBHOOK_THROTTLE_PAUSE: how long a 429 without `Retry-After` pauses its endpoint (default 5s). */
  webhookThrottlePauseMs: number;
  /**
   * WEBHOOK_ENDPOINT_REFRESH: how long a delivery worker uses an endpoint it read before reading it
   * again (default 1s): a change made by another process (disabled, deleted, new URL, rate limit,
   * rotated secret) reaches its deliveries within it; one made in the worker's own process at once.
   */
  webhookEndpointRefreshMs: number;
  /** AMQP_PREFIX: name prefix of the RabbitMQ exchanges and queues (default `pl.webhooks`). */
  amqpPrefix: string | undefined;
  /** LEASE_TTL: how long a single-active projector or publisher may miss renewals before a standby takes over. */
  leaseTtlMs: number;
  /** LEASE_RENEW_INTERVAL: how often the holder renews and a standby looks; at most a third of LEASE_TTL. */
  leaseRenewIntervalMs: number;
  bodyLimitBytes: number;
  /** HEADERS_TIMEOUT: a request whose headers take longer gets 408 `request_timeout` (default 30s). */
  headersTimeoutMs: number;
  /** REQUEST_TIMEOUT: a request whose headers and body take longer gets 408 `request_timeout` (default 60s; at least HEADERS_TIMEOUT). */
  requestTimeoutMs: number;
  /** JSON_MAX_DEPTH: objects and arrays nested deeper in a request body get 400 `json_too_deep` (default 64). */
  jsonMaxDepth: number;
  /** JSON_MAX_KEYS: request bodies with more object keys get 400 `json_too_many_keys` (default 10,000). */
  jsonMaxKeys: number;
  logLevel: string;
  /** INCOMING_WEBHOOK_RATE_LIMIT: requests per second per incoming-webhook URL (default 50). */
  incomingWebhookRateLimit: number;
  /** WEBHOOK_REPLAY_BATCH_SIZE: events a replay job reads, publishes and saves progress for at a time (default 1000). */
  webhookReplayBatchSize: number;
  /** PUBLIC_URL: base of the incoming-webhook URLs handed out; unset → taken from each request's Host. */
  publicUrl: string | undefined;
  /** AUTO_APPROVAL_INTERVAL: how often the auto-approver looks for conversions whose hold has passed (default 30s). */
  autoApprovalIntervalMs: number;
  /** AUTO_APPROVAL_BATCH_SIZE: due conversions the auto-approver approves per look, at most (default 100). */
  autoApprovalBatchSize: number;
  /**
   * STREAM_CACHE_SIZE: streams (programs, partners, customers, reservations, triggers) whose folded
   * state an API process keeps for its commands, least recently used out first (default 10,000;
   * 0 turns the cache off).
   */
  streamCacheSize: number;
  /**
   * WEBHOOK_THREADS: how many worker threads of the engine (apps/engine) run its webhook roles, the
   * first the publisher and a delivery worker, each other one a delivery worker, beside the thread
   * that serves HTTP (default 1; 0 runs them on that one thread). The other
   * apps ignore it.
   */
  webhookThreads: number;
  /**
   * PROJECTOR_THREAD: where the engine runs its projections. `webhooks` (the default when
   * WEBHOOK_THREADS ≥ 1): the first webhook thread, beside the publisher; the main thread then
   * follows the checkpoints that thread commits (woken by it), as an api process follows a projector
   * process, and its own CPU per command falls by about a fifth (measured in bench/README.md).
   * `main` (the default with WEBHOOK_THREADS=0): the thread that serves HTTP. The other apps ignore it.
   */
  projectorThread: 'main' | 'webhooks';
}

export class ConfigError extends Error {}

function projectorThread(env: NodeJS.ProcessEnv): AppConfig['projectorThread'] {
  const threads = nonNegativeInteger(env.WEBHOOK_THREADS, 'WEBHOOK_THREADS', 1);
  const value = (checked(env.PROJECTOR_THREAD, 'PROJECTOR_THREAD', (v) => v === 'main' || v === 'webhooks', 'main or webhooks') ??
    (threads > 0 ? 'webhooks' : 'main')) as AppConfig['projectorThread'];
  if (value === 'webhooks' && threads === 0) {
    throw new ConfigError('PROJECTOR_THREAD=webhooks runs the projections on the first webhook thread: it needs WEBHOOK_THREADS of 1 or more');
  }
  return value;
}

function checked(raw: string | undefined, name: string, ok: (value: string) => boolean, expected: string): string | undefined {
  const value = raw?.trim() || undefined;
  if (value === undefined) return undefined;
  let valid = false;
  let why = '';
  try {
    valid = ok(value);
  } catch (error) {
    why = `: ${(error as Error).message}`;
  }
  if (!valid) throw new ConfigError(`${name} must be ${expected}, got ${value}${why}`);
  return value;
}

function leaseTimes(env: NodeJS.ProcessEnv): Pick<AppConfig, 'leaseTtlMs' | 'leaseRenewIntervalMs'> {
  const leaseTtlMs = duration(env.LEASE_TTL, 'LEASE_TTL', 10_000);
  const leaseRenewIntervalMs = duration(env.LEASE_RENEW_INTERVAL, 'LEASE_RENEW_INTERVAL', Math.min(2_000, Math.floor(leaseTtlMs / 3)));
  if (leaseRenewIntervalMs * 3 > leaseTtlMs) throw new ConfigError(`LEASE_RENEW_INTERVAL (${leaseRenewIntervalMs} ms) must be at most a third of LEASE_TTL (${leaseTtlMs} ms)`);
  return { leaseTtlMs, leaseRenewIntervalMs };
}

function allowedCidrs(value: string | undefined): AllowedCidrs {
  if (value === undefined) return NO_ALLOWED_CIDRS;
  try {
    return parseAllowedCidrs(value);
  } catch (error) {
    throw new ConfigError(`WEBHOOK_ALLOWED_CIDRS: ${(error as Error).message}`);
  }
}

function retrySchedule(raw: string | undefined): readonly number[] {
  const value = raw?.trim() || undefined;
  try {
    return Object.freeze(parseRetrySchedule(value));
  } catch (error) {
    throw new ConfigError(`WEBHOOK_RETRY_SCHEDULE must be a list like 0,5s,5m,30m, got ${value}: ${(error as Error).message}`);
  }
}

function positiveInteger(raw: string | undefined, name: string, fallback: number): number {
  const value = raw?.trim();
  if (!value) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  return n;
}

function nonNegativeInteger(raw: string | undefined, name: string, fallback: number): number {
  const value = raw?.trim();
  if (!value) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got ${value}`);
  return n;
}

/** One duration (`10s`, `1500ms`), in ms, > 0. */
function duration(raw: string | undefined, name: string, fallback: number): number {
  const value = raw?.trim();
  if (!value) return fallback;
  let ms: number[] = [];
  try {
    ms = parseRetrySchedule(value, name);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (ms.length !== 1 || !(ms[0] > 0)) throw new ConfigError(`${name} must be one duration above zero, e.g. 10s, got ${value}`);
  return ms[0];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got ${env.PORT}`);
  const eventStoreUrl = env.EVENT_STORE_URL?.trim() || undefined;
  if (eventStoreUrl && !/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb):\/\//.test(eventStoreUrl)) {
    throw new ConfigError(`EVENT_STORE_URL must be an esdb:// connection string, got ${eventStoreUrl}`);
  }
  const mongoUrl = env.MONGO_URL?.trim() || undefined;
  if (mongoUrl && !/^mongodb(\+srv)?:\/\//.test(mongoUrl)) throw new ConfigError(`MONGO_URL must be a mongodb:// connection string, got ${mongoUrl}`);
  const dataDir = env.DATA_DIR?.trim() || './data';
  const bodyLimitBytes = Number(env.BODY_LIMIT_BYTES ?? 1024 * 1024);
  if (!Number.isInteger(bodyLimitBytes) || bodyLimitBytes < 1024) throw new ConfigError('BODY_LIMIT_BYTES must be an integer ≥ 1024');
  const headersTimeoutMs = duration(env.HEADERS_TIMEOUT, 'HEADERS_TIMEOUT', 30_000);
  const requestTimeoutMs = duration(env.REQUEST_TIMEOUT, 'REQUEST_TIMEOUT', 60_000);
  if (requestTimeoutMs < headersTimeoutMs) throw new ConfigError('REQUEST_TIMEOUT must be at least HEADERS_TIMEOUT (it covers the headers and the body)');
  const adminApiKey = env.ADMIN_API_KEY?.trim() || undefined;
  if (adminApiKey !== undefined && adminApiKey.length < 16) throw new ConfigError('ADMIN_API_KEY must be at least 16 characters');
  const portalLinkSecret = env.PORTAL_LINK_SECRET?.trim() || undefined;
  if (portalLinkSecret !== undefined && portalLinkSecret.length < 32) throw new ConfigError('PORTAL_LINK_SECRET must be at least 32 characters');
  return {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
    adminApiKey,
    portalLinkSecret,
    eventStoreUrl,
    mongoUrl,
    webhookAllowedCidrs: allowedCidrs(env.WEBHOOK_ALLOWED_CIDRS?.trim() || undefined),
    amqpUrl: checked(env.AMQP_URL, 'AMQP_URL', (v) => /^amqps?:\/\//.test(v), 'an amqp:// URL'),
    webhookRetrySchedule: retrySchedule(env.WEBHOOK_RETRY_SCHEDULE),
    webhookClaimTtlMs: duration(env.WEBHOOK_CLAIM_TTL, 'WEBHOOK_CLAIM_TTL', 60_000),
    webhookCircuitFailures: positiveInteger(env.WEBHOOK_CIRCUIT_FAILURES, 'WEBHOOK_CIRCUIT_FAILURES', 20),
    webhookCircuitProbeIntervalMs: duration(env.WEBHOOK_CIRCUIT_PROBE_INTERVAL, 'WEBHOOK_CIRCUIT_PROBE_INTERVAL', 30_000),
    webhookThrottlePauseMs: duration(env.WEBHOOK_THROTTLE_PAUSE, 'WEBHOOK_THROTTLE_PAUSE', 5_000),
    webhookEndpointRefreshMs: duration(env.WEBHOOK_ENDPOINT_REFRESH, 'WEBHOOK_ENDPOINT_REFRESH', 1_000),
    bodyLimitBytes,
    headersTimeoutMs,
    requestTimeoutMs,
    jsonMaxDepth: positiveInteger(env.JSON_MAX_DEPTH, 'JSON_MAX_DEPTH', 64),
    jsonMaxKeys: positiveInteger(env.JSON_MAX_KEYS, 'JSON_MAX_KEYS', 10_000),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    amqpPrefix: checked(env.AMQP_PREFIX, 'AMQP_PREFIX', (v) => /^[A-Za-z0-9._-]{1,100}$/.test(v), 'letters, digits, dots, dashes or underscores'),
    ...leaseTimes(env),
    incomingWebhookRateLimit: positiveInteger(env.INCOMING_WEBHOOK_RATE_LIMIT, 'INCOMING_WEBHOOK_RATE_LIMIT', 50),
    webhookReplayBatchSize: positiveInteger(env.WEBHOOK_REPLAY_BATCH_SIZE, 'WEBHOOK_REPLAY_BATCH_SIZE', 1000),
    publicUrl: checked(env.PUBLIC_URL, 'PUBLIC_URL', (v) => /^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(v), 'an http(s) URL without query, e.g. https://ledger.example.com')?.replace(/\/+$/, ''),
    autoApprovalIntervalMs: duration(env.AUTO_APPROVAL_INTERVAL, 'AUTO_APPROVAL_INTERVAL', 30_000),
    autoApprovalBatchSize: positiveInteger(env.AUTO_APPROVAL_BATCH_SIZE, 'AUTO_APPROVAL_BATCH_SIZE', 100),
    streamCacheSize: nonNegativeInteger(env.STREAM_CACHE_SIZE, 'STREAM_CACHE_SIZE', 10_000),
    webhookThreads: nonNegativeInteger(env.WEBHOOK_THREADS, 'WEBHOOK_THREADS', 1),
    projectorThread: projectorThread(env),
  };
}
