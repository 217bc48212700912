import { stateFile } from '@partner-ledger/config';
import type { Logger } from 'pino';
import type { Bus } from './bus.port.js';
import type { RabbitMqBus, RabbitMqBusOptions } from './rabbitmq/rabbitmq-bus.js';
import { SqliteBus } from './sqlite/sqlite-bus.js';

export interface BusConfig {
  dataDir: string;
  /** AMQP_URL: RabbitMQ; unset → a queue table in DATA_DIR's SQLite state file. */
  amqpUrl?: string;
  amqpPrefix?: string;
  /** The parsed WEBHOOK_RETRY_SCHEDULE, in ms. */
  webhookRetrySchedule: readonly number[];
  /** WEBHOOK_CLAIM_TTL, in ms: the SQLite queue's lease on a claimed message (unset: the adapter's 60 s). */
  webhookClaimTtlMs?: number;
}

/** The RabbitMQ adapter on `url`; amqplib is loaded here, on first use. */
export async function connectRabbitMq(url: string, options: RabbitMqBusOptions = {}): Promise<RabbitMqBus> {
  const { RabbitMqBus } = await import('./rabbitmq/rabbitmq-bus.js');
  return RabbitMqBus.connect(url, options);
}

/** The webhook bus: RabbitMQ when AMQP_URL is set, else a queue table in the SQLite state file. */
export async function openBus(config: BusConfig, logger?: Logger): Promise<Bus> {
  const retrySchedule = config.webhookRetrySchedule;
  if (config.amqpUrl) return connectRabbitMq(config.amqpUrl, { retrySchedule, logger, ...(config.amqpPrefix ? { prefix: config.amqpPrefix } : {}) });
  return SqliteBus.open(stateFile(config.dataDir), { retrySchedule, leaseMs: config.webhookClaimTtlMs });
}
