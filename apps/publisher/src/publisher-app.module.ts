import { type DynamicModule, Module } from '@nestjs/common';
import { type Composition, PublisherModule } from '@partner-ledger/roles';

/** The publisher role alone, single-active under the `webhook-publisher` lease. */
@Module({})
export class PublisherAppModule {
  static forRoot(app: Composition): DynamicModule {
    return { module: PublisherAppModule, imports: [PublisherModule.forRoot(app), app.finish()] };
  }
}
