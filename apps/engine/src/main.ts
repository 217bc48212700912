import 'reflect-metadata';
import { startWebhookThreadsEarly } from '@partner-ledger/webhook-threads';

// The webhook threads load their modules on the other core while this thread loads the engine's.
const threads = startWebhookThreadsEarly('engine');
const { ENGINE_APP, EngineModule, runApp } = await import('@partner-ledger/roles');

/** Every role in one process: `npm start`. */
runApp('engine', (app) => EngineModule.forRoot(app, threads), ENGINE_APP);
