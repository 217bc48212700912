import 'reflect-metadata';
import { runRoles } from '@partner-ledger/roles';

/**
 * A delivery worker on its own: bus → signed POSTs. Run as many as needed; they compete for the
 * same queue (RabbitMQ with AMQP_URL, or the SQLite file's queue on one machine). Answers /health and
 * /metrics on PORT; SIGTERM finishes the attempts in flight and records them.
 */
runRoles('delivery-worker', { roles: ['delivery-worker'], readyMessage: 'delivery worker running', title: 'partner-ledger delivery worker' });
