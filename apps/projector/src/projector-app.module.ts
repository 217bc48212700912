import { type DynamicModule, Module } from '@nestjs/common';
import { type Composition, ProjectorModule } from '@partner-ledger/roles';

/** The projector role alone, single-active under the `projector` lease. */
@Module({})
export class ProjectorAppModule {
  static forRoot(app: Composition): DynamicModule {
    return { module: ProjectorAppModule, imports: [ProjectorModule.forRoot(app), app.finish()] };
  }
}
