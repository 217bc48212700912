import 'reflect-metadata';
import { ENGINE_APP, EngineModule, runApp } from '@partner-ledger/roles';

/** Every role in one process: `npm start`. */
runApp('engine', (app) => EngineModule.forRoot(app), ENGINE_APP);
