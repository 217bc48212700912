import { type DynamicModule, Module } from '@nestjs/common';
import { ApiRoleModule, type Composition } from '@partner-ledger/roles';

/** The API role alone; its queries follow the checkpoints of a separate projector. */
@Module({})
export class ApiAppModule {
  static forRoot(app: Composition): DynamicModule {
    return { module: ApiAppModule, imports: [ApiRoleModule.forRoot(app), app.finish()] };
  }
}
