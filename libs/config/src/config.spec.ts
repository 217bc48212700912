import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded setup', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      eventStoreUrl: undefined,
      mongoUrl: undefined,
      amqpUrl: undefined,
      bodyLimitBytes: 1024 * 1024,
      jsonMaxDepth: 64,
      jsonMaxKeys: 10_000,
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 60_000,
      incomingWebhookRateLimit: 50,
      webhookReplayBatchSize: 1000,
      publicUrl: undefined,
      autoApprovalIntervalMs: 30_000,
      autoApprovalBatchSize: 100,
      streamCacheSize: 10_000,
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads the incoming-webhook knobs', () => {
    expect(loadConfig({ INCOMING_WEBHOOK_RATE_LIMIT: '5', PUBLIC_URL: 'https://ledger.example.com/' })).toMatchObject({
      incomingWebhookRateLimit: 5,
      publicUrl: 'https://ledger.example.com',
    });
  });

  it("reads the SQLite queue's claim TTL, 60 s by default", () => {
    expect(loadConfig({}).webhookClaimTtlMs).toBe(60_000);
    expect(loadConfig({ WEBHOOK_CLAIM_TTL: '2s' }).webhookClaimTtlMs).toBe(2_000);
  });

  it("reads the endpoint throttle's knobs: circuit threshold and probe interval, the pause without Retry-After", () => {
    expect(loadConfig({})).toMatchObject({ webhookCircuitFailures: 20, webhookCircuitProbeIntervalMs: 30_000, webhookThrottlePauseMs: 5_000, webhookEndpointRefreshMs: 1_000 });
    expect(loadConfig({ WEBHOOK_ENDPOINT_REFRESH: '250ms' }).webhookEndpointRefreshMs).toBe(250);
    expect(() => loadConfig({ WEBHOOK_ENDPOINT_REFRESH: '0' })).toThrow(/WEBHOOK_ENDPOINT_REFRESH/);
    expect(loadConfig({ WEBHOOK_CIRCUIT_FAILURES: '3', WEBHOOK_CIRCUIT_PROBE_INTERVAL: '2m', WEBHOOK_THROTTLE_PAUSE: '500ms' })).toMatchObject({
      webhookCircuitFailures: 3,
      webhookCircuitProbeIntervalMs: 120_000,
      webhookThrottlePauseMs: 500,
    });
    expect(() => loadConfig({ WEBHOOK_CIRCUIT_FAILURES: '0' })).toThrow(ConfigError);
  });

  it('reads the request body knobs', () => {
    expect(loadConfig({ BODY_LIMIT_BYTES: '2048', JSON_MAX_DEPTH: '8', JSON_MAX_KEYS: '100', HEADERS_TIMEOUT: '5s', REQUEST_TIMEOUT: '20s' })).toMatchObject({
      bodyLimitBytes: 2048,
      jsonMaxDepth: 8,
      jsonMaxKeys: 100,
      headersTimeoutMs: 5_000,
      requestTimeoutMs: 20_000,
    });
  });

  it('reads the stream cache size; 0 turns the cache off, a negative or fractional size is refused', () => {
    expect(loadConfig({ STREAM_CACHE_SIZE: '500' }).streamCacheSize).toBe(500);
    expect(loadConfig({ STREAM_CACHE_SIZE: '0' }).streamCacheSize).toBe(0);
    expect(() => loadConfig({ STREAM_CACHE_SIZE: '-1' })).toThrow(/STREAM_CACHE_SIZE must be a non-negative integer/);
    expect(() => loadConfig({ STREAM_CACHE_SIZE: '1.5' })).toThrow(/STREAM_CACHE_SIZE/);
  });

  it('reads the webhook threads: one by default, 0 for the webhook roles on the main thread', () => {
    expect(loadConfig({}).webhookThreads).toBe(1);
    expect(loadConfig({ WEBHOOK_THREADS: '0' }).webhookThreads).toBe(0);
    expect(loadConfig({ WEBHOOK_THREADS: '2' }).webhookThreads).toBe(2);
    expect(() => loadConfig({ WEBHOOK_THREADS: '-1' })).toThrow(/WEBHOOK_THREADS must be a non-negative integer/);
  });

  it('reads where the engine runs its projections: the first webhook thread by default, the main thread without webhook threads', () => {
    expect(loadConfig({}).projectorThread).toBe('webhooks');
    expect(loadConfig({ WEBHOOK_THREADS: '0' }).projectorThread).toBe('main');
    expect(loadConfig({ PROJECTOR_THREAD: 'main' }).projectorThread).toBe('main');
    expect(loadConfig({ PROJECTOR_THREAD: 'webhooks' }).projectorThread).toBe('webhooks');
    expect(loadConfig({ PROJECTOR_THREAD: 'webhooks', WEBHOOK_THREADS: '2' }).projectorThread).toBe('webhooks');
    expect(() => loadConfig({ PROJECTOR_THREAD: 'worker' })).toThrow(/PROJECTOR_THREAD must be main or webhooks, got worker/);
    expect(() => loadConfig({ PROJECTOR_THREAD: 'webhooks', WEBHOOK_THREADS: '0' })).toThrow(/PROJECTOR_THREAD=webhooks .* needs WEBHOOK_THREADS of 1 or more/);
  });

  it('reads the auto-approver knobs', () => {
    expect(loadConfig({ AUTO_APPROVAL_INTERVAL: '5s', AUTO_APPROVAL_BATCH_SIZE: '20' })).toMatchObject({ autoApprovalIntervalMs: 5_000, autoApprovalBatchSize: 20 });
  });

  it.each([
    ['PORT', '70000'],
    ['EVENT_STORE_URL', 'http://x'],
    ['MONGO_URL', 'postgres://x'],
    ['AMQP_URL', 'http://x'],
    ['BODY_LIMIT_BYTES', '10'],
    ['JSON_MAX_DEPTH', '0'],
    ['HEADERS_TIMEOUT', 'slow'],
    ['REQUEST_TIMEOUT', '1s'], // shorter than the default HEADERS_TIMEOUT
    ['JSON_MAX_KEYS', 'many'],
    ['ADMIN_API_KEY', 'short'],
    ['PORTAL_LINK_SECRET', 'shorter-than-thirty-two-chars'],
    ['WEBHOOK_RETRY_SCHEDULE', 'soon'],
    ['WEBHOOK_ALLOWED_CIDRS', 'not-a-cidr'],
    ['INCOMING_WEBHOOK_RATE_LIMIT', '0'],
    ['INCOMING_WEBHOOK_RATE_LIMIT', '2.5'],
    ['WEBHOOK_REPLAY_BATCH_SIZE', '0'],
    ['AUTO_APPROVAL_INTERVAL', '0s'],
    ['AUTO_APPROVAL_INTERVAL', 'often'],
    ['AUTO_APPROVAL_BATCH_SIZE', '0'],
    ['WEBHOOK_CLAIM_TTL', '0s'],
    ['WEBHOOK_CLAIM_TTL', 'soon'],
    ['PUBLIC_URL', 'ftp://x'],
    ['PUBLIC_URL', 'https://x/?q=1'],
  ])('refuses %s=%s naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
