import 'reflect-metadata';
import { runApp } from '@partner-ledger/roles';
import { PublisherAppModule } from './publisher-app.module.js';

/**
 * The webhook publisher alone: the log → one bus message per (event, subscribed endpoint).
 * Single-active under the `webhook-publisher` lease, like the projector; a standby takes over from
 * the saved checkpoint. Answers /health and /metrics on PORT; SIGTERM finishes the batch in hand
 * (published, then checkpointed), then releases the lease.
 */
runApp('publisher', (app) => PublisherAppModule.forRoot(app), { singleActive: true, readyMessage: 'publisher running', title: 'partner-ledger publisher' });
