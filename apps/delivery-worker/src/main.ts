import 'reflect-metadata';
import { runApp } from '@partner-ledger/roles';
import { DeliveryWorkerAppModule } from './delivery-worker-app.module.js';

/**
 * A delivery worker on its own: bus → signed POSTs. Run as many as needed; they compete for the
 * same queue (RabbitMQ with AMQP_URL, or the SQLite file's queue on one machine). Answers /health and
 * /metrics on PORT; SIGTERM finishes the attempts in flight and records them.
 */
runApp('delivery-worker', (app) => DeliveryWorkerAppModule.forRoot(app), { readyMessage: 'delivery worker running', title: 'partner-ledger delivery worker' });
