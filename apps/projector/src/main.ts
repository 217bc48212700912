import 'reflect-metadata';
import { runApp } from '@partner-ledger/roles';
import { ProjectorAppModule } from './projector-app.module.js';

/**
 * The projections alone: the log → read models, from each projection's checkpoint. Single-active:
 * start two or more, one holds the `projector` lease and runs, the others wait and take over
 * within LEASE_TTL when it dies (at once when it stops cleanly). Answers /health and /metrics
 * (`lease_held`, `projection_lag_events`) on PORT; SIGTERM commits the batch in hand with its
 * checkpoint, then releases the lease.
 */
runApp('projector', (app) => ProjectorAppModule.forRoot(app), { singleActive: true, readyMessage: 'projector running', title: 'partner-ledger projector' });
