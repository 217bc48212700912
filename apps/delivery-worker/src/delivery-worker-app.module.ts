import { type DynamicModule, Module } from '@nestjs/common';
import { type Composition, DeliveryWorkerModule } from '@partner-ledger/roles';

/** A delivery worker alone; workers compete for the same queue. */
@Module({})
export class DeliveryWorkerAppModule {
  static forRoot(app: Composition): DynamicModule {
    return { module: DeliveryWorkerAppModule, imports: [DeliveryWorkerModule.forRoot(app), app.finish()] };
  }
}
