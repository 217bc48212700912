import type { Logger } from 'pino';
import type { Bus } from '@partner-ledger/bus';
import type { AppConfig } from '@partner-ledger/config';
import type { ReadStore } from '@partner-ledger/read-store';
import { guardedDispatcher } from '../ssrf.js';
import { DeliveryWorker } from './delivery-worker.js';

/**
 * The delivery worker as the configuration sets it up: one home for roles' delivery worker module (delivery on
 * the app's own thread) and the engine's webhook threads (the webhook-threads lib).
 */
export function deliveryWorkerOf(bus: Bus, store: ReadStore, config: AppConfig, logger: Logger): DeliveryWorker {
  return new DeliveryWorker(bus, store, {
    dispatcher: guardedDispatcher({ allowed: config.webhookAllowedCidrs }),
    logger,
    gate: { circuitFailures: config.webhookCircuitFailures, probeIntervalMs: config.webhookCircuitProbeIntervalMs, throttlePauseMs: config.webhookThrottlePauseMs },
    endpointRefreshMs: config.webhookEndpointRefreshMs,
  });
}
