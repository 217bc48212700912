import 'reflect-metadata';
import { runRoles } from '@partner-ledger/roles';

/**
 * The API role alone: commands and queries. Queries read the models a separate projector process
 * keeps (`npm run start:projector`) and wait for its checkpoints when given `minPosition`; webhooks
 * go out through a separate publisher. Run as many API processes as the load needs.
 */
runRoles('api', { roles: ['api'], readyMessage: 'partner-ledger api listening', title: 'partner-ledger api' });
