import 'reflect-metadata';
import { runApp } from '@partner-ledger/roles';
import { ApiAppModule } from './api-app.module.js';

/**
 * The API role alone: commands and queries. Queries read the models a separate projector process
 * keeps (`npm run start:projector`) and wait for its checkpoints when given `minPosition`; webhooks
 * go out through a separate publisher. Run as many API processes as the load needs.
 */
runApp('api', (app) => ApiAppModule.forRoot(app), { readyMessage: 'partner-ledger api listening', title: 'partner-ledger api' });
