import { ConfigError, loadConfig } from '@partner-ledger/config';
import { WebhookThreads } from './webhook-threads.js';

/**
 * The engine's webhook threads, started from the environment's configuration before the engine's
 * main loads anything else (see WebhookThreads), or null: when WEBHOOK_THREADS=0, or when the
 * configuration is invalid (the app reports that as it starts, and exits).
 */
export function startWebhookThreadsEarly(logName: string): WebhookThreads | null {
  try {
    const config = loadConfig();
    return config.webhookThreads > 0 ? new WebhookThreads(config, logName) : null;
  } catch (error) {
    if (error instanceof ConfigError) return null;
    throw error;
  }
}
