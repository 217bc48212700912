import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthGuard } from './auth/auth.guard.js';
import { AUTO_APPROVER_OPTIONS, AutoApprover, type AutoApproverOptions } from './auto-approval/auto-approver.js';
import { Lookups } from './shared/lookups.js';
import { PurchaseCounter } from './shared/purchase-counter.js';
import { Reservations } from './shared/reservations.js';
import { STREAM_CACHE, StreamRunner } from './shared/stream-runner.js';
import { StreamCache } from './shared/stream-cache.js';
import { API_OPTIONS, type ApiOptions, EVENT_STORE, READ_SIDE } from './shared/tokens.js';
import type { ReadSide } from '@partner-ledger/projections';
import { CommissionSeriesQueriesController } from './queries/commission-series/commission-series.queries.js';
import { CommissionTotalsQueriesController } from './queries/commission-totals/commission-totals.queries.js';
import { ConversionQueriesController } from './queries/conversions/conversions.queries.js';
import { CustomerQueriesController } from './queries/customers/customers.queries.js';
import { ProgramQueriesController } from './queries/programs/programs.queries.js';
import { ChangeCommissionPlanController } from './use-cases/change-commission-plan/change-commission-plan.controller.js';
import { ChangeCommissionPlanHandler } from './use-cases/change-commission-plan/change-commission-plan.handler.js';
import { EventQueriesController } from './queries/events/events.queries.js';
import { PartnerQueriesController } from './queries/partners/partners.queries.js';
import { ProjectionQueriesController } from './queries/projections/projections.queries.js';
import { PayoutQueriesController } from './queries/payouts/payouts.queries.js';
import { CreatePayoutController } from './use-cases/create-payout/create-payout.controller.js';
import { CreatePayoutHandler } from './use-cases/create-payout/create-payout.handler.js';
import { ConfirmPayoutController } from './use-cases/confirm-payout/confirm-payout.controller.js';
import { ConfirmPayoutHandler } from './use-cases/confirm-payout/confirm-payout.handler.js';
import { CancelPayoutController } from './use-cases/cancel-payout/cancel-payout.controller.js';
import { CancelPayoutHandler } from './use-cases/cancel-payout/cancel-payout.handler.js';
import { EntityEtags } from './queries/entity-etags.js';
import { ReadModels } from './queries/read-models.js';
import { EndpointRepository } from '@partner-ledger/webhook-runtime';
import { WEBHOOK_POLICY, type WebhookPolicy, WebhookEndpointsController } from './webhook-endpoints/webhook-endpoints.controller.js';
import { DeliveriesController } from './webhook-endpoints/deliveries.controller.js';
import { PartnerMessagesController } from './webhook-endpoints/partner-messages.controller.js';
import { TOPIC_WEBHOOKS, WebhookTopicsController } from './webhook-endpoints/webhook-topics.controller.js';
import { OPENAPI_WEBHOOKS } from '@partner-ledger/platform';
import { DeliveryLog, EndpointGate, PartnerMessages, ReplayJobs } from '@partner-ledger/webhook-runtime';
import { ReplayJobsController } from './webhook-endpoints/replay-jobs.controller.js';
import { ReplayJobsLifecycle } from './webhook-endpoints/replay-jobs.lifecycle.js';
import { BUS, type Bus } from '@partner-ledger/bus';
import type { EventStore } from '@partner-ledger/event-store';
import type { Logger } from 'pino';
import { ApproveConversionController } from './use-cases/approve-conversion/approve-conversion.controller.js';
import { ApproveConversionHandler } from './use-cases/approve-conversion/approve-conversion.handler.js';
import { ChangePartnerStatusController } from './use-cases/change-partner-status/change-partner-status.controller.js';
import { ChangePartnerStatusHandler } from './use-cases/change-partner-status/change-partner-status.handler.js';
import { CreateConversionTriggerController } from './use-cases/create-conversion-trigger/create-conversion-trigger.controller.js';
import { CreateConversionTriggerHandler } from './use-cases/create-conversion-trigger/create-conversion-trigger.handler.js';
import { CreateCustomerController } from './use-cases/create-customer/create-customer.controller.js';
import { CreateCustomerHandler } from './use-cases/create-customer/create-customer.handler.js';
import { CreatePartnerController } from './use-cases/create-partner/create-partner.controller.js';
import { CreatePartnerHandler } from './use-cases/create-partner/create-partner.handler.js';
import { CreateProgramController } from './use-cases/create-program/create-program.controller.js';
import { CreateProgramHandler } from './use-cases/create-program/create-program.handler.js';
import { Attributor } from './use-cases/create-transaction/attribute.js';
import { CreateTransactionController } from './use-cases/create-transaction/create-transaction.controller.js';
import { CreateTransactionHandler } from './use-cases/create-transaction/create-transaction.handler.js';
import { DenyConversionController } from './use-cases/deny-conversion/deny-conversion.controller.js';
import { DenyConversionHandler } from './use-cases/deny-conversion/deny-conversion.handler.js';
import { ReopenConversionController } from './use-cases/reopen-conversion/reopen-conversion.controller.js';
import { ReopenConversionHandler } from './use-cases/reopen-conversion/reopen-conversion.handler.js';
import { ConversionHistoryController } from './queries/conversions/conversion-history.queries.js';
import { RefundTransactionController } from './use-cases/refund-transaction/refund-transaction.controller.js';
import { RefundTransactionHandler } from './use-cases/refund-transaction/refund-transaction.handler.js';
import { UpdatePartnerDetailsController } from './use-cases/update-partner-details/update-partner-details.controller.js';
import { UpdatePartnerDetailsHandler } from './use-cases/update-partner-details/update-partner-details.handler.js';
import { IncomingWebhookRepository } from '@partner-ledger/webhook-runtime';
import { IncomingWebhooksController } from './incoming-webhooks/incoming-webhooks.controller.js';
import { DryRunMappingController } from './incoming-webhooks/dry-run-mapping/dry-run-mapping.controller.js';
import { DEFAULT_INCOMING_RATE_PER_SECOND, INCOMING_OPTIONS, type IncomingWebhookOptions, IncomingWebhookService } from './incoming-webhooks/incoming-webhook.service.js';
import { ReceiveIncomingWebhookController } from './incoming-webhooks/receive.controller.js';
import { PORTAL_OPTIONS, PortalController, PortalLinksController, type PortalOptions } from './portal/portal.controller.js';
import { WebhookEndpointPortalController, WebhookEndpointPortalLinksController } from './portal/webhook-endpoint-portal.controller.js';
import { EndpointOperations } from './webhook-endpoints/endpoint-operations.js';

export interface ApiModuleOptions extends ApiOptions {
  webhooks: WebhookPolicy;
  /** Rate limit and public URL of incoming webhooks; defaults when absent. */
  incoming?: Partial<IncomingWebhookOptions>;
  /** Replay jobs: events per batch (default 1000), where a failure is logged, whether this process alone uses the read store. */
  replay?: { batchSize?: number; logger?: Logger; soleInstance?: boolean };
  /** The auto-approver's batch size and logger (default 100, none); whoever runs it imports this module. */
  autoApproval?: Partial<AutoApproverOptions>;
  /** The secret that signs portal links, the partners' and the webhook endpoints' (resolvePortalSecret). */
  portalSecret: string;
  /** Streams whose folded state the command handlers keep (STREAM_CACHE_SIZE; 0: none). */
  streamCacheSize: number;
  /** Modules exporting what the API injects: EVENT_STORE, READ_SIDE and BUS. */
  imports: NonNullable<ModuleMetadata['imports']>;
}

/**
 * The HTTP API: commands (one controller and one handler per use case, through the CommandBus) and
 * queries over the read models. The stores, the read side and the bus are injected from the
 * modules that own them (and close them).
 */
@Module({})
export class ApiModule {
  static forRoot(options: ApiModuleOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [CqrsModule.forRoot(), ...options.imports],
      controllers: [
        CreateProgramController,
        ChangeCommissionPlanController,
        ProgramQueriesController,
        CreatePartnerController,
        UpdatePartnerDetailsController,
        ChangePartnerStatusController,
        CreateCustomerController,
        CreateTransactionController,
        ApproveConversionController,
        DenyConversionController,
        ReopenConversionController,
        RefundTransactionController,
        CreateConversionTriggerController,
        CreatePayoutController,
        ConfirmPayoutController,
        CancelPayoutController,
        PartnerQueriesController,
        CustomerQueriesController,
        ConversionQueriesController,
        ConversionHistoryController,
        CommissionTotalsQueriesController,
        CommissionSeriesQueriesController,
        EventQueriesController,
        ProjectionQueriesController,
        PayoutQueriesController,
        WebhookEndpointsController,
        WebhookTopicsController,
        DeliveriesController,
        PartnerMessagesController,
        ReplayJobsController,
        IncomingWebhooksController,
        DryRunMappingController,
        ReceiveIncomingWebhookController,
        PortalLinksController,
        PortalController,
        WebhookEndpointPortalLinksController,
        WebhookEndpointPortalController,
      ],
      providers: [
        { provide: API_OPTIONS, useValue: { adminApiKey: options.adminApiKey } satisfies ApiOptions },
        { provide: PORTAL_OPTIONS, useValue: { secret: options.portalSecret } satisfies PortalOptions },
        ReadModels,
        EntityEtags,
        { provide: WEBHOOK_POLICY, useValue: options.webhooks },
        { provide: OPENAPI_WEBHOOKS, useValue: TOPIC_WEBHOOKS },
        { provide: EndpointRepository, inject: [READ_SIDE], useFactory: (readSide: ReadSide) => new EndpointRepository(readSide.store) },
        { provide: DeliveryLog, inject: [READ_SIDE], useFactory: (readSide: ReadSide) => new DeliveryLog(readSide.store) },
        { provide: EndpointGate, inject: [READ_SIDE], useFactory: (readSide: ReadSide) => new EndpointGate(readSide.store) },
        EndpointOperations,
        { provide: PartnerMessages, inject: [READ_SIDE], useFactory: (readSide: ReadSide) => new PartnerMessages(readSide.store) },
        {
          provide: ReplayJobs,
          inject: [EVENT_STORE, BUS, READ_SIDE],
          useFactory: (events: EventStore, bus: Bus, readSide: ReadSide) =>
            new ReplayJobs(events, bus, readSide.store, {
              batchSize: options.replay?.batchSize ?? 1000,
              logger: options.replay?.logger,
              soleInstance: options.replay?.soleInstance ?? false,
            }),
        },
        ReplayJobsLifecycle,
        { provide: IncomingWebhookRepository, inject: [READ_SIDE], useFactory: (readSide: ReadSide) => new IncomingWebhookRepository(readSide.store) },
        {
          provide: INCOMING_OPTIONS,
          useValue: {
            ratePerSecond: options.incoming?.ratePerSecond ?? DEFAULT_INCOMING_RATE_PER_SECOND,
            publicUrl: options.incoming?.publicUrl,
          } satisfies IncomingWebhookOptions,
        },
        IncomingWebhookService,
        { provide: AUTO_APPROVER_OPTIONS, useValue: { batchSize: options.autoApproval?.batchSize ?? 100, logger: options.autoApproval?.logger } satisfies AutoApproverOptions },
        AutoApprover,
        { provide: STREAM_CACHE, useValue: new StreamCache(options.streamCacheSize) },
        StreamRunner,
        Lookups,
        Reservations,
        PurchaseCounter,
        Attributor,
        AuthGuard,
        CreateProgramHandler,
        ChangeCommissionPlanHandler,
        CreatePartnerHandler,
        UpdatePartnerDetailsHandler,
        ChangePartnerStatusHandler,
        CreateCustomerHandler,
        CreateTransactionHandler,
        CreatePayoutHandler,
        ConfirmPayoutHandler,
        CancelPayoutHandler,
        ApproveConversionHandler,
        DenyConversionHandler,
        ReopenConversionHandler,
        RefundTransactionHandler,
        CreateConversionTriggerHandler,
      ],
      exports: [AutoApprover],
    };
  }
}
